/**
 * The server's runs: submission (validate, check data roots and GPUs, preflight the
 * runner, prepare the run directory, store, queue), starting queued runs when the
 * scheduler says so, recording their events, cancelling, and stopping cleanly.
 */
import os from 'node:os';
import type { FastifyBaseLogger } from 'fastify';
import { ERRORS } from '../errors/catalog.js';
import { TlorcError, toTlorcError, type ErrorBody } from '../errors/index.js';
import { getRunner } from '../runners/registry.js';
import type { PreparedRun, Runner, RunHandle, RunnerKind } from '../runners/types.js';
import { loadSpec, type SpecLike } from '../sdk/spec-input.js';
import { prepareRun } from '../sdk/prepare.js';
import type { NormalizedSpec } from '../spec/normalized.js';
import { recordRun } from '../store/recorder.js';
import { thisProcess } from '../store/owner.js';
import type { EventFeed } from '../store/feed.js';
import { isFinalStatus, type RunRecord, type RunStore } from '../store/types.js';
import { checkDataRoots } from './data-roots.js';
import { endRunWithoutProcess } from './end-run.js';
import type { ServerConfig } from './options.js';
import { gpuCount, Scheduler, type GpuRequest } from './scheduler.js';

export interface SubmitRequest {
  spec: string | Record<string, unknown>;
  overrides?: string[] | undefined;
  runner?: RunnerKind | undefined;
}

/** What a queued run needs to start after a restart (stored with the run). */
interface LaunchData {
  baseDir: string;
  scriptPath: string;
  env: Record<string, string>;
  inputPaths: string[];
  dryRun: boolean;
}

export function gpuRequestOf(spec: NormalizedSpec, slots: readonly string[]): GpuRequest {
  const g = spec.resources.gpus;
  if (g === undefined) return { count: 0 };
  if (g === 'all') return slots.length ? { ids: [...slots] } : { count: Number.POSITIVE_INFINITY };
  if (typeof g === 'number') return { count: g };
  return { ids: g.map(String) };
}

export const cancelledError = (reason: string): ErrorBody =>
  new TlorcError('TLORC_RUN_CANCELLED', `Run cancelled: ${reason}`, { hint: ERRORS.TLORC_RUN_CANCELLED.hint }).toJSON();

const withTimeout = <T>(p: Promise<T>, ms: number): Promise<T | undefined> =>
  new Promise((resolve) => {
    const t = setTimeout(() => resolve(undefined), ms);
    t.unref();
    void p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      () => {
        clearTimeout(t);
        resolve(undefined);
      },
    );
  });

export class RunManager {
  readonly scheduler: Scheduler;
  private readonly prepared = new Map<string, PreparedRun>();
  private readonly active = new Map<string, RunHandle>();
  /** Runs between leaving the queue and having a handle, with a cancel reason if one arrived meanwhile. */
  private readonly starting = new Map<string, string | null>();
  /** Resolves when a started run is fully recorded. */
  private readonly finished = new Map<string, Promise<void>>();
  private readonly runners = new Map<RunnerKind, Promise<Runner>>();
  private closing = false;
  private preflights: Promise<void> = Promise.resolve();
  /** The server's base URL once it listens (recorded as the owner of its runs). */
  url: string | undefined;

  constructor(
    private readonly cfg: ServerConfig,
    private readonly store: RunStore,
    private readonly feed: EventFeed,
    private readonly log: FastifyBaseLogger,
  ) {
    this.scheduler = new Scheduler(cfg.concurrency, cfg.gpuSlots);
  }

  get accepting(): boolean {
    return !this.closing;
  }

  private runner(kind: RunnerKind): Promise<Runner> {
    let r = this.runners.get(kind);
    if (!r) {
      r = this.cfg.runner ? this.cfg.runner(kind) : getRunner(kind, this.cfg.python ? { python: this.cfg.python } : {});
      r.catch(() => this.runners.delete(kind));
      this.runners.set(kind, r);
    }
    return r;
  }

  /** Validate and queue a run. Every input problem throws here, before anything is stored. */
  async submit(req: SubmitRequest): Promise<RunRecord> {
    if (this.closing) throw new TlorcError('TLORC_SERVER_SHUTTING_DOWN', 'The server is shutting down and accepts no new runs.');
    const kind = req.runner ?? 'local';
    // relative data paths in a submitted spec are resolved against the first data root
    const baseDir = this.cfg.dataRoots[0]!;
    const source: SpecLike = typeof req.spec === 'string' ? { text: req.spec, baseDir } : { spec: req.spec, baseDir };
    const spec = loadSpec(source, { overrides: req.overrides ?? [] });
    checkDataRoots(spec, this.cfg.dataRoots);
    const gpus = gpuRequestOf(spec, this.cfg.gpuSlots);
    const unfit = this.scheduler.fits(gpus);
    if (unfit) throw new TlorcError('TLORC_RUN_GPUS_UNAVAILABLE', unfit, { path: ['resources', 'gpus'] });
    const runner = await this.runner(kind);
    // one preflight at a time: the first one may build the Python environment, and two
    // concurrent builds of the same venv would break it
    const preflight = this.preflights.then(() => runner.preflight(spec));
    this.preflights = preflight.catch(() => {});
    await preflight;
    const prepared = (this.cfg.prepare ?? prepareRun)(spec, { runner: kind, outputDir: this.cfg.runsDir });
    const launch: LaunchData = { baseDir, scriptPath: prepared.scriptPath, env: prepared.env, inputPaths: prepared.inputPaths, dryRun: prepared.dryRun };
    const rec = this.store.createRun({
      id: prepared.runId,
      name: spec.name,
      runner: kind,
      spec: spec.source as Record<string, unknown>,
      runDir: prepared.runDir,
      createdAt: new Date().toISOString(),
      gpuRequest: gpuCount(gpus),
      launch: launch as unknown as Record<string, unknown>,
      owner: thisProcess('server', this.url),
    });
    this.prepared.set(rec.id, prepared);
    this.log.info({ runId: rec.id, runner: kind, gpus: rec.gpuRequest }, 'run queued');
    this.enqueue(rec, gpus);
    return this.store.getRun(rec.id)!;
  }

  /** Queue a run that was stored as queued (after a restart). */
  resume(rec: RunRecord): void {
    let gpus: GpuRequest;
    try {
      gpus = gpuRequestOf(this.restore(rec).spec, this.cfg.gpuSlots);
    } catch (e) {
      endRunWithoutProcess(this.store, rec, 'failed', toTlorcError(e).toJSON(), this.feed);
      return;
    }
    this.store.updateRun(rec.id, { owner: thisProcess('server', this.url) });
    this.enqueue(rec, gpus);
  }

  private enqueue(rec: RunRecord, gpus: GpuRequest): void {
    this.scheduler.enqueue({ runId: rec.id, gpus, start: (ids) => this.launch(rec.id, ids) });
  }

  /** The PreparedRun of a stored run: from memory, or rebuilt from what was stored at submission. */
  private restore(rec: RunRecord): PreparedRun {
    const mem = this.prepared.get(rec.id);
    if (mem) return mem;
    const launch = rec.launch as unknown as LaunchData | undefined;
    if (!launch) throw new TlorcError('TLORC_INTERNAL', `Run ${rec.id} has no launch data; it cannot be started.`);
    const spec = loadSpec({ spec: rec.spec, baseDir: launch.baseDir });
    const prepared: PreparedRun = { runId: rec.id, runDir: rec.runDir, spec, scriptPath: launch.scriptPath, env: launch.env, inputPaths: launch.inputPaths, dryRun: launch.dryRun };
    this.prepared.set(rec.id, prepared);
    return prepared;
  }

  /**
   * Give the run exactly the GPUs the scheduler assigned (none for CPU runs on a GPU server), and
   * its share of the CPU cores: N concurrent runs that each start one math thread per core fight
   * over the cores (OpenMP spin-waits), which on a small machine is 10-100x slower, not N x.
   */
  private withGpus(p: PreparedRun, ids: string[]): PreparedRun {
    const threads: Record<string, string> = p.spec.resources.cpus === undefined && !process.env.OMP_NUM_THREADS && !p.env.OMP_NUM_THREADS
      ? { OMP_NUM_THREADS: String(Math.max(1, Math.floor(os.cpus().length / this.cfg.concurrency))) }
      : {};
    if (this.cfg.gpuSlots.length === 0 && ids.length === 0) return { ...p, env: { ...p.env, ...threads } };
    const env = { ...p.env, ...threads, CUDA_VISIBLE_DEVICES: ids.join(',') };
    const spec: NormalizedSpec = { ...p.spec, resources: { ...p.spec.resources, ...(ids.length ? { gpus: ids } : { gpus: undefined }) } };
    return { ...p, env, spec };
  }

  private launch(runId: string, gpuIds: string[]): Promise<void> {
    const done = this.doLaunch(runId, gpuIds).catch((e: unknown) => this.log.error({ err: e, runId }, 'run launch failed'));
    this.finished.set(runId, done);
    void done.finally(() => this.finished.delete(runId));
    return done;
  }

  private async doLaunch(runId: string, gpuIds: string[]): Promise<void> {
    const rec = this.store.getRun(runId);
    if (!rec || rec.status !== 'queued') return;
    this.starting.set(runId, null);
    let handle: RunHandle;
    try {
      const restored = this.restore(rec);
      // the roots may have changed since submission (a restart with other --data-root), or a
      // folder under them may since have become a link that leads out: checked again at start
      checkDataRoots(restored.spec, this.cfg.dataRoots);
      const prepared = this.withGpus(restored, gpuIds);
      const runner = await this.runner(rec.runner);
      handle = await runner.start(prepared, { cancelGraceS: this.cfg.cancelGraceS });
    } catch (e) {
      this.starting.delete(runId);
      this.prepared.delete(runId);
      const err = toTlorcError(e);
      this.log.warn({ runId, code: err.code }, `run could not start: ${err.message}`);
      endRunWithoutProcess(this.store, rec, 'failed', err.toJSON(), this.feed);
      return;
    }
    this.prepared.delete(runId);
    const cancelReason = this.starting.get(runId) ?? null;
    this.starting.delete(runId);
    this.active.set(runId, handle);
    if (gpuIds.length) this.store.updateRun(runId, { gpus: gpuIds });
    this.log.info({ runId, gpus: gpuIds }, 'run started');
    const recording = recordRun(this.store, handle, { feed: this.feed });
    if (cancelReason !== null) void handle.cancel(cancelReason);
    try {
      const final = await recording.done;
      this.log.info({ runId, status: final.status }, 'run ended');
    } finally {
      this.active.delete(runId);
    }
  }

  /** Cancel a queued or running run; resolves with its record once it has ended (or after the grace period). */
  async cancel(runId: string, reason = 'cancelled by API request'): Promise<RunRecord> {
    const rec = this.store.getRun(runId);
    if (!rec) throw new TlorcError('TLORC_RUN_NOT_FOUND', `No run with id ${runId}.`);
    if (isFinalStatus(rec.status))
      throw new TlorcError('TLORC_RUN_NOT_CANCELLABLE', `Run ${runId} is already ${rec.status}.`, { details: { status: rec.status } });
    if (this.scheduler.remove(runId)) {
      this.prepared.delete(runId);
      this.log.info({ runId }, 'queued run cancelled');
      return endRunWithoutProcess(this.store, rec, 'cancelled', cancelledError(reason), this.feed);
    }
    const waitMs = (this.cfg.cancelGraceS + 5) * 1000;
    const handle = this.active.get(runId);
    if (handle) {
      await withTimeout(handle.cancel(reason), waitMs);
    } else if (this.starting.has(runId)) {
      if (this.starting.get(runId) === null) this.starting.set(runId, reason);
    } else {
      // stored as in flight but not known to this server: nothing runs it, so end it here
      return endRunWithoutProcess(this.store, rec, 'cancelled', cancelledError(reason), this.feed);
    }
    const fin = this.finished.get(runId);
    if (fin) await withTimeout(fin, waitMs);
    return this.store.getRun(runId)!;
  }

  /** Stop: take no new runs, start no queued ones (they stay queued for the next start), cancel running ones. */
  async close(reason = 'the server is shutting down'): Promise<void> {
    this.closing = true;
    this.scheduler.pause();
    for (const id of this.starting.keys()) if (this.starting.get(id) === null) this.starting.set(id, reason);
    await Promise.all([...this.active.values()].map((h) => h.cancel(reason)));
    await Promise.all([...this.finished.values()]);
  }
}
