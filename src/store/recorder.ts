/**
 * The event pipeline from a running run into the store: events are taken from the
 * run handle as they arrive, committed in batches (one transaction per batch: every
 * event that arrived in the same tick), then published to followers. When the run
 * ends, the final status, metrics and error are stored after the last event.
 * The server uses it for every run it starts; a CLI can use it to record local runs.
 */
import type { TlorcEvent } from '../events/protocol.js';
import type { RunHandle, RunResult } from '../runners/types.js';
import { readRunState } from '../runners/run-dir.js';
import type { EventFeed } from './feed.js';
import { toStored, type RunRecord, type RunStore } from './types.js';

export interface RecordOptions {
  feed?: EventFeed;
  /** Called after each committed batch (benchmarks, metrics). */
  onBatch?: (events: readonly TlorcEvent[]) => void;
}

export interface Recording {
  /** Resolves with the final record once the last event and the final status are stored. */
  done: Promise<RunRecord>;
}

export function recordRun(store: RunStore, handle: RunHandle, options: RecordOptions = {}): Recording {
  const runId = handle.runId;
  let pending: TlorcEvent[] = [];
  let scheduled = false;

  const flush = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    const stored = batch.map(toStored);
    store.appendEvents(runId, stored);
    options.feed?.publish(runId, stored);
    options.onBatch?.(batch);
  };

  const state = readRunState(handle.runDir);
  store.updateRun(runId, {
    status: 'running',
    startedAt: state?.startedAt ?? new Date().toISOString(),
    ...(state?.pid !== undefined ? { pid: state.pid } : {}),
    ...(state?.containerId ? { containerId: state.containerId } : {}),
  });
  options.feed?.notify(runId);

  const consume = async () => {
    for await (const e of handle.events()) {
      pending.push(e);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    }
    flush();
  };

  const done = (async () => {
    const [, result] = await Promise.all([consume(), handle.result]);
    flush();
    return finishRecord(store, result, options.feed);
  })();
  return { done };
}

/** Store how a run ended (the events are stored already). */
export function finishRecord(store: RunStore, result: RunResult, feed?: EventFeed): RunRecord {
  const state = readRunState(result.runDir);
  const rec = store.updateRun(result.runId, {
    status: result.status,
    endedAt: state?.endedAt ?? new Date().toISOString(),
    ...(result.final ? { final: result.final } : {}),
    ...(result.error ? { error: result.error } : {}),
  });
  feed?.retire(result.runId);
  return rec;
}
