/**
 * `tlorc runs list|show|logs|cancel`: against a server (--server / TLORC_SERVER), or the
 * local run store ($TLORC_HOME/tlorc.db) when no server is given. Locally, `logs --follow`
 * polls the store (a server in another process writes it) and `cancel` goes to the server
 * that owns the store when one is running.
 */
import type { Command } from 'commander';
import { TlorcClient, type RemoteRun } from '../../client/remote.js';
import { EXIT, TlorcError } from '../../errors/index.js';
import type { TlorcEvent } from '../../events/protocol.js';
import type { RunStatus } from '../../runners/types.js';
import { defaultStorePath, EventFeed, isAlive, openStore, ownedElsewhere, type RunRecord, type RunStore } from '../../store/index.js';
import os from 'node:os';
import { printError } from '../ui/errors.js';
import { fmt, table } from '../ui/format.js';
import { ProgressPrinter } from '../ui/progress.js';
import { jsonOption, wholeNumber } from './common.js';

interface Target {
  server?: string;
  token?: string;
  store?: string;
  json?: boolean;
}

const STATUSES: RunStatus[] = ['queued', 'running', 'completed', 'failed', 'cancelled'];

function parseStatus(s: string | undefined): RunStatus[] | undefined {
  if (!s) return undefined;
  const parts = s.split(',').map((p) => p.trim()).filter(Boolean);
  for (const p of parts)
    if (!STATUSES.includes(p as RunStatus)) throw new TlorcError('TLORC_API_BAD_REQUEST', `Unknown status "${p}".`, { hint: `Use one or more of ${STATUSES.join(', ')}, comma-separated.` });
  return parts as RunStatus[];
}

const serverOf = (t: Target): string | undefined => t.server ?? process.env.TLORC_SERVER;
const client = (t: Target) => new TlorcClient({ server: serverOf(t)!, ...(t.token ? { token: t.token } : {}) });

/** The local store; the server module is loaded lazily (only cancel needs it). */
function localStore(t: Target): RunStore {
  try {
    return openStore(t.store ?? defaultStorePath());
  } catch (e) {
    throw new TlorcError('TLORC_INTERNAL', `Cannot open the run store ${t.store ?? defaultStorePath()}: ${(e as Error).message}`, { cause: e });
  }
}

type RunLike = Pick<RemoteRun, 'id' | 'name' | 'status' | 'runner' | 'createdAt' | 'startedAt' | 'endedAt' | 'final' | 'error' | 'lastSeq' | 'gpus'> & { spec?: unknown; runDir?: string };

const view = (r: RunRecord): RunLike => ({ ...r, spec: r.spec, runDir: r.runDir });

function metricSummary(r: RunLike): string {
  const v = r.final?.val;
  if (!v) return r.error ? `${r.error.code}` : '';
  return Object.entries(v)
    .map(([k, x]) => `val_${k} ${fmt(x, 3)}`)
    .join(' ');
}

function printRuns(runs: RunLike[], total: number, next?: string): void {
  const rows = [['ID', 'STATUS', 'RUNNER', 'CREATED', 'RESULT']];
  for (const r of runs) rows.push([r.id, r.status, r.runner, r.createdAt.replace('T', ' ').slice(0, 19), metricSummary(r)]);
  process.stdout.write((runs.length ? table(rows) : 'no runs') + '\n');
  process.stderr.write(`${runs.length} of ${total} run(s)${next ? `; next page: --cursor ${next}` : ''}\n`);
}

function printRun(r: RunLike): void {
  const lines = [
    `run ${r.id} (${r.name})`,
    `  status:  ${r.status}`,
    `  runner:  ${r.runner}${r.gpus?.length ? `, GPUs ${r.gpus.join(',')}` : ''}`,
    `  created: ${r.createdAt}${r.startedAt ? `, started ${r.startedAt}` : ''}${r.endedAt ? `, ended ${r.endedAt}` : ''}`,
    `  events:  ${r.lastSeq}`,
  ];
  if (r.runDir) lines.push(`  dir:     ${r.runDir}`);
  if (r.final) for (const [split, m] of Object.entries(r.final) as [string, Record<string, number | null>][]) lines.push(`  ${split}: ${Object.entries(m).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}`);
  if (r.error) lines.push(`  error:   ${r.error.code}: ${r.error.message}`, `  hint:    ${r.error.hint}`);
  process.stdout.write(lines.join('\n') + '\n');
}

/** Events as NDJSON (--json) or readable lines. */
function eventPrinter(json: boolean): (e: TlorcEvent) => void {
  if (json) return (e) => process.stdout.write(JSON.stringify(e) + '\n');
  const p = new ProgressPrinter(process.stdout, false);
  return (e) => {
    if (e.type === 'log') process.stdout.write(`  ${e.stream === 'stderr' ? '[stderr] ' : ''}${e.message}\n`);
    else if (e.type === 'completed' || e.type === 'failed' || e.type === 'cancelled')
      process.stdout.write(`${e.type}${e.type === 'completed' ? `: ${Object.entries(e.final.val).map(([k, v]) => `val ${k} ${fmt(v)}`).join(', ')}` : `: ${'reason' in e ? e.reason : ''}`}\n`);
    else p.event(e);
  };
}

async function list(t: Target & { status?: string; limit?: string; cursor?: string }): Promise<number> {
  const status = parseStatus(t.status);
  const limit = t.limit ? Number(t.limit) : undefined;
  if (serverOf(t)) {
    const page = await client(t).listRuns({ ...(status ? { status } : {}), ...(limit ? { limit } : {}), ...(t.cursor ? { cursor: t.cursor } : {}) });
    if (t.json) process.stdout.write(JSON.stringify(page, null, 2) + '\n');
    else printRuns(page.runs, page.total, page.nextCursor);
    return EXIT.ok;
  }
  const store = localStore(t);
  try {
    const page = store.listRuns({ ...(status ? { status } : {}), ...(limit ? { limit } : {}), ...(t.cursor ? { cursor: t.cursor } : {}) });
    const runs = page.runs.map(view).map(({ spec: _s, ...r }) => r);
    if (t.json) process.stdout.write(JSON.stringify({ runs, total: page.total, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) }, null, 2) + '\n');
    else printRuns(runs, page.total, page.nextCursor);
  } finally {
    store.close();
  }
  return EXIT.ok;
}

function getLocal(store: RunStore, id: string): RunRecord {
  const r = store.getRun(id);
  if (!r) throw new TlorcError('TLORC_RUN_NOT_FOUND', `No run with id ${id} in ${store.location}.`);
  return r;
}

async function show(id: string, t: Target): Promise<number> {
  const run: RunLike = serverOf(t) ? await client(t).getRun(id) : (() => {
    const store = localStore(t);
    try {
      return view(getLocal(store, id));
    } finally {
      store.close();
    }
  })();
  if (t.json) process.stdout.write(JSON.stringify(run, null, 2) + '\n');
  else printRun(run);
  return EXIT.ok;
}

const FINAL: readonly RunStatus[] = ['completed', 'failed', 'cancelled'];

/** The run's owner is a process on this host that no longer exists. */
const ownerGone = (rec: RunRecord): boolean => !!rec.owner && rec.owner.host === os.hostname() && !isAlive(rec.owner.pid);

async function logs(id: string, t: Target & { follow?: boolean; after?: string }): Promise<number> {
  const print = eventPrinter(!!t.json);
  const after = t.after ? Number(t.after) : 0;
  const ac = new AbortController();
  const onSig = () => ac.abort();
  process.once('SIGINT', onSig);
  try {
    if (serverOf(t)) {
      const c = client(t);
      if (t.follow) {
        for await (const e of c.followEvents(id, { after, signal: ac.signal })) print(e);
      } else {
        // history only: follow until the stored events are exhausted
        const run = await c.getRun(id);
        if (run.lastSeq > after)
          for await (const e of c.followEvents(id, { after, signal: ac.signal })) {
            print(e);
            if (e.seq >= run.lastSeq) break;
          }
      }
      return EXIT.ok;
    }
    const store = localStore(t);
    try {
      getLocal(store, id);
      if (t.follow) {
        const feed = new EventFeed(store);
        // nothing more will come for a run whose owning process (a server, a `tlorc run`) died
        let orphaned: RunRecord | undefined;
        const watch = setInterval(() => {
          const rec = store.getRun(id);
          if (rec && !FINAL.includes(rec.status) && ownerGone(rec)) {
            orphaned = rec;
            ac.abort();
          }
        }, 1000);
        try {
          for await (const e of feed.follow(id, after, { pollMs: 250, signal: ac.signal })) print(JSON.parse(e.json) as TlorcEvent);
        } finally {
          clearInterval(watch);
        }
        if (orphaned) {
          process.stderr.write(`tlorc: run ${id} is still marked ${orphaned.status}, but the process that ran it (pid ${orphaned.owner!.pid}) is gone; no more events will come. A restarted server marks it; \`tlorc runs cancel ${id}\` ends it now.\n`);
          return EXIT.runFailed;
        }
      } else {
        for (let last = after; ; ) {
          const page = store.eventsAfter(id, last, 1000);
          if (page.length === 0) break;
          for (const e of page) print(JSON.parse(e.json) as TlorcEvent);
          last = page[page.length - 1]!.seq;
        }
      }
    } finally {
      store.close();
    }
    return EXIT.ok;
  } finally {
    process.off('SIGINT', onSig);
  }
}

async function cancel(id: string, t: Target & { reason?: string }): Promise<number> {
  const reason = t.reason ?? 'cancelled from the command line';
  let run: RunLike;
  if (serverOf(t)) run = await client(t).cancel(id, reason);
  else {
    const store = localStore(t);
    try {
      run = await cancelLocal(store, id, reason, t);
    } finally {
      store.close();
    }
  }
  if (t.json) process.stdout.write(JSON.stringify(run, null, 2) + '\n');
  else process.stdout.write(`run ${run.id}: ${run.status}\n`);
  return run.status === 'cancelled' ? EXIT.ok : run.status === 'queued' || run.status === 'running' ? EXIT.ok : EXIT.invalidInput;
}

/**
 * Cancel through the local store: ask whoever owns the run. A server (its URL is recorded)
 * gets the API call; a `tlorc run` process gets SIGTERM, which makes it cancel its run
 * gracefully and record that; a run nobody owns any more is ended in the store here.
 */
async function cancelLocal(store: RunStore, id: string, reason: string, t: Target): Promise<RunLike> {
  const rec = getLocal(store, id);
  if (rec.status !== 'queued' && rec.status !== 'running') throw new TlorcError('TLORC_RUN_NOT_CANCELLABLE', `Run ${id} is already ${rec.status}.`);
  const { storeOwner } = await import('../../server/app.js');
  const owner = ownedElsewhere(rec.owner) ? rec.owner : undefined;
  const serverUrl = owner?.kind === 'server' ? (owner.url ?? storeOwner(store)?.url) : undefined;
  if (serverUrl) return new TlorcClient({ server: serverUrl, ...(t.token ? { token: t.token } : {}) }).cancel(id, reason);
  if (owner?.kind === 'cli') {
    process.kill(owner.pid, 'SIGTERM');
    for (const end = Date.now() + 30_000; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) {
      const now = store.getRun(id)!;
      if (now.status !== 'queued' && now.status !== 'running') return view(now);
    }
    return view(store.getRun(id)!);
  }
  // nobody owns it any more (its server or CLI died): nothing will finish it but us
  const { endRunWithoutProcess } = await import('../../server/end-run.js');
  const { cancelledError } = await import('../../server/run-manager.js');
  const { isRunProcess } = await import('../../server/recovery.js');
  if (rec.status === 'running' && rec.pid !== undefined && isRunProcess(rec.pid, rec)) {
    try {
      process.kill(-rec.pid, 'SIGTERM');
    } catch {
      /* gone already */
    }
  }
  if (rec.runner === 'docker') {
    // its container may still be training: remove it (and hand its folder back) before saying cancelled
    const docker = await import('../../runners/docker/index.js');
    await docker.cleanupContainers(docker.connect(), { runId: id }).catch((e: unknown) => {
      throw new TlorcError('TLORC_DOCKER_UNREACHABLE', `Run ${id} was not cancelled: its container could not be removed (${(e as Error).message}).`, { cause: e });
    });
  }
  return view(endRunWithoutProcess(store, rec, 'cancelled', cancelledError(reason)));
}

/** Wrap an action: errors become the CLI's message and exit code. */
const act =
  <A extends unknown[]>(fn: (...a: A) => Promise<number>) =>
  async (...a: A): Promise<void> => {
    const opts = a.find((x): x is Target => typeof x === 'object' && x !== null && !Array.isArray(x) && !('commands' in (x as object)));
    try {
      process.exitCode = await fn(...a);
    } catch (e) {
      process.exitCode = printError(e, !!opts?.json);
    }
  };

function targetOptions(cmd: Command): Command {
  return cmd
    .option('--server <url>', 'a tlorc server (or TLORC_SERVER); without it, the local run store')
    .option('--token <token>', 'bearer token for --server (or TLORC_TOKEN)')
    .option('--store <file>', 'local run store (default $TLORC_HOME/tlorc.db)')
    .addOption(jsonOption());
}

export function register(program: Command): void {
  const runs = program.command('runs').description('list, inspect, follow and cancel runs (on a server, or in the local run store)');
  targetOptions(runs.command('list').description('list runs, newest first'))
    .option('--status <list>', 'only these statuses, comma-separated (queued,running,completed,failed,cancelled)')
    .option('--limit <n>', 'page size', wholeNumber(1), '50')
    .option('--cursor <c>', 'next page (printed by the previous one)')
    .action(act((opts: Target & { status?: string; limit?: string; cursor?: string }) => list(opts)));
  targetOptions(runs.command('show').description('one run: status, timestamps, final metrics, error').argument('<id>'))
    .action(act((id: string, opts: Target) => show(id, opts)));
  targetOptions(runs.command('logs').description('a run\'s events (--follow: then live ones, until it ends)').argument('<id>'))
    .option('-f, --follow', 'keep following live events until the run ends')
    .option('--after <seq>', 'only events after this seq', wholeNumber(0))
    .action(act((id: string, opts: Target & { follow?: boolean; after?: string }) => logs(id, opts)));
  targetOptions(runs.command('cancel').description('cancel a queued or running run').argument('<id>'))
    .option('--reason <text>', 'recorded with the run')
    .action(act((id: string, opts: Target & { reason?: string }) => cancel(id, opts)));
}
