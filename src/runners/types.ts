/**
 * The runner contract. The local runner, the Docker runner and (later) a cluster
 * runner implement it; the SDK, CLI and server only ever talk to this interface.
 */
import type { TlorcEvent } from '../events/protocol.js';
import type { ErrorBody } from '../errors/index.js';
import type { NormalizedSpec } from '../spec/normalized.js';

export type RunnerKind = 'local' | 'docker';
export type RunStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
export type FinalStatus = Extract<RunStatus, 'completed' | 'failed' | 'cancelled'>;

export interface FinalMetrics {
  train: Record<string, number | null>;
  val: Record<string, number | null>;
}

export interface RunResult {
  runId: string;
  status: FinalStatus;
  runDir: string;
  final?: FinalMetrics;
  epochsRun?: number;
  modelPath?: string;
  /** Set when status is failed or cancelled. */
  error?: ErrorBody;
  durationS: number;
}

/** Everything a runner needs, made by prepareRun(): the run directory exists and holds the script. */
export interface PreparedRun {
  runId: string;
  runDir: string;
  spec: NormalizedSpec;
  /** Absolute path of the generated entry script inside runDir. */
  scriptPath: string;
  /** Extra environment for the training process (TLORC_RUN_ID, TLORC_RUN_DIR, KERAS_BACKEND, ...). */
  env: Record<string, string>;
  /** Host paths the script reads (data, weights), for runners that must mount them. */
  inputPaths: string[];
  /** Dry run: build the model and run one batch forward and backward only. */
  dryRun: boolean;
}

export interface StartOptions {
  /** Seconds between a graceful stop (SIGTERM / docker stop) and a forced kill. Default 10. */
  cancelGraceS?: number;
}

export interface CancelOptions {
  /** Kill now (SIGKILL / docker kill) instead of a graceful stop first. */
  force?: boolean;
}

/** A started run. Iterating it (or .events()) yields every event from the first, then live ones. */
export interface RunHandle extends AsyncIterable<TlorcEvent> {
  readonly runId: string;
  readonly runDir: string;
  readonly runner: RunnerKind;
  events(): AsyncIterable<TlorcEvent>;
  /** Resolves when the run has ended and its directory is final. Never rejects. */
  readonly result: Promise<RunResult>;
  /**
   * Graceful stop, then forced; resolves when the process/container is gone and the run is final
   * (status cancelled). Idempotent. `force` skips the grace period (a second Ctrl-C): the process
   * or container is killed at once, and the run is still recorded as cancelled.
   */
  cancel(reason?: string, options?: CancelOptions): Promise<void>;
}

export interface Runner {
  readonly kind: RunnerKind;
  /**
   * Checks that can fail before anything starts (Python env ready, engine reachable, image present,
   * GPUs available). Called BEFORE the run directory is created, so a failure leaves nothing behind.
   * Throws TlorcError.
   */
  preflight(spec: NormalizedSpec): Promise<void>;
  start(run: PreparedRun, options?: StartOptions): Promise<RunHandle>;
}
