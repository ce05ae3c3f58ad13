/**
 * Following a run in the terminal, local or remote alike: live progress (or NDJSON with --json),
 * Ctrl-C cancels (twice: stop now), a summary table, and the exit code for the result.
 */
import { ERRORS, EXIT, type ErrorBody } from '../../errors/index.js';
import type { RunHandle } from '../../runners/types.js';
import { ProgressPrinter } from './progress.js';
import { formatPath } from '../../spec/issues.js';

export interface FollowOptions {
  json: boolean;
  /** What "cancel" means here, for the message (e.g. "on the server"). */
  where?: string;
  /** Runs once the run has ended, before the summary (e.g. waiting for the store record). */
  afterEnd?: () => Promise<unknown>;
}

/** How long a forced stop may take to record the run before tlorc exits regardless. */
const FORCE_WAIT_MS = 5000;

export async function followRun(handle: RunHandle, options: FollowOptions): Promise<number> {
  const printer = options.json ? null : new ProgressPrinter();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    // third Ctrl-C: leave now (the exit hooks still kill what is left)
    if (signals > 2) process.exit(EXIT.cancelled);
    if (signals === 2) {
      // second: no grace period, but the run is still recorded as cancelled before tlorc exits
      process.stderr.write(`\ntlorc: ${sig}: stopping run ${handle.runId} now (Ctrl-C again to quit without waiting)\n`);
      void handle.cancel(`${sig} received twice`, { force: true }).catch(() => {});
      setTimeout(() => process.exit(EXIT.cancelled), FORCE_WAIT_MS).unref();
      return;
    }
    process.stderr.write(`\ntlorc: ${sig}: cancelling run ${handle.runId}${options.where ? ` ${options.where}` : ''} (Ctrl-C again to stop it now)\n`);
    void handle.cancel(`${sig} received`).catch(() => {});
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal); // the terminal went away: cancel, do not leave the run behind
  try {
    for await (const e of handle) {
      if (printer) printer.event(e);
      else process.stdout.write(JSON.stringify(e) + '\n');
    }
    const result = await handle.result;
    await options.afterEnd?.();
    if (printer) process.stderr.write(printer.summary(result) + '\n');
    if (result.status === 'completed') return EXIT.ok;
    if (printer && result.error) printFailure(result.error);
    if (result.status === 'cancelled') return EXIT.cancelled;
    // a failure the script traced to the input (a layer name that does not exist, a class count
    // that does not fit head.units) is invalid input, as if validation had caught it
    const exit = result.error ? ERRORS[result.error.code]?.exit : undefined;
    return exit === EXIT.invalidInput || exit === EXIT.environment ? exit : EXIT.runFailed;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
  }
}

export function printFailure(err: ErrorBody): void {
  const tail = typeof err.details?.stderr_tail === 'string' ? err.details.stderr_tail.trim().split('\n').filter((l) => l.trim()).slice(-12) : [];
  const what = err.code === 'TLORC_RUN_CANCELLED' ? 'run cancelled' : 'run failed';
  const lines = [`tlorc: ${what} ${err.code}: ${err.message}`];
  if (err.path) lines.push(`  field: ${formatPath(err.path)}`);
  if (tail.length) lines.push('  stderr (last lines):', ...tail.map((l) => `    ${l}`));
  lines.push(`  hint: ${err.hint}`);
  process.stderr.write(lines.join('\n') + '\n');
}
