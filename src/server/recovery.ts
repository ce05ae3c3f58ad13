/**
 * On start, no run the store says is in flight is silently lost:
 *  - events that reached a run's events file but not the store are copied in first;
 *  - a run whose events file ends with a terminal event did end: its status is recorded;
 *  - a queued run is queued again, in its original order;
 *  - a local run that was running: its output went through the old server's pipes and
 *    cannot be re-attached. If its process (verified by its command line) still lives,
 *    its process group is stopped; either way the run is marked failed with
 *    TLORC_RUN_INTERRUPTED and a reason that says which of the two happened;
 *  - runs owned by another live process (a `tlorc run` recording into the same store) are left alone;
 *  - a Docker run that was running: the Docker runner labels containers with their owning
 *    process and removes those whose owner is gone; re-attaching is not offered, so the
 *    container is removed now (when the engine answers) and the run marked failed the
 *    same way, saying whether the container was removed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { FastifyBaseLogger } from 'fastify';
import { ERRORS } from '../errors/catalog.js';
import type { ErrorBody } from '../errors/index.js';
import { isTerminal, type EventOf, type TlorcEvent } from '../events/index.js';
import { readRunState, updateRunState } from '../runners/run-dir.js';
import type { FinalStatus } from '../runners/types.js';
import type { EventFeed } from '../store/feed.js';
import type { RunRecord, RunStore } from '../store/types.js';
import { endRunWithoutProcess, syncEventsFromFile } from './end-run.js';
import { isAlive as alive, ownedElsewhere } from '../store/owner.js';
import type { RunManager } from './run-manager.js';

export interface RecoveryReport {
  requeued: string[];
  ended: string[];
  interrupted: { runId: string; reason: string }[];
}

/** Is pid still the run's training process (and not a recycled pid)? Needs /proc; false when unsure. */
export function isRunProcess(pid: number, rec: RunRecord): boolean {
  if (!alive(pid)) return false;
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const script = (rec.launch as { scriptPath?: string } | undefined)?.scriptPath;
    return cmd.some((a) => (script !== undefined && a === script) || a.startsWith(rec.runDir));
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function stopGroup(pid: number, graceMs: number): Promise<void> {
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-pid, s);
    } catch {
      try {
        process.kill(pid, s);
      } catch {
        /* gone */
      }
    }
  };
  signal('SIGTERM');
  for (let waited = 0; waited < graceMs && alive(pid); waited += 100) await sleep(100);
  if (alive(pid)) signal('SIGKILL');
}

/**
 * Processes left in a dead leader's group (data-loader workers, a subprocess of the script): a
 * group id is not reused while any member lives, so members whose own pid differs from it are
 * the run's. (Signalling -pid blindly could hit a new, unrelated group leader with that pid.)
 */
export function strayMembers(pgid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const e of entries) {
    const pid = Number(e);
    if (pid === pgid) continue;
    try {
      // fields after "(comm)": state ppid pgrp ...
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(rest[2]) === pgid && rest[0] !== 'Z') out.push(pid);
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

function killStrays(pgid: number): number {
  const strays = strayMembers(pgid);
  for (const pid of strays) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  return strays.length;
}

const interrupted = (reason: string, details: Record<string, unknown>): ErrorBody => ({
  code: 'TLORC_RUN_INTERRUPTED',
  message: reason,
  hint: ERRORS.TLORC_RUN_INTERRUPTED.hint,
  details,
});

async function removeContainer(rec: RunRecord): Promise<string> {
  try {
    const docker = await import('../runners/docker/index.js');
    const engine = docker.connect();
    const report = await docker.cleanupContainers(engine, { runId: rec.id });
    if (report.removed.length) return `its container ${report.removed[0]!.id.slice(0, 12)} was removed`;
    if (report.kept.length) return `its container was kept: ${report.kept[0]!.reason}`;
    return 'its container no longer exists';
  } catch (e) {
    return `the Docker engine could not be asked to remove its container (${(e as Error).message}); the Docker runner removes it as a leftover when it next starts`;
  }
}

/** The run ended (its events file says so) but the store was not told. */
function recordEnded(store: RunStore, rec: RunRecord, terminal: TlorcEvent, events: TlorcEvent[]): void {
  const state = readRunState(rec.runDir);
  const status = terminal.type as FinalStatus;
  const completed = events.find((e): e is EventOf<'completed'> => e.type === 'completed');
  const failed = terminal.type === 'failed' ? (terminal as EventOf<'failed'>) : undefined;
  const error: ErrorBody | undefined =
    state?.error ??
    (failed
      ? { code: failed.code as ErrorBody['code'], message: failed.reason, hint: ERRORS.TLORC_RUN_FAILED.hint }
      : terminal.type === 'cancelled'
        ? { code: 'TLORC_RUN_CANCELLED', message: `Run cancelled: ${(terminal as EventOf<'cancelled'>).reason}`, hint: ERRORS.TLORC_RUN_CANCELLED.hint }
        : undefined);
  const endedAt = state?.endedAt ?? terminal.ts;
  store.updateRun(rec.id, { status, endedAt, ...(completed ? { final: completed.final } : {}), ...(error && status !== 'completed' ? { error } : {}) });
  if (state && state.status !== status) updateRunState(rec.runDir, { status, endedAt, ...(error && status !== 'completed' ? { error } : {}) });
}

export async function recoverRuns(store: RunStore, feed: EventFeed, manager: RunManager, log: FastifyBaseLogger, graceMs = 5000): Promise<RecoveryReport> {
  const report: RecoveryReport = { requeued: [], ended: [], interrupted: [] };
  for (const rec of store.runsWithStatus(['queued', 'running'])) {
    // a run that a live `tlorc run` (or a server elsewhere) owns is theirs to finish
    if (ownedElsewhere(rec.owner)) continue;
    const events = syncEventsFromFile(store, rec);
    const terminal = events.find(isTerminal);
    if (terminal) {
      recordEnded(store, rec, terminal, events);
      report.ended.push(rec.id);
      continue;
    }
    const state = readRunState(rec.runDir);
    const started = rec.status === 'running' || state?.status === 'running' || state?.pid !== undefined || state?.containerId !== undefined;
    if (!started) {
      manager.resume(store.getRun(rec.id)!);
      report.requeued.push(rec.id);
      continue;
    }
    let reason: string;
    const details: Record<string, unknown> = { runner: rec.runner };
    if (rec.runner === 'docker') {
      const containerId = rec.containerId ?? state?.containerId;
      details.container_id = containerId ?? null;
      reason = `The server stopped while this Docker run was in flight; re-attaching is not supported, so the run is marked failed and ${await removeContainer(rec)}.`;
    } else {
      const pid = rec.pid ?? state?.pid;
      details.pid = pid ?? null;
      if (pid !== undefined && isRunProcess(pid, rec)) {
        await stopGroup(pid, graceMs);
        reason = `The server stopped while this run was in flight. Its training process (pid ${pid}) was still running, but its output cannot be re-attached after a restart, so it was stopped.`;
        details.stopped = true;
      } else {
        const strays = pid !== undefined ? killStrays(pid) : 0;
        reason = `The server stopped while this run was in flight, and its training process${pid !== undefined ? ` (pid ${pid})` : ''} is gone${strays ? ` (${strays} leftover process${strays > 1 ? 'es' : ''} of it stopped)` : ''}.`;
        if (strays) details.stopped_leftovers = strays;
      }
    }
    endRunWithoutProcess(store, store.getRun(rec.id)!, 'failed', interrupted(reason, details), feed);
    report.interrupted.push({ runId: rec.id, reason });
    log.warn({ runId: rec.id }, reason);
  }
  return report;
}
