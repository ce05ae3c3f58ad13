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

export interface LocalRunnerOptions {
  /** Python executable; default: the managed environment (created on first use). */
  python?: string;
  /** Progress of a first-time environment setup. */
  onSetupProgress?: (line: string) => void;
}

export class LocalRunner implements Runner {
  readonly kind = 'local' as const;

  constructor(private readonly options: LocalRunnerOptions = {}) {}

  async preflight(spec: NormalizedSpec): Promise<void> {
    const python = await this.python();
    // a Keras backend other than torch is not in the pinned environment: say so before any run starts
    const backend = spec.keras_backend;
    if (backend && backend !== 'torch') {
      const module = backend === 'jax' ? 'jax' : 'tensorflow';
      const r = await execa(python, ['-c', `import importlib.util, sys; sys.exit(0 if importlib.util.find_spec(${JSON.stringify(module)}) else 3)`], { reject: false });
      if (r.exitCode !== 0)
        throw new TlorcError('TLORC_PYTHON_PACKAGE_MISSING', `keras_backend: ${backend} needs the Python package "${module}", which ${python} does not have.`, { path: ['keras_backend'] });
    }
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
        env: { ...run.env, PYTHONUNBUFFERED: '1', PYTHONIOENCODING: 'utf-8' },
        extendEnv: true,
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

    return session.handle(async () => {
      if (pid === undefined) return;
      killGroup(pid, 'SIGTERM');
      forceTimer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
      forceTimer.unref();
    });
  }
}
