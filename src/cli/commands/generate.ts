/** `tlorc generate spec.yaml -o train.py`: write the standalone script (and its helper module beside it). */
import { writeFileSync } from 'node:fs';
import { makeDirs, outputError } from '../../runners/output-dir.js';
import path from 'node:path';
import type { Command } from 'commander';
import { generate } from '../../sdk/index.js';
import { printError } from '../ui/errors.js';
import { specOptions } from './common.js';

export function register(program: Command): void {
  specOptions(
    program
      .command('generate')
      .description('write the training script for a spec without running it')
      .argument('<spec>', 'spec file (YAML or JSON)')
      .option('-o, --out <file>', 'script path; helper modules are written next to it (default: print train.py to stdout)'),
  ).action((specPath: string, opts: { out?: string; set: string[]; unset: string[] }) => {
    try {
      const g = generate(specPath, { overrides: opts.set, unset: opts.unset });
      if (!opts.out) {
        process.stdout.write(g.files[g.entry]!);
        return;
      }
      const dir = path.dirname(path.resolve(opts.out));
      for (const [name, text] of Object.entries(g.files)) {
        const target = name === g.entry ? path.resolve(opts.out) : path.join(dir, name);
        makeDirs(path.dirname(target));
        try {
          writeFileSync(target, text as string);
        } catch (e) {
          throw outputError(target, e);
        }
        process.stderr.write(`wrote ${target}\n`);
      }
    } catch (e) {
      process.exitCode = printError(e, false);
    }
  });
}
