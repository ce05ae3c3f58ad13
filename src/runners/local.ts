/**
 * The local runner: the generated script as a child Python process (execa),
 * unbuffered (-u and PYTHONUNBUFFERED), in its own process group so cancel reaches
 * data-loader workers too: SIGTERM first, SIGKILL after the grace period.
 */
import { execa, type ResultPromise } from 'execa';
import { createInterface } from 'node:readline';
import { RunSession } from './run-session.js';
import type { PreparedRun, Runner, RunHandle, StartOptions } from './types.js';
import { ensurePythonEnv } from '../python/env.js';
import type { NormalizedSpec } from '../spec/normalized.js';
import { TlorcError } from '../errors/index.js';

const live = new Set<number>();
let exitHookInstalled = false;

/** If tlorc itself exits, take the training process groups with it: nothing is left running. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of live) killGroup(pid, 'SIGKILL');
  });
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

/** Secrets of tlorc itself that a training script has no business reading (e.g. a server's API token). */
const NOT_INHERITED = new Set(['TLORC_TOKEN']);

/** tlorc's environment, as the training process inherits it: everything but tlorc's secrets. */
export const inheritedEnv = (): Record<string, string> =>
  Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !NOT_INHERITED.has(e[0])));

interface RequiredModule {
  module: string;
  why: string;
  /** the spec field that asks for it, when one does (the Keras backend) */
  path?: (string | number)[];
}

/** The Python modules a spec's generated script imports. */
export function requiredModules(spec: NormalizedSpec): RequiredModule[] {
  const out: RequiredModule[] = [{ module: 'numpy', why: 'every script' }, { module: 'torch', why: 'every script' }];
  if (spec.framework === 'keras') {
    out.push({ module: 'keras', why: 'framework: keras' }, { module: 'h5py', why: 'Keras weights files' });
    const backend = spec.keras_backend ?? 'torch';
    if (backend !== 'torch') out.push({ module: backend === 'jax' ? 'jax' : 'tensorflow', why: `keras_backend: ${backend}`, path: ['keras_backend'] });
  }
  const pt = spec.backbone.entry.frameworks.pytorch;
  if (spec.framework === 'pytorch' && pt?.kind === 'torchvision') out.push({ module: 'torchvision', why: `${spec.backbone.name} in PyTorch` });
  if (spec.framework === 'pytorch' && pt?.kind === 'transformers') {
    out.push({ module: 'transformers', why: `${spec.backbone.name} in PyTorch` });
    if (pt.packagedIn && spec.backbone.weights.kind === 'pretrained') out.push({ module: pt.packagedIn.module, why: `the ${spec.backbone.name} model files (pip package ${pt.packagedIn.pip})` });
  }
  if (spec.task === 'image_classification') out.push({ module: 'PIL', why: 'reading images' });
  return out;
}

export interface LocalRunnerOptions {
  /** Skip the preflight's GPU check (tests that give fixture scripts GPU slots on a host without GPUs). */
  skipGpuProbe?: boolean;
  /** Python executable; default: the managed environment (created on first use). */
  python?: string;
  /** Progress of a first-time environment setup. */
  onSetupProgress?: (line: string) => void;
}

export class LocalRunner implements Runner {
  readonly kind = 'local' as const;

  constructor(private readonly options: LocalRunnerOptions = {}) {}

  /**
   * The interpreter must start and have every package the generated script imports, checked
   * before the run directory exists: a TLORC_PYTHON without torch is an environment error
   * (exit 4), not a failed run. find_spec only looks the modules up (no import): well under a second.
   */
  async preflight(spec: NormalizedSpec): Promise<void> {
    const python = await this.python();
    const needed = requiredModules(spec);
    const probe = `import importlib.util, json; print(json.dumps([m for m in ${JSON.stringify(needed.map((n) => n.module))} if importlib.util.find_spec(m) is None]))`;
    const r = await execa(python, ['-c', probe], { reject: false, stdin: 'ignore', timeout: 60_000 });
    if (r.exitCode !== 0 || r.failed) {
      const why = (r as { code?: string }).code === 'ENOENT' ? 'not found' : String(r.stderr || r.shortMessage || '').trim().split('\n').pop();
      throw new TlorcError('TLORC_PYTHON_NOT_FOUND', `Python ${python} cannot run (${why}).`);
    }
    let missing: string[];
    try {
      missing = JSON.parse(String(r.stdout).trim().split('\n').pop() ?? '[]') as string[];
    } catch {
      missing = [];
    }
    if (!missing.length) return this.gpuPreflight(python, spec);
    const first = needed.find((n) => n.module === missing[0])!;
    throw new TlorcError('TLORC_PYTHON_PACKAGE_MISSING', `${python} lacks the Python package${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} that this run needs (${first.why}).`, {
      ...(first.path ? { path: first.path } : {}),
      ...(first.path ? {} : { hint: 'Unset TLORC_PYTHON to use tlorc\'s managed environment (`tlorc setup` builds it), or install the package into that Python.' }),
    });
  }

  /** A run that asks for a GPU fails here, before its run directory exists, on a host without one. */
  private async gpuPreflight(python: string, spec: NormalizedSpec): Promise<void> {
    const torchDecides = spec.framework === 'pytorch' || (spec.keras_backend ?? 'torch') === 'torch';
    if (spec.resources.device !== 'cuda' || !torchDecides || this.options.skipGpuProbe) return; // other Keras backends: the script checks
    const env = { ...process.env, ...(Array.isArray(spec.resources.gpus) ? { CUDA_VISIBLE_DEVICES: spec.resources.gpus.join(',') } : {}) };
    const r = await execa(python, ['-c', 'import torch; print(int(torch.cuda.device_count()))'], { reject: false, stdin: 'ignore', env, timeout: 120_000 });
    const count = Number(String(r.stdout).trim().split('\n').pop());
    const wanted = spec.resources.gpus === 'all' || spec.resources.gpus === undefined ? 1 : Array.isArray(spec.resources.gpus) ? spec.resources.gpus.length : spec.resources.gpus;
    if (r.exitCode === 0 && count >= wanted) return;
    const path = spec.resources.gpus !== undefined ? ['resources', 'gpus'] : ['resources', 'device'];
    throw new TlorcError('TLORC_GPU_UNAVAILABLE', r.exitCode === 0
      ? `The run asks for ${wanted} GPU${wanted > 1 ? 's' : ''}, but PyTorch sees ${count} on this host; tlorc never falls back to the CPU unasked.`
      : `Could not ask PyTorch for GPUs: ${String(r.stderr).trim().split('\n').pop()}`, { path });
  }

  private async python(): Promise<string> {
    return this.options.python ?? (await ensurePythonEnv({ onProgress: this.options.onSetupProgress })).python;
  }

  async start(run: PreparedRun, options: StartOptions = {}): Promise<RunHandle> {
    const python = await this.python();
    const graceMs = (options.cancelGraceS ?? 10) * 1000;
    const session = new RunSession(run, 'local');
    installExitHook();

    let child: ResultPromise;
    try {
      child = execa(python, ['-u', run.scriptPath], {
        cwd: run.runDir,
        env: { ...inheritedEnv(), ...run.env, PYTHONUNBUFFERED: '1', PYTHONIOENCODING: 'utf-8' },
        extendEnv: false,
        buffer: false,
        reject: false,
        stdin: 'ignore',
        detached: true,
        cleanup: false,
        encoding: 'utf8',
      });
    } catch (e) {
      session.finish({ exitCode: null, signal: null, runnerError: `Could not start Python: ${(e as Error).message}` });
      return session.handle(async () => {});
    }

    const pid = child.pid;
    if (pid !== undefined) {
      live.add(pid);
      session.started({ pid });
    }
    const pump = (stream: NodeJS.ReadableStream | null, name: 'stdout' | 'stderr') =>
      new Promise<void>((resolve) => {
        if (!stream) return resolve();
        const rl = createInterface({ input: stream, crlfDelay: Infinity });
        rl.on('line', (l) => session.line(l, name));
        rl.on('close', resolve);
      });
    const pumps = Promise.all([pump(child.stdout, 'stdout'), pump(child.stderr, 'stderr')]);

    let forceTimer: NodeJS.Timeout | undefined;
    void child.then(async (r) => {
      await pumps; // every line is read before the run is judged
      if (forceTimer) clearTimeout(forceTimer);
      if (pid !== undefined) {
        killGroup(pid, 'SIGKILL'); // stray workers of the group, if any
        live.delete(pid);
      }
      const failedToSpawn = r.failed && r.exitCode === undefined && !r.signal;
      session.finish({
        exitCode: r.exitCode ?? null,
        signal: r.signal ?? null,
        ...(failedToSpawn ? { runnerError: `Could not start ${python}: ${r.shortMessage ?? r.message}` } : {}),
      });
    });

    return session.handle(async (_reason, force) => {
      if (pid === undefined) return;
      if (force) {
        killGroup(pid, 'SIGKILL');
        return;
      }
      killGroup(pid, 'SIGTERM');
      forceTimer ??= setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
      forceTimer.unref();
    });
  }
}
