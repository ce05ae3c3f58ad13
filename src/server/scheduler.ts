/**
 * The run queue: at most `concurrency` runs at once, and GPU slots handed out to runs
 * that ask for GPUs. Order is first come, first served, with one refinement: a run
 * waiting for GPUs holds back later GPU runs (so a run asking for many GPUs is never
 * starved by a stream of small ones) but not CPU-only runs behind it.
 * The scheduler knows nothing of processes: it calls `start` and waits for it to settle.
 */

export type GpuRequest = { count: number } | { ids: string[] };

export interface Job {
  runId: string;
  gpus: GpuRequest;
  /** Start the run on these GPU ids; resolves when the run is over (never rejects). */
  start(gpuIds: string[]): Promise<void>;
}

export interface SchedulerStats {
  queued: number;
  running: number;
  concurrency: number;
  gpuSlots: number;
  gpusFree: number;
}

export const gpuCount = (r: GpuRequest): number => ('ids' in r ? r.ids.length : r.count);

export class Scheduler {
  private readonly queue: Job[] = [];
  private readonly running = new Map<string, string[]>();
  private readonly freeGpus: Set<string>;
  private paused = false;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly gpuSlots: readonly string[],
  ) {
    this.freeGpus = new Set(gpuSlots);
  }

  /** Can this request ever be satisfied here? (else it would wait forever) */
  fits(r: GpuRequest): string | null {
    if ('ids' in r) {
      const unknown = r.ids.filter((id) => !this.gpuSlots.includes(id));
      return unknown.length ? `GPU id(s) ${unknown.join(', ')} are not among this server's GPU slots (${this.gpuSlots.join(', ') || 'none'}).` : null;
    }
    return r.count > this.gpuSlots.length ? `The run asks for ${r.count} GPU(s); this server has ${this.gpuSlots.length} GPU slot(s).` : null;
  }

  enqueue(job: Job): void {
    if (this.queue.some((j) => j.runId === job.runId) || this.running.has(job.runId)) return;
    this.queue.push(job);
    this.pump();
  }

  /** Take a queued run off the queue. False when it is not queued (already started, or unknown). */
  remove(runId: string): boolean {
    const i = this.queue.findIndex((j) => j.runId === runId);
    if (i < 0) return false;
    this.queue.splice(i, 1);
    this.pump();
    return true;
  }

  isQueued(runId: string): boolean {
    return this.queue.some((j) => j.runId === runId);
  }

  /** Position in the queue (0 = next), or -1. */
  position(runId: string): number {
    return this.queue.findIndex((j) => j.runId === runId);
  }

  stats(): SchedulerStats {
    return { queued: this.queue.length, running: this.running.size, concurrency: this.concurrency, gpuSlots: this.gpuSlots.length, gpusFree: this.freeGpus.size };
  }

  /** Stop starting queued runs (shutdown). Running ones are not touched. */
  pause(): void {
    this.paused = true;
  }

  /** Resolves when nothing runs (queued runs may remain when paused). */
  idle(): Promise<void> {
    if (this.running.size === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private allocate(r: GpuRequest): string[] | null {
    if ('ids' in r) return r.ids.every((id) => this.freeGpus.has(id)) ? [...r.ids] : null;
    if (r.count > this.freeGpus.size) return null;
    return this.gpuSlots.filter((id) => this.freeGpus.has(id)).slice(0, r.count); // lowest ids first
  }

  private pump(): void {
    if (this.paused) return;
    let gpuBlocked = false;
    for (let i = 0; i < this.queue.length && this.running.size < this.concurrency; ) {
      const job = this.queue[i]!;
      const wantsGpu = gpuCount(job.gpus) > 0;
      const ids = wantsGpu && gpuBlocked ? null : this.allocate(job.gpus);
      if (!ids) {
        if (wantsGpu) gpuBlocked = true;
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      for (const id of ids) this.freeGpus.delete(id);
      this.running.set(job.runId, ids);
      void this.run(job, ids);
    }
  }

  private async run(job: Job, ids: string[]): Promise<void> {
    try {
      await job.start(ids);
    } catch {
      /* start() reports its own failures; the slot is freed either way */
    } finally {
      this.running.delete(job.runId);
      for (const id of ids) this.freeGpus.add(id);
      if (this.running.size === 0) for (const w of this.idleWaiters.splice(0)) w();
      this.pump();
    }
  }
}
