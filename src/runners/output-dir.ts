/**
 * Creating the folders tlorc writes into (run folders, `generate -o`), with input errors instead
 * of raw fs errors: an output path that is a file, read-only or not creatable is the user's to fix
 * (TLORC_OUTPUT_INVALID, exit 2), never "a tlorc bug".
 */
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { TlorcError } from '../errors/index.js';

const REASONS: Record<string, string> = {
  EEXIST: 'a file is in the way',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder',
  EACCES: 'permission denied',
  EPERM: 'not permitted',
  EROFS: 'the file system is read-only',
  ENOENT: 'it cannot be created there',
  ENOSPC: 'no space left on the device',
};

export function outputError(target: string, e: unknown, field?: (string | number)[]): TlorcError {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  const reason = REASONS[code] ?? (e as Error).message;
  return new TlorcError('TLORC_OUTPUT_INVALID', `Cannot write to ${target}: ${reason}.`, { cause: e, ...(field ? { path: field } : {}) });
}

/**
 * mkdir -p, one level at a time from the nearest existing folder. (Node's recursive mkdirSync can
 * spin forever on some pseudo file systems, e.g. under /proc; one level at a time cannot.)
 */
export function makeDirs(dir: string, field?: (string | number)[]): void {
  const abs = path.resolve(dir);
  const missing: string[] = [];
  let cur = abs;
  for (;;) {
    let st;
    try {
      st = statSync(cur);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw outputError(abs, e, field);
      missing.unshift(cur);
      const up = path.dirname(cur);
      if (up === cur) break;
      cur = up;
      continue;
    }
    if (!st.isDirectory()) throw outputError(abs, Object.assign(new Error('not a folder'), { code: cur === abs ? 'EEXIST' : 'ENOTDIR' }), field);
    break;
  }
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw outputError(abs, e, field);
    }
  }
}
