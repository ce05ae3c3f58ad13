/**
 * tlorc's own Python environment: a venv under $TLORC_HOME (default ~/.tlorc),
 * built from the pinned python/requirements.txt. A stamp of the requirements'
 * hash makes setup incremental: unchanged requirements -> nothing to do.
 * TLORC_PYTHON points at an existing interpreter instead (then nothing is managed).
 */
import { existsSync, readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { createInterface } from 'node:readline';
import { TlorcError } from '../errors/index.js';
import { packageRoot } from '../paths.js';

export const tlorcHome = (): string => process.env.TLORC_HOME ?? path.join(os.homedir(), '.tlorc');
export const venvDir = (): string => path.join(tlorcHome(), 'venv');
export const requirementsFile = (): string => path.join(packageRoot(), 'python', 'requirements.txt');
const venvPython = (dir: string) => path.join(dir, 'bin', 'python');
const stampFile = (dir: string) => path.join(dir, '.tlorc-requirements.sha256');

export const requirementsHash = (): string => createHash('sha256').update(readFileSync(requirementsFile())).digest('hex');

export interface PythonEnv {
  python: string;
  managed: boolean;
  venv?: string;
}

export interface SetupOptions {
  onProgress?: ((line: string) => void) | undefined;
  /** Rebuild even when the stamp says it is current. */
  force?: boolean;
}

/** Is the managed env present and built from the current requirements? */
export function envIsCurrent(): boolean {
  const dir = venvDir();
  return existsSync(venvPython(dir)) && existsSync(stampFile(dir)) && readFileSync(stampFile(dir), 'utf8').trim() === requirementsHash();
}

async function findBasePython(): Promise<string> {
  const candidates = [process.env.TLORC_BASE_PYTHON, 'python3', 'python'].filter((c): c is string => !!c);
  for (const c of candidates) {
    const r = await execa(c, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { reject: false });
    if (r.exitCode === 0) {
      const [maj, min] = String(r.stdout).trim().split('.').map(Number);
      if (maj === 3 && (min ?? 0) >= 10) return c;
    }
  }
  throw new TlorcError('TLORC_PYTHON_NOT_FOUND', 'No Python 3.10+ found (tried TLORC_BASE_PYTHON, python3, python).');
}

async function streamed(cmd: string, args: string[], onProgress?: (l: string) => void): Promise<{ ok: boolean; tail: string }> {
  const child = execa(cmd, args, { reject: false, buffer: false, all: true, stdin: 'ignore', env: { PIP_DISABLE_PIP_VERSION_CHECK: '1', PYTHONUNBUFFERED: '1' } });
  const tail: string[] = [];
  if (child.all) {
    const rl = createInterface({ input: child.all, crlfDelay: Infinity });
    rl.on('line', (l) => {
      tail.push(l);
      if (tail.length > 30) tail.shift();
      onProgress?.(l);
    });
  }
  const r = await child;
  return { ok: r.exitCode === 0, tail: tail.join('\n') };
}

/** Build or update the managed environment. Safe to call often: a current env returns at once. */
export async function ensurePythonEnv(options: SetupOptions = {}): Promise<PythonEnv> {
  if (process.env.TLORC_PYTHON) return { python: process.env.TLORC_PYTHON, managed: false };
  const dir = venvDir();
  if (!options.force && envIsCurrent()) return { python: venvPython(dir), managed: true, venv: dir };
  const say = options.onProgress ?? (() => {});
  if (!existsSync(venvPython(dir)) || options.force) {
    const base = await findBasePython();
    say(`tlorc: creating Python environment in ${dir} (from ${base})`);
    if (options.force) rmSync(dir, { recursive: true, force: true });
    mkdirSync(path.dirname(dir), { recursive: true });
    const r = await streamed(base, ['-m', 'venv', dir], say);
    if (!r.ok) throw new TlorcError('TLORC_PYTHON_SETUP_FAILED', `Creating the virtual environment failed:\n${r.tail}`, { hint: 'On Debian/Ubuntu install python3-venv; then run `tlorc setup` again.' });
  }
  say(`tlorc: installing pinned packages from ${requirementsFile()} (first time: several minutes, ~6 GB with PyTorch)`);
  const r = await streamed(venvPython(dir), ['-m', 'pip', 'install', '--progress-bar', 'off', '-r', requirementsFile()], say);
  if (!r.ok) throw new TlorcError('TLORC_PYTHON_SETUP_FAILED', `pip install failed:\n${r.tail}`);
  writeFileSync(stampFile(dir), requirementsHash() + '\n');
  say('tlorc: Python environment ready');
  return { python: venvPython(dir), managed: true, venv: dir };
}
