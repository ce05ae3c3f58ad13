/**
 * The spec front door: raw object -> issues or a NormalizedSpec.
 * `checkSpec` never throws (safeParse style); `parseSpec` throws one TlorcError with every issue.
 */
import { Spec } from './schema.js';
import { zodToIssues } from './zod-issues.js';
import { checkRules } from './rules.js';
import { normalize } from './normalize.js';
import { formatPath, type Issue } from './issues.js';
import type { LoadedSource } from './load.js';
import type { NormalizedSpec } from './normalized.js';
import { TlorcError } from '../errors/index.js';

export type CheckResult = { ok: true; spec: NormalizedSpec } | { ok: false; issues: Issue[] };

export function checkSpec(source: LoadedSource): CheckResult {
  const parsed = Spec.safeParse(source.value);
  let issues: Issue[];
  if (!parsed.success) issues = zodToIssues(parsed.error, source.value, Spec);
  else issues = checkRules(parsed.data);
  if (issues.length > 0) {
    const located = issues.map((i) => {
      const pos = source.sourceMap?.locate(i.path);
      return pos ? { ...i, line: pos.line, column: pos.column } : i;
    });
    return { ok: false, issues: located };
  }
  return { ok: true, spec: normalize(parsed.data!, source.baseDir) };
}

export function parseSpec(source: LoadedSource): NormalizedSpec {
  const r = checkSpec(source);
  if (r.ok) return r.spec;
  const first = r.issues[0]!;
  const more = r.issues.length > 1 ? ` (and ${r.issues.length - 1} more)` : '';
  throw new TlorcError('TLORC_SPEC_INVALID', `Invalid spec${source.file ? ` ${source.file}` : ''}: ${formatPath(first.path)}: ${first.message}${more}`, {
    issues: r.issues,
    path: first.path,
    ...(source.file ? { details: { file: source.file } } : {}),
  });
}
