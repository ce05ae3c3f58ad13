/** Runs the Python unit tests of python/tlorc_runtime.py with the tlorc Python. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { HAS_PYTHON, PYTHON } from './python.js';

const here = path.dirname(fileURLToPath(import.meta.url));

describe.skipIf(!HAS_PYTHON)('tlorc_runtime.py', () => {
  it('passes its unittest suite', async () => {
    const { stderr } = await promisify(execFile)(PYTHON, ['-B', '-m', 'unittest', 'discover', '-s', path.join(here, 'python'), '-v'], {
      timeout: 120_000,
      maxBuffer: 16 * 1024 * 1024,
    }).catch((e: { stdout: string; stderr: string }) => {
      throw new Error(`python unittest failed:\n${e.stderr}\n${e.stdout}`);
    });
    expect(stderr).toMatch(/\nOK/);
  }, 150_000);
});
