/**
 * The Docker runner: the generated script runs in a container of a runtime image, and the same
 * events come back as with the local runner. The shared RunSession does the event parsing,
 * sequencing, event file, log and the final verdict; this file only drives the container:
 *
 *   preflight: engine answers, image present, GPUs usable if requested (throws TlorcError)
 *   start:     create (config.ts) -> attach -> start -> lines to the session as they arrive
 *   exit:      wait -> inspect (exit code, OOMKilled) -> session.finish -> remove
 *   cancel:    docker stop (SIGTERM, grace period, SIGKILL) -> the exit path above
 */
import type Docker from 'dockerode';
import { constants as osConstants } from 'node:os';
import type { Readable } from 'node:stream';
import type { NormalizedSpec } from '../../spec/normalized.js';
import { RunSession } from '../run-session.js';
import { chownTree } from './ownership.js';
import type { PreparedRun, Runner, RunHandle, StartOptions } from '../types.js';
import { buildContainerConfig, containerUser, hostIdentity, parseSize, type ContainerSettings } from './config.js';
import { TlorcError } from '../../errors/index.js';
import { cleanupContainers, registerLive, unregisterLive } from './cleanup.js';
import { pumpMultiplexed } from './demux.js';
import { connect, engineMessage, ensureEngine, ensureImage, gpuStartError, isNoGpuRuntimeError, probeGpus, resolveImage, type EngineOptions } from './engine.js';

export interface DockerRunnerOptions {
  /** Image override (else spec.resources.image, else TLORC_DOCKER_IMAGE, else tlorc/runtime:<framework>-<version>). */
  image?: string;
  /** Engine connection (default: DOCKER_HOST or the default socket), or a ready client. */
  docker?: EngineOptions | Docker;
  /** Container user override, e.g. "0:0" (default: host uid:gid, or 1000:1000 when tlorc runs as root). */
  user?: string;
  /** Mount the host's Keras/torch/Hugging Face model caches read-only (default true). */
  mountCaches?: boolean;
  /** Run Docker's init as PID 1 (default true). */
  init?: boolean;
  /** Skip the GPU probe container in preflight (the start still fails clearly without a GPU runtime). */
  skipGpuProbe?: boolean;
  /** Remove leftover containers of dead tlorc processes on first use (default true). */
  cleanupLeftovers?: boolean;
}

/** Exit status of a container's main process: 128+n means killed by signal n (Docker and init both report it so). */
export function exitSignal(code: number | null): string | null {
  if (code === null || code <= 128 || code > 128 + 64) return null;
  const n = code - 128;
  const name = Object.entries(osConstants.signals).find(([, v]) => v === n)?.[0];
  return name ?? null;
}


const parseUser = (u: string): { uid: number; gid: number } | null => {
  const m = /^(\d+)(?::(\d+))?$/.exec(u);
  return m ? { uid: Number(m[1]), gid: Number(m[2] ?? m[1]) } : null;
};

export class DockerRunner implements Runner {
  readonly kind = 'docker' as const;
  readonly docker: Docker;
  private leftovers: Promise<unknown> | null = null;
  private readonly gpuOk = new Set<string>();

  constructor(private readonly options: DockerRunnerOptions = {}) {
    this.docker = connect(options.docker);
  }

  private engineOptions(): EngineOptions | undefined {
    const d = this.options.docker;
    return d && !('modem' in d) ? (d as EngineOptions) : undefined;
  }

  /** Once per runner: remove containers that dead tlorc processes left behind. Never fails a run. */
  private removeLeftovers(): Promise<unknown> {
    if (this.options.cleanupLeftovers === false) return Promise.resolve();
    this.leftovers ??= cleanupContainers(this.docker).catch(() => undefined);
    return this.leftovers;
  }

  imageFor(spec: NormalizedSpec): string {
    return resolveImage(spec, this.options.image);
  }

  async preflight(spec: NormalizedSpec): Promise<void> {
    await ensureEngine(this.docker);
    await this.removeLeftovers();
    await this.checkLimits(spec);
    const image = this.imageFor(spec);
    await ensureImage(this.docker, image, spec.framework);
    const gpus = spec.resources.gpus;
    if (gpus === undefined || gpus === 0 || this.options.skipGpuProbe) return;
    const key = `${image}|${JSON.stringify(gpus)}`;
    if (this.gpuOk.has(key)) return;
    await probeGpus(this.docker, image, gpus);
    this.gpuOk.add(key); // a runner serving many runs probes once per image and request
  }

  /** CPU and memory limits the engine would refuse at create time, refused here with their field. */
  private async checkLimits(spec: NormalizedSpec): Promise<void> {
    const { cpus, memory } = spec.resources;
    if (cpus === undefined && memory === undefined) return;
    const info = (await this.docker.info().catch(() => ({}))) as { NCPU?: number };
    if (cpus !== undefined && info.NCPU !== undefined && (cpus > info.NCPU || cpus < 0.01))
      throw new TlorcError('TLORC_SPEC_INVALID', `resources.cpus is ${cpus}, but the Docker engine has ${info.NCPU} CPUs.`, { path: ['resources', 'cpus'], hint: `Ask for 0.01 to ${info.NCPU} CPUs, or leave resources.cpus out.` });
    if (memory !== undefined) {
      const bytes = parseSize(memory);
      const min = 6 * 1024 ** 2; // the engine's own floor for a container's memory limit
      if (bytes < min) throw new TlorcError('TLORC_SPEC_INVALID', `resources.memory is ${memory}; the Docker engine needs at least 6m.`, { path: ['resources', 'memory'] });
    }
  }

  /** The create options this runner uses for a run (exposed for inspection and tests). */
  containerConfig(run: PreparedRun): Docker.ContainerCreateOptions {
    const settings: ContainerSettings = {
      image: this.imageFor(run.spec),
      ...(this.options.user ? { user: this.options.user } : {}),
      ...(this.options.mountCaches !== undefined ? { mountCaches: this.options.mountCaches } : {}),
      ...(this.options.init !== undefined ? { init: this.options.init } : {}),
    };
    return buildContainerConfig(run, settings);
  }

  /** Create the run's container without starting it (what start() does first). */
  async create(run: PreparedRun): Promise<Docker.Container> {
    return this.docker.createContainer(this.containerConfig(run));
  }

  async start(run: PreparedRun, options: StartOptions = {}): Promise<RunHandle> {
    const graceS = Math.max(0, Math.round(options.cancelGraceS ?? 10));
    const session = new RunSession(run, 'docker');
    const gpus = run.spec.resources.gpus;
    await this.removeLeftovers();

    // As root, the container runs as an unprivileged uid: lend it the run directory for the run.
    const host = hostIdentity();
    const user = parseUser(containerUser(host, this.options.user));
    const lendTo = host.uid === 0 && user !== null && user.uid !== 0 ? user : null;
    const giveBack = () => {
      if (!lendTo) return;
      try {
        chownTree(run.runDir, host.uid, host.gid);
      } catch {
        /* best effort: root reads the files either way */
      }
    };
    const failEarly = (runnerError: string): RunHandle => {
      giveBack();
      session.finish({ exitCode: null, signal: null, runnerError });
      return session.handle(async () => {});
    };

    let container: Docker.Container;
    try {
      if (lendTo) chownTree(run.runDir, lendTo.uid, lendTo.gid);
      container = await this.create(run);
    } catch (e) {
      return failEarly(`Could not create the container: ${engineMessage(e)}`);
    }
    const id = container.id;
    const removeContainer = async () => {
      await container.remove({ force: true }).catch((e: unknown) => {
        if ((e as { statusCode?: number }).statusCode !== 404) throw e;
      });
      unregisterLive(id);
    };

    // Cancel: docker stop = StopSignal (SIGTERM), then SIGKILL after the grace period; the exit
    // path below then reads the exit, finishes the session and removes the container.
    let started = false;
    let exited: Promise<void> = Promise.resolve();
    let stopping: Promise<void> | null = null;
    const stop = (reason: string, force = false): Promise<void> => {
      session.markCancelling(reason);
      if (!started) return Promise.resolve(); // start() sees the cancel and never starts it
      const ignore = () => undefined; // 304: already stopped; 404/409: already gone
      // forced: SIGKILL now, even while a graceful stop waits out its grace period
      if (force) return container.kill().then(ignore, ignore).then(() => exited);
      stopping ??= container.stop({ t: graceS }).then(ignore, ignore);
      return stopping.then(() => exited);
    };
    registerLive({ id, runId: run.runId, cancel: stop, result: session.result }, this.engineOptions());

    let stream: Readable;
    try {
      // Attach before start: not one line of output can be missed.
      stream = (await container.attach({ stream: true, stdout: true, stderr: true })) as unknown as Readable;
    } catch (e) {
      await removeContainer().catch(() => {});
      return failEarly(`Could not attach to the container: ${engineMessage(e)}`);
    }
    const pump = pumpMultiplexed(stream, (line, name) => session.line(line, name));

    if (session.cancelling) {
      stream.destroy();
      await removeContainer().catch(() => {});
      return failEarly('cancelled before the container started');
    }
    try {
      await container.start();
      started = true;
      // a signal may have asked to cancel while the engine was starting it
      if (session.cancelling) void stop('cancelled while the container was starting');
    } catch (e) {
      const msg = engineMessage(e);
      stream.destroy();
      await removeContainer().catch(() => {});
      if (gpus !== undefined && (isNoGpuRuntimeError(msg) || /nvidia/i.test(msg))) {
        const err = gpuStartError(msg, gpus, e);
        // Same path as a failure the script reports: the run's failed event keeps this precise code.
        session.report({ reason: `${err.message} ${err.hint}`, code: err.code, path: ['resources', 'gpus'] });
      }
      return failEarly(`The container did not start: ${msg}`);
    }
    session.started({ containerId: id });

    exited = (async () => {
      let exitCode: number | null = null;
      let oomKilled = false;
      let runnerError: string | undefined;
      try {
        const waited = (await container.wait()) as { StatusCode?: number };
        exitCode = waited.StatusCode ?? null;
      } catch (e) {
        runnerError = `Lost the container while waiting for it: ${engineMessage(e)}`;
      }
      // Every line is read before the run is judged (the stream ends right after the exit).
      await Promise.race([pump, new Promise((r) => setTimeout(r, 5000).unref())]);
      stream.destroy();
      try {
        const info = await container.inspect();
        oomKilled = info.State.OOMKilled;
        if (exitCode === null && !info.State.Running) exitCode = info.State.ExitCode;
      } catch {
        /* gone already: keep what wait said */
      }
      // Removed before the run is final: when `result` resolves, no container is left.
      await removeContainer().catch(() => {});
      giveBack();
      session.finish({
        exitCode,
        signal: exitSignal(exitCode),
        ...(oomKilled ? { oomKilled } : {}),
        ...(runnerError ? { runnerError } : {}),
      });
    })();

    return session.handle(stop);
  }
}
