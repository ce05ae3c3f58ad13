/** `tlorc run spec.yaml`: validate, generate, train, with live progress or NDJSON events. */
import { Option, type Command } from 'commander';
import { run } from '../../sdk/index.js';
import { followRun } from '../ui/follow.js';
import { printError } from '../ui/errors.js';
import { specOptions, jsonOption } from './common.js';
import type { RunnerKind } from '../../runners/types.js';

export function register(program: Command): void {
  specOptions(
    program
      .command('run')
      .description('train: validate the spec, generate the script, run it and stream metrics')
      .argument('<spec>', 'spec file (YAML or JSON)')
      .addOption(new Option('--runner <kind>', 'where to run').choices(['local', 'docker']).default('local'))
      .option('--image <image>', 'Docker image (docker runner)')
      .option('-o, --output <dir>', 'directory for run folders (default: the spec\'s output)')
      .option('--server <url>', 'submit to a tlorc server instead of running here (or TLORC_SERVER)')
      .option('--token <token>', 'bearer token for --server (or TLORC_TOKEN)')
      .addOption(jsonOption()),
  ).action(async (specPath: string, opts: { runner: RunnerKind; image?: string; output?: string; json?: boolean; set: string[]; unset: string[]; server?: string; token?: string }) => {
    const server = opts.server ?? process.env.TLORC_SERVER;
    if (server) {
      const { runRemote } = await import('./run-remote.js');
      process.exitCode = await runRemote(specPath, { ...opts, server });
      return;
    }
    process.exitCode = await runLocal(specPath, opts);
  });
}

async function runLocal(specPath: string, opts: { runner: RunnerKind; image?: string; output?: string; json?: boolean; set: string[]; unset: string[] }): Promise<number> {
  const json = !!opts.json;
  try {
    const handle = await run(specPath, {
      runner: opts.runner,
      overrides: opts.set,
      unset: opts.unset,
      ...(opts.image ? { image: opts.image } : {}),
      ...(opts.output ? { outputDir: opts.output } : {}),
      onSetupProgress: (l) => process.stderr.write(l + '\n'),
    });
    // record the run in the local store too, so `tlorc runs list|show|logs` see it; never breaks the run
    const { recordLocalRun } = await import('../../store/local-record.js');
    const recorded = recordLocalRun(handle, { onError: (e) => process.stderr.write(`tlorc: warning: run not recorded in the local store: ${(e as Error).message}\n`) });
    return await followRun(handle, { json, afterEnd: () => recorded });
  } catch (e) {
    return printError(e, json);
  }
}
