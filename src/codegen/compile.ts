/** compileCheck: byte-compile generated files with a real Python, as a cheap guard before a run. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { TlorcError } from '../errors/index.js';

const run = promisify(execFile);

/**
 * Write `files` to a temporary folder and run `python -m py_compile` on every .py file.
 * Throws TLORC_CODEGEN_COMPILE with Python's message when one does not compile.
 */
export async function compileCheck(files: Record<string, string>, python: string): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tlorc-compile-'));
  try {
    const names = Object.keys(files).filter((n) => n.endsWith('.py'));
    for (const name of Object.keys(files)) {
      if (name.includes('/') || name.includes('\\') || name.startsWith('.')) throw new TlorcError('TLORC_CODEGEN_TEMPLATE', `bad generated file name ${name}`);
      writeFileSync(path.join(dir, name), files[name]!);
    }
    try {
      await run(python, ['-B', '-m', 'py_compile', ...names], { cwd: dir, timeout: 60_000 });
    } catch (e) {
      const err = e as { stderr?: string; message: string; code?: string | number };
      if (err.code === 'ENOENT') throw new TlorcError('TLORC_PYTHON_NOT_FOUND', `Python not found: ${python}`, { cause: e });
      const detail = (err.stderr || err.message).trim();
      throw new TlorcError('TLORC_CODEGEN_COMPILE', `generated script does not compile: ${detail}`, { cause: e, details: { stderr: detail } });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
