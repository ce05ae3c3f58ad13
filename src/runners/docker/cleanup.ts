/**
 * No container is ever left behind. Every container tlorc makes carries labels (tlorc.managed,
 * tlorc.run-id, and the owner's pid and host name), and three mechanisms use them:
 *  1. at runner start, leftovers are removed: managed containers whose owning tlorc process is gone
 *     (same host, pid no longer alive) — a tlorc killed with SIGKILL, a crashed host process;
 *  2. on SIGINT/SIGTERM of the tlorc process, its live runs are cancelled (graceful stop, then
 *     kill, then remove); a second signal removes them at once. If nothing else listens for the
 *     signal, the process then exits as the signal would have made it;
 *  3. on process exit with containers still registered (process.exit, an uncaught error), a small
 *     detached helper process force-removes them (an exit handler cannot wait for the engine).
 * Containers of other live tlorc processes (a server and a CLI side by side) are never touched.
 */
import Docker from 'dockerode';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import { MANAGED_LABEL, OWNER_HOST_LABEL, OWNER_PID_LABEL, RUN_DIR_LABEL, RUN_ID_LABEL } from './config.js';
import { handBack } from './ownership.js';
import { isAlive } from '../../store/owner.js';

export interface LiveContainer {
  id: string;
  runId: string;
  /** graceful stop, kill after the grace period, remove */
  cancel(reason: string): Promise<void>;
  /** settles when the run is final (recorded, folder handed back) */
  result?: Promise<unknown>;
}

/** How long a signalled tlorc waits for its runs to be recorded before it exits regardless. */
const FINAL_WAIT_MS = 30_000;

/** Containers this process started and has not removed yet. */
const live = new Map<string, LiveContainer>();
let engineOptions: Docker.DockerOptions | undefined;

export function registerLive(c: LiveContainer, options?: Docker.DockerOptions): void {
  live.set(c.id, c);
  engineOptions ??= options;
  installProcessHooks();
}

export function unregisterLive(id: string): void {
  live.delete(id);
}

export const liveContainerIds = (): string[] => [...live.keys()];


export interface CleanupOptions {
  /** Remove every tlorc-managed container, whoever owns it (default: only leftovers). */
  all?: boolean;
  /** Only containers of this run. */
  runId?: string;
}

export interface CleanupReport {
  removed: { id: string; runId: string; state: string }[];
  /** managed containers kept because their owner is alive (or on another host) */
  kept: { id: string; runId: string; reason: string }[];
}

/** Remove leftover tlorc containers (see the header). Never throws for a container that vanished meanwhile. */
export async function cleanupContainers(docker: Docker, options: CleanupOptions = {}): Promise<CleanupReport> {
  const label = [`${MANAGED_LABEL}=true`, ...(options.runId ? [`${RUN_ID_LABEL}=${options.runId}`] : [])];
  const list = await docker.listContainers({ all: true, filters: { label } });
  const report: CleanupReport = { removed: [], kept: [] };
  const host = os.hostname();
  for (const c of list) {
    const runId = c.Labels?.[RUN_ID_LABEL] ?? '';
    if (live.has(c.Id)) {
      report.kept.push({ id: c.Id, runId, reason: 'a live run of this process' });
      continue;
    }
    const ownerHost = c.Labels?.[OWNER_HOST_LABEL];
    const ownerPid = Number(c.Labels?.[OWNER_PID_LABEL]);
    if (!options.all) {
      if (ownerHost !== undefined && ownerHost !== host) {
        report.kept.push({ id: c.Id, runId, reason: `owned by a tlorc process on host ${ownerHost}` });
        continue;
      }
      if (ownerPid !== process.pid && isAlive(ownerPid)) { // a zombie owner is dead
        report.kept.push({ id: c.Id, runId, reason: `owned by live tlorc process ${ownerPid}` });
        continue;
      }
    }
    try {
      await docker.getContainer(c.Id).remove({ force: true });
      handBack(c.Labels?.[RUN_DIR_LABEL]);
      report.removed.push({ id: c.Id, runId, state: c.State });
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode !== 404) throw e;
    }
  }
  return report;
}

// ------------------------------------------------------------------ process hooks
let hooksInstalled = false;
let signalled = 0;

function installProcessHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  // SIGHUP too: a closed terminal or a dropped SSH session must not leave a container training
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => void onSignal(sig));
  process.on('exit', reapOnExit);
}

async function onSignal(sig: 'SIGINT' | 'SIGTERM' | 'SIGHUP'): Promise<void> {
  signalled += 1;
  const others = process.listeners(sig).length > 1;
  if (signalled === 1) {
    // a run cancelled before its container started ends in start(): wait until each is final
    const waitFinal = (c: LiveContainer) => Promise.race([c.result ?? Promise.resolve(), new Promise((r) => setTimeout(r, FINAL_WAIT_MS).unref())]);
    await Promise.allSettled([...live.values()].map((c) => c.cancel(`tlorc received ${sig}`).then(() => waitFinal(c))));
  } else {
    // second signal: no more grace
    const docker = new Docker(engineOptions);
    await Promise.allSettled([...live.keys()].map((id) => docker.getContainer(id).remove({ force: true })));
    live.clear();
  }
  if (!others) process.exit(sig === 'SIGINT' ? 130 : sig === 'SIGHUP' ? 129 : 143);
}

function reapOnExit(): void {
  if (live.size === 0) return;
  try {
    const dockerode = createRequire(import.meta.url).resolve('dockerode');
    const code = `const D=require(${JSON.stringify(dockerode)});const d=new D(${JSON.stringify(engineOptions ?? {})});` +
      `Promise.all(process.argv.slice(1).map(id=>d.getContainer(id).remove({force:true}).catch(()=>{})));`;
    spawn(process.execPath, ['-e', code, ...live.keys()], { detached: true, stdio: 'ignore' }).unref();
  } catch {
    /* nothing more can be done at exit; the next runner start removes them as leftovers */
  }
}
