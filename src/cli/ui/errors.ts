/** One top-level place that turns any error into a message for people (or JSON) and an exit code. */
import { toTlorcError, EXIT } from '../../errors/index.js';
import { renderIssues } from '../../spec/render.js';
import { formatPath } from '../../spec/issues.js';
import { printable } from './format.js';


export function printError(e: unknown, json: boolean): number {
  const err = toTlorcError(e);
  if (json) {
    process.stdout.write(JSON.stringify({ type: 'error', error: err.toJSON() }) + '\n');
    return err.exitCode;
  }
  const lines = [`tlorc: error ${err.code}: ${printable(err.message)}`];
  const issuesShown = err.issues.length > 1 || (err.issues.length === 1 && !!(err.issues[0]!.expected || err.issues[0]!.found));
  if (issuesShown) lines.push(renderIssues(err.issues, typeof err.details.file === 'string' ? err.details.file : undefined));
  else if (err.path?.length) lines.push(`  field: ${formatPath(err.path)}`);
  const tail = err.details.stderr_tail;
  if (typeof tail === 'string' && tail.trim()) lines.push('  stderr (last lines):', ...tail.trim().split('\n').slice(-15).map((l) => `    ${l}`));
  lines.push(`  hint: ${err.hint}`);
  if (err.code === 'TLORC_INTERNAL' && err.cause instanceof Error && err.cause.stack && process.env.TLORC_DEBUG) lines.push(err.cause.stack);
  process.stderr.write(lines.join('\n') + '\n');
  return err.exitCode ?? EXIT.internal;
}
