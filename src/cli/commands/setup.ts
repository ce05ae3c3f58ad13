/** `tlorc setup`: build (or update) the managed Python environment, with visible progress. */
import type { Command } from 'commander';
import { ensurePythonEnv } from '../../python/env.js';
import { printError } from '../ui/errors.js';

export function register(program: Command): void {
  program
    .command('setup')
    .description('create or update tlorc\'s Python environment ($TLORC_HOME/venv) from the pinned requirements')
    .option('--force', 'rebuild from scratch')
    .action(async (opts: { force?: boolean }) => {
      try {
        const env = await ensurePythonEnv({ force: !!opts.force, onProgress: (l) => process.stderr.write(l + '\n') });
        process.stdout.write(`Python environment ready: ${env.python}${env.managed ? '' : ' (TLORC_PYTHON, not managed)'}\n`);
      } catch (e) {
        process.exitCode = printError(e, false);
      }
    });
}
