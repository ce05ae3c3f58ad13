/**
 * The run store contract: what the server, the CLI and the recorder need from durable
 * storage. The embedded SQLite store implements it; a server database (Postgres, ...)
 * can replace it later without touching its callers. Artifacts never live here: they
 * stay in each run's directory (`runDir`).
 */
import type { TlorcEvent } from '../events/protocol.js';
import type { ErrorBody } from '../errors/index.js';
import type { FinalMetrics, RunnerKind, RunStatus } from '../runners/types.js';

export interface RunRecord {
  id: string;
  name: string;
  status: RunStatus;
  runner: RunnerKind;
  /** The spec as submitted (after overrides, defaults applied): what `spec.yaml` in the run dir holds. */
  spec: Record<string, unknown>;
  runDir: string;
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  final?: FinalMetrics;
  error?: ErrorBody;
  /** Process id of a local run's training process (its process group leader). */
  pid?: number;
  containerId?: string;
  /** GPU ids the scheduler assigned (when the spec asked for GPUs). */
  gpus?: string[];
  /** Number of GPUs the run waits for (0 for CPU-only runs). */
  gpuRequest: number;
  /** Sequence number of the last stored event (0: none yet). */
  lastSeq: number;
  /** Opaque data the owner needs to start a queued run again after a restart. */
  launch?: Record<string, unknown>;
  /** The process that runs (or queues) it: a server, or a `tlorc run` on this machine. */
  owner?: RunOwner;
}

export interface RunOwner {
  pid: number;
  host: string;
  kind: 'server' | 'cli';
  /** A server's base URL, to forward requests to it. */
  url?: string;
}

export type NewRun = Omit<RunRecord, 'lastSeq' | 'status'> & { status?: RunStatus };

export type RunPatch = Partial<Pick<RunRecord, 'status' | 'startedAt' | 'endedAt' | 'final' | 'error' | 'pid' | 'containerId' | 'gpus' | 'launch' | 'owner'>>;

export interface ListQuery {
  /** Only runs with one of these statuses. */
  status?: readonly RunStatus[];
  /** Page size (default 50, at most 500). */
  limit?: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string;
}

export interface RunPage {
  runs: RunRecord[];
  /** Present when there are more runs: pass it as `cursor` to get the next page. */
  nextCursor?: string;
  /** Number of runs matching the filter (all pages). */
  total: number;
}

/** An event as stored: its sequence number, type and the exact JSON line. */
export interface StoredEvent {
  seq: number;
  type: string;
  json: string;
}

export interface RunStore {
  /** Where the store lives, for messages (a file path, a URL). */
  readonly location: string;
  createRun(run: NewRun): RunRecord;
  getRun(id: string): RunRecord | undefined;
  /** Throws TLORC_RUN_NOT_FOUND when the run does not exist. */
  updateRun(id: string, patch: RunPatch): RunRecord;
  listRuns(query?: ListQuery): RunPage;
  /** Runs in one of these statuses, oldest first (for recovery and the queue). */
  runsWithStatus(status: readonly RunStatus[]): RunRecord[];
  /**
   * Append events of one run in one transaction. Events whose seq is already stored are
   * ignored (so replaying a run's events file is idempotent). Returns how many were new.
   */
  appendEvents(runId: string, events: readonly StoredEvent[]): number;
  /** Events with seq > afterSeq, in order, at most `limit` (default 1000). */
  eventsAfter(runId: string, afterSeq: number, limit?: number): StoredEvent[];
  /** A key/value slot for the store's owner (e.g. which server process uses it). */
  getMeta(key: string): string | undefined;
  setMeta(key: string, value: string | undefined): void;
  /**
   * Read and replace a meta value atomically, against other processes on the same store too
   * (a check-then-set that two servers cannot interleave). `update` may throw to leave it unchanged.
   */
  updateMeta(key: string, update: (current: string | undefined) => string | undefined): void;
  close(): void;
}

/** The stored form of an event (serialized once, sent as is over SSE). */
export const toStored = (e: TlorcEvent): StoredEvent => ({ seq: e.seq, type: e.type, json: JSON.stringify(e) });

export const FINAL_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'cancelled'];
export const ACTIVE_STATUSES: readonly RunStatus[] = ['queued', 'running'];
export const isFinalStatus = (s: RunStatus): boolean => FINAL_STATUSES.includes(s);
