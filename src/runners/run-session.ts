/**
 * What every runner shares once a process (or container) is running: output lines
 * in, stamped events out (file first, then subscribers), a raw log, a stderr tail
 * for failure reports, and one place that decides how a run ended.
 * Runners only feed lines and report the exit; they never write run state themselves.
 */
import { appendFileSync, openSync, closeSync } from 'node:fs';
import path from 'node:path';
import { EventSequencer, EventChannel, parseLine, type TlorcEvent, type EventOf, type RawEvent } from '../events/index.js';
import { ERRORS, type ErrorCode } from '../errors/index.js';
import { RUN_FILES, updateRunState, writeJsonAtomic } from './run-dir.js';
import type { PreparedRun, RunHandle, RunResult, RunnerKind, FinalStatus } from './types.js';

export interface ExitInfo {
  exitCode: number | null;
  signal: string | null;
  oomKilled?: boolean;
  /** A failure of the runner itself (spawn failed, engine lost), not of the script. */
  runnerError?: string;
}

const TAIL_LINES = 40;

export class RunSession {
  readonly channel = new EventChannel();
  private readonly sequencer: EventSequencer;
  private readonly logFd: number;
  private readonly stderrTail: string[] = [];
  private readonly startedAt = Date.now();
  private cancelReason: string | null = null;
  private resolveResult!: (r: RunResult) => void;
  readonly result: Promise<RunResult>;
  private finished = false;
  /** The terminal event the script reported (completed/failed). Held back until the exit is known, so it is always last. */
  private reported: Extract<RawEvent, { type: 'completed' | 'failed' }> | null = null;

  constructor(readonly run: PreparedRun, readonly runner: RunnerKind) {
    this.result = new Promise((r) => (this.resolveResult = r));
    this.logFd = openSync(path.join(run.runDir, RUN_FILES.log), 'a');
    this.sequencer = new EventSequencer(run.runId, path.join(run.runDir, RUN_FILES.events), (e) => this.channel.push(e));
  }

  /** Mark the run as running (called once the process/container exists). */
  started(extra: { pid?: number; containerId?: string } = {}): void {
    updateRunState(this.run.runDir, { status: 'running', startedAt: new Date().toISOString(), ...extra });
  }

  /** One line of output from the training process. */
  line(line: string, stream: 'stdout' | 'stderr'): void {
    if (this.finished) return;
    appendFileSync(this.logFd, `${stream === 'stderr' ? '[stderr] ' : ''}${line}\n`);
    if (stream === 'stderr') {
      this.stderrTail.push(line);
      if (this.stderrTail.length > TAIL_LINES) this.stderrTail.shift();
    }
    const raw = parseLine(line, stream);
    if (!raw) return;
    if (raw.type === 'completed' || raw.type === 'failed') {
      // stdout and stderr are separate pipes: lines written before this one may still arrive.
      // The exit decides the status; the reported event is written last, in finish().
      this.reported ??= raw;
      return;
    }
    this.sequencer.push(raw);
  }

  /**
   * A failure the runner knows and the script could not print (e.g. the engine refused a GPU
   * request at start). Like a failure the script reports: written last, with the exit details.
   */
  report(failure: { reason: string; code: string; path?: (string | number)[] }): void {
    this.reported ??= { type: 'failed', ...failure };
  }

  /** An event the runner itself produces (warnings, runner logs). */
  emit(raw: RawEvent): void {
    if (!this.finished) this.sequencer.push(raw);
  }

  /** Remember that a cancel was requested, so the exit that follows reads as cancelled, not failed. */
  markCancelling(reason: string): void {
    this.cancelReason ??= reason;
  }

  get cancelling(): boolean {
    return this.cancelReason !== null;
  }

  get stderrText(): string {
    return this.stderrTail.join('\n');
  }

  /** Decide how the run ended, write the terminal event, summary and state. Idempotent. */
  finish(exit: ExitInfo): RunResult {
    if (this.finished) throw new Error('RunSession.finish called twice');
    const completed = this.reported?.type === 'completed' ? (this.reported as EventOf<'completed'>) : undefined;
    const reported = this.reported?.type === 'failed' ? (this.reported as EventOf<'failed'>) : undefined;
    const durationS = (Date.now() - this.startedAt) / 1000;
    let status: FinalStatus;
    let error: RunResult['error'];

    if (this.cancelReason !== null && !completed) {
      status = 'cancelled';
      this.sequencer.push({ type: 'cancelled', reason: this.cancelReason });
      error = { code: 'TLORC_RUN_CANCELLED', message: `Run cancelled: ${this.cancelReason}`, hint: ERRORS.TLORC_RUN_CANCELLED.hint };
    } else if (exit.exitCode === 0 && completed && !exit.runnerError) {
      status = 'completed';
      this.sequencer.push(this.reported!);
    } else {
      status = 'failed';
      const code = (reported?.code as ErrorCode | undefined) ?? 'TLORC_RUN_FAILED';
      const reason = reported?.reason ?? describeExit(exit, !!completed);
      const details = {
        exit_code: exit.exitCode,
        signal: exit.signal,
        ...(exit.oomKilled ? { oom_killed: true } : {}),
        stderr_tail: this.stderrText.slice(-4000),
      };
      // the script's own report (precise code, field path) plus what only the runner knows
      this.sequencer.push({ ...(reported ?? {}), type: 'failed', reason, code, ...details });
      error = {
        code,
        message: reason,
        // the code's own hint (a weights mismatch says which file to use); unknown codes get the generic one
        hint: (ERRORS as Record<string, { hint: string } | undefined>)[code]?.hint ?? ERRORS.TLORC_RUN_FAILED.hint,
        ...(reported?.path ? { path: reported.path } : {}),
        details,
      };
    }
    this.finished = true;
    this.sequencer.close();
    closeSync(this.logFd);
    this.channel.end();

    const result: RunResult = {
      runId: this.run.runId,
      status,
      runDir: this.run.runDir,
      durationS,
      ...(completed ? { final: completed.final, epochsRun: completed.epochs_run } : {}),
      ...(completed?.model_path ? { modelPath: completed.model_path } : {}),
      ...(error ? { error } : {}),
    };
    const summary = { ...result, spec: this.run.spec.name, framework: this.run.spec.framework, backbone: this.run.spec.backbone.name, runner: this.runner, dryRun: this.run.dryRun, events: this.sequencer.lastSeq };
    // summary.json is written only here, at the very end: its presence means the run is over.
    writeJsonAtomic(path.join(this.run.runDir, RUN_FILES.summary), summary);
    updateRunState(this.run.runDir, {
      status,
      endedAt: new Date().toISOString(),
      ...(result.final ? { final: result.final } : {}),
      ...(error ? { error } : {}),
    });
    this.resolveResult(result);
    return result;
  }

  /** A RunHandle over this session; the runner supplies how to cancel (gracefully, or forced). */
  handle(cancel: (reason: string, force: boolean) => Promise<void>): RunHandle {
    const session = this;
    let cancelling: Promise<void> | null = null;
    let forcing: Promise<void> | null = null;
    return {
      runId: this.run.runId,
      runDir: this.run.runDir,
      runner: this.runner,
      result: this.result,
      events: () => session.channel,
      [Symbol.asyncIterator]: () => session.channel[Symbol.asyncIterator](),
      cancel(reason = 'cancelled by user', options = {}) {
        if (session.finished) return Promise.resolve();
        session.markCancelling(reason);
        // a forced cancel does not wait behind a graceful one already under way
        if (options.force) forcing ??= cancel(reason, true).then(() => session.result.then(() => undefined));
        else cancelling ??= cancel(reason, false).then(() => session.result.then(() => undefined));
        return (forcing ?? cancelling)!;
      },
    };
  }
}

export function describeExit(exit: ExitInfo, reportedCompletion: boolean): string {
  if (exit.runnerError) return exit.runnerError;
  if (exit.oomKilled) return 'The training process was killed because it ran out of memory (OOM).';
  if (exit.signal) return `The training process was killed by ${exit.signal}.`;
  if (exit.exitCode === 0 && !reportedCompletion) return 'The training process exited without reporting completion.';
  return `The training process exited with code ${exit.exitCode}.`;
}

export type { TlorcEvent };
