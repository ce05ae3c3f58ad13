/**
 * The Python the codegen tests compile and run generated code with: $TLORC_PYTHON, else the
 * venv tlorc manages ($TLORC_HOME/venv, default ~/.tlorc/venv). Without one the Python-backed
 * tests are skipped, except under CI=true, where a missing Python is an error.
 */
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

const home = process.env.TLORC_HOME ?? path.join(os.homedir(), '.tlorc');
export const PYTHON = process.env.TLORC_PYTHON ?? path.join(home, 'venv', 'bin', 'python');
export const HAS_PYTHON = existsSync(PYTHON);

if (!HAS_PYTHON && process.env.CI === 'true') {
  throw new Error(`CI=true but no Python at ${PYTHON} (set TLORC_PYTHON or run \`tlorc setup\`)`);
}

/** Run Python code with a JSON argument; returns its stdout parsed as JSON. */
export function pyJson<T = unknown>(code: string, arg: unknown): T {
  const out = execFileSync(PYTHON, ['-c', code, JSON.stringify(arg)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(out) as T;
}
