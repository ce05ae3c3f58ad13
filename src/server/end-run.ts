/**
 * Ending a run that has no live process to end it (a queued run cancelled, a start that
 * failed, a run found in flight after a restart): the terminal event goes to the run's
 * events file and the store with the next seq, then run.json, summary.json and the store
 * say how it ended, exactly as a run that ended by itself would leave them.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ErrorBody } from '../errors/index.js';
import { EventSequencer, readEventsFile, type RawEvent, type TlorcEvent } from '../events/index.js';
import { RUN_FILES, readRunState, updateRunState, writeJsonAtomic } from '../runners/run-dir.js';
import type { FinalStatus } from '../runners/types.js';
import type { EventFeed } from '../store/feed.js';
import { toStored, type RunRecord, type RunStore } from '../store/types.js';

/** Copy events that reached the run's events file but not the store (a crash between the two). */
export function syncEventsFromFile(store: RunStore, rec: RunRecord, feed?: EventFeed): TlorcEvent[] {
  const events = readEventsFile(path.join(rec.runDir, RUN_FILES.events));
  const missing = events.filter((e) => e.seq > rec.lastSeq);
  if (missing.length) {
    const stored = missing.map(toStored);
    store.appendEvents(rec.id, stored);
    feed?.publish(rec.id, stored);
  }
  return events;
}

export function endRunWithoutProcess(
  store: RunStore,
  rec: RunRecord,
  status: Extract<FinalStatus, 'failed' | 'cancelled'>,
  error: ErrorBody,
  feed?: EventFeed,
  extra: Record<string, unknown> = {},
): RunRecord {
  const events = existsSync(rec.runDir) ? syncEventsFromFile(store, rec, feed) : [];
  const fresh = store.getRun(rec.id) ?? rec;
  const lastSeq = Math.max(fresh.lastSeq, events.at(-1)?.seq ?? 0);
  const raw: RawEvent =
    status === 'cancelled'
      ? { type: 'cancelled', reason: error.message }
      : { type: 'failed', reason: error.message, code: error.code, ...(error.details?.exit_code !== undefined ? { exit_code: error.details.exit_code as number | null } : {}) };
  const file = existsSync(rec.runDir) ? path.join(rec.runDir, RUN_FILES.events) : null;
  let event: TlorcEvent | null = null;
  const seq = new EventSequencer(rec.id, file, (e) => (event = e), lastSeq);
  seq.push(raw);
  seq.close();
  if (event) {
    const stored = [toStored(event)];
    store.appendEvents(rec.id, stored);
    feed?.publish(rec.id, stored);
  }
  const endedAt = new Date().toISOString();
  if (existsSync(rec.runDir)) {
    const state = readRunState(rec.runDir);
    const startedAt = state?.startedAt ?? rec.startedAt;
    writeJsonAtomic(path.join(rec.runDir, RUN_FILES.summary), {
      runId: rec.id,
      status,
      runDir: rec.runDir,
      durationS: startedAt ? (Date.parse(endedAt) - Date.parse(startedAt)) / 1000 : 0,
      error,
      spec: rec.name,
      runner: rec.runner,
      events: lastSeq + 1,
      ...extra,
    });
    updateRunState(rec.runDir, { status, endedAt, error });
  }
  const out = store.updateRun(rec.id, { status, endedAt, error });
  feed?.retire(rec.id);
  return out;
}
