/**
 * A run's events as a feed: history from the store first, then live events as they are
 * committed, in seq order, each exactly once, ending after the terminal event.
 *
 * In one process the recorder `publish`es each committed batch: followers are woken and
 * read recent events from a small in-memory window instead of the database. Followers in
 * another process (the CLI reading a store that a server writes) poll the store instead.
 * Either way an event reaches a follower only after it is committed, so a follower that
 * reconnects with the last seq it saw resumes exactly where it stopped.
 */
import { isTerminal } from '../events/protocol.js';
import type { RunStore, StoredEvent } from './types.js';
import { isFinalStatus } from './types.js';

interface LiveRun {
  /** Bumped on every publish/notify: a follower waits for a version newer than the one it read. */
  version: number;
  waiters: Set<() => void>;
  /** The most recent events, contiguous in seq. */
  window: StoredEvent[];
}

export interface FollowOptions {
  signal?: AbortSignal;
  /** Poll the store this often when no in-process publisher wakes us (cross-process following). */
  pollMs?: number;
  /** Page size for history reads. */
  pageSize?: number;
}

const WINDOW = 4096;

export class EventFeed {
  private readonly live = new Map<string, LiveRun>();

  constructor(private readonly store: RunStore) {}

  private entry(runId: string): LiveRun {
    let e = this.live.get(runId);
    if (!e) {
      e = { version: 0, waiters: new Set(), window: [] };
      this.live.set(runId, e);
    }
    return e;
  }

  /** Committed events of a run, in seq order: keep them in the window and wake followers. */
  publish(runId: string, events: readonly StoredEvent[]): void {
    const e = this.entry(runId);
    for (const ev of events) {
      const last = e.window[e.window.length - 1];
      if (last && ev.seq !== last.seq + 1) e.window = []; // never keep a window with a gap
      if (!last || ev.seq > last.seq) e.window.push(ev);
    }
    if (e.window.length > WINDOW) e.window.splice(0, e.window.length - WINDOW);
    this.notify(runId);
  }

  /** Wake followers of a run (its status changed). */
  notify(runId: string): void {
    const e = this.live.get(runId);
    if (!e) return;
    e.version++;
    for (const w of [...e.waiters]) w();
  }

  /** The run is over: free its window once nobody follows it. */
  retire(runId: string): void {
    const e = this.live.get(runId);
    if (!e) return;
    this.notify(runId);
    if (e.waiters.size === 0) this.live.delete(runId);
    else e.window = [];
  }

  /** Number of followers waiting on a run right now (for tests and metrics). */
  followers(runId: string): number {
    return this.live.get(runId)?.waiters.size ?? 0;
  }

  private readAfter(runId: string, after: number, pageSize: number): StoredEvent[] {
    const w = this.live.get(runId)?.window;
    if (w && w.length > 0 && w[0]!.seq <= after + 1 && w[w.length - 1]!.seq > after) {
      return w.slice(after + 1 - w[0]!.seq, after + 1 - w[0]!.seq + pageSize);
    }
    return this.store.eventsAfter(runId, after, pageSize);
  }

  private wait(runId: string, seenVersion: number, options: FollowOptions): Promise<void> {
    const e = this.entry(runId);
    if (e.version !== seenVersion || options.signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        e.waiters.delete(done);
        options.signal?.removeEventListener('abort', done);
        if (timer) clearTimeout(timer);
        resolve();
      };
      e.waiters.add(done);
      options.signal?.addEventListener('abort', done, { once: true });
      if (options.pollMs) timer = setTimeout(done, options.pollMs);
    });
  }

  /**
   * Events of a run with seq > afterSeq: history, then live, in batches (what was committed
   * together arrives together, so a writer can send it in one write). Ends after the terminal
   * event (or when the run is final and nothing more is stored, or on abort).
   */
  async *followBatches(runId: string, afterSeq = 0, options: FollowOptions = {}): AsyncGenerator<StoredEvent[]> {
    const pageSize = options.pageSize ?? 1000;
    let last = afterSeq;
    try {
      for (;;) {
        if (options.signal?.aborted) return;
        const version = this.entry(runId).version;
        const batch = this.readAfter(runId, last, pageSize);
        if (batch.length > 0) {
          if (batch[0]!.seq !== last + 1 && last !== afterSeq) {
            // a hole can only come from a store that lost events; never deliver out of order
            throw new Error(`event feed of ${runId}: expected seq ${last + 1}, got ${batch[0]!.seq}`);
          }
          const end = batch.findIndex((ev) => isTerminal(ev));
          const out = end >= 0 ? batch.slice(0, end + 1) : batch;
          last = out[out.length - 1]!.seq;
          yield out;
          if (end >= 0) return;
          continue;
        }
        const run = this.store.getRun(runId);
        if (!run) return;
        if (isFinalStatus(run.status) && run.lastSeq <= last) return;
        await this.wait(runId, version, options);
      }
    } finally {
      const e = this.live.get(runId);
      if (e && e.waiters.size === 0 && e.window.length === 0) {
        const run = this.store.getRun(runId);
        if (!run || isFinalStatus(run.status)) this.live.delete(runId);
      }
    }
  }

  /** The same as followBatches, one event at a time. */
  async *follow(runId: string, afterSeq = 0, options: FollowOptions = {}): AsyncGenerator<StoredEvent> {
    for await (const batch of this.followBatches(runId, afterSeq, options)) yield* batch;
  }
}
