/** `tlorc run spec.yaml --server URL`: submit to a tlorc server and follow the run like a local one. */
import { TlorcClient } from '../../client/remote.js';
import { EXIT, type ErrorBody } from '../../errors/index.js';
import type { RunnerKind } from '../../runners/types.js';
import { printError } from '../ui/errors.js';
import { ProgressPrinter } from '../ui/progress.js';

export interface RemoteRunFlags {
  server: string;
  token?: string;
  runner: RunnerKind;
  json?: boolean;
  set: string[];
  image?: string;
  output?: string;
}

export async function runRemote(specPath: string, opts: RemoteRunFlags): Promise<number> {
  const json = !!opts.json;
  const printer = json ? null : new ProgressPrinter();
  try {
    if (opts.output) process.stderr.write('tlorc: note: --output is ignored with --server (the server decides where run folders go)\n');
    if (opts.image) process.stderr.write('tlorc: note: --image is ignored with --server; set resources.image in the spec\n');
    const client = new TlorcClient({ server: opts.server, ...(opts.token ? { token: opts.token } : {}) });
    const handle = await client.submit(specPath, { overrides: opts.set, runner: opts.runner });
    if (!json) process.stderr.write(`tlorc: submitted run ${handle.runId} to ${client.server}${handle.run.queuePosition ? ` (queue position ${handle.run.queuePosition})` : ''}\n`);
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      signals++;
      if (signals > 1) process.exit(EXIT.cancelled); // the server keeps control of the run
      process.stderr.write(`\ntlorc: ${sig}: cancelling run ${handle.runId} on the server (Ctrl-C again to stop watching)\n`);
      void handle.cancel(`${sig} received by the submitting client`).catch(() => {});
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      for await (const e of handle) {
        if (json) process.stdout.write(JSON.stringify(e) + '\n');
        else printer!.event(e);
      }
      const result = await handle.result;
      if (!json) process.stderr.write(printer!.summary(result) + '\n');
      if (result.status === 'completed') return EXIT.ok;
      if (!json && result.error) printFailure(result.error);
      return result.status === 'cancelled' ? EXIT.cancelled : EXIT.runFailed;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  } catch (e) {
    return printError(e, json);
  }
}

function printFailure(err: ErrorBody): void {
  const tail = typeof err.details?.stderr_tail === 'string' ? err.details.stderr_tail.trim().split('\n').slice(-12) : [];
  const lines = [`tlorc: run failed ${err.code}: ${err.message}`];
  if (err.path) lines.push(`  field: ${err.path.join('.')}`);
  if (tail.length) lines.push('  stderr (last lines):', ...tail.map((l) => `    ${l}`));
  lines.push(`  hint: ${err.hint}`);
  process.stderr.write(lines.join('\n') + '\n');
}
