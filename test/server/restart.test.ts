/**
 * Restarts: the server process is SIGKILLed mid-run and started again on the same store.
 * Nothing in flight is silently lost: a still-running training process is stopped and its run
 * marked failed (TLORC_RUN_INTERRUPTED, saying so), a run whose process is gone is marked failed
 * saying that, a queued run is started by the new server, and a client following its events
 * reconnects across the restart without losing or repeating any. A graceful stop cancels
 * running runs and keeps queued ones for the next start.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { TlorcClient } from '../../src/client/remote.js';
import { readRunState } from '../../src/runners/run-dir.js';
import { fixture, python, repoRoot, sharedData, tmpDir } from '../helpers.js';
import { fixtureSpec, isFinal, readSse, testServer } from './helpers.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const until = async (cond: () => boolean | Promise<boolean>, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
};

/** dist/ must be current: the child server runs the built code. */
function ensureBuilt(): void {
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((m, d) => Math.max(m, d.isDirectory() ? newest(path.join(dir, d.name)) : statSync(path.join(dir, d.name)).mtimeMs), 0);
  const built = path.join(repoRoot, 'dist', 'server', 'index.js');
  if (!existsSync(built) || statSync(built).mtimeMs < newest(path.join(repoRoot, 'src'))) execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: repoRoot, stdio: 'inherit' });
}

interface Child {
  proc: ChildProcess;
  url: string;
  recovery: { requeued: string[]; interrupted: { runId: string; reason: string }[]; ended: string[] };
}

const children = new Set<ChildProcess>();
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

function startChild(config: Record<string, unknown>): Promise<Child> {
  const proc = spawn(process.execPath, [fixture('server-child.mjs')], { env: { ...process.env, TLORC_CHILD_CONFIG: JSON.stringify(config) }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(proc);
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: proc.stdout! });
    rl.once('line', (l) => resolve({ proc, ...(JSON.parse(l) as Omit<Child, 'proc'>) }));
    proc.once('exit', (code) => reject(new Error(`server child exited with ${code}`)));
  });
}

const kill9 = (c: Child) =>
  new Promise<void>((r) => {
    c.proc.once('exit', () => r());
    c.proc.kill('SIGKILL');
  });

describe('server restart', () => {
  beforeAll(() => ensureBuilt(), 300_000);

  it('after a SIGKILL mid-run: in-flight runs are marked failed with a clear reason, queued ones run, followers resume', async () => {
    const home = tmpDir('tlorc-restart-');
    const config = {
      home,
      python: python(),
      concurrency: 3,
      dataRoot: sharedData(),
      fixtures: {
        'still-running': { script: 'hang.py' },
        'orphaned': { script: 'hang.py' },
        'gone': { script: 'stream.py', env: { TLORC_FX_EVENTS: '3', TLORC_FX_HANG: '1' } },
        'waiting': { script: 'stream.py', env: { TLORC_FX_EVENTS: '150', TLORC_FX_DELAY_MS: '10' } },
      },
    };
    const a = await startChild(config);
    const client = new TlorcClient({ server: a.url, reconnectDelayMs: 50, maxReconnectDelayMs: 200 });
    const still = (await client.submit({ spec: fixtureSpec('still-running') })).run;
    const gone = (await client.submit({ spec: fixtureSpec('gone') })).run;
    const orphaned = (await client.submit({ spec: fixtureSpec('orphaned') })).run;
    const waiting = (await client.submit({ spec: fixtureSpec('waiting') })).run;
    expect((await client.getRun(waiting.id)).status).toBe('queued');
    await until(async () => (await client.getRun(still.id)).lastSeq >= 1 && (await client.getRun(gone.id)).lastSeq >= 3 && (await client.getRun(orphaned.id)).lastSeq >= 1);

    // a follower of the queued run, connected through the crash and the restart
    const seen: number[] = [];
    const following = (async () => {
      for await (const e of client.followEvents(waiting.id)) seen.push(e.seq);
    })();

    const stillPid = readRunState(still.runDir!)!.pid!;
    const gonePid = readRunState(gone.runDir!)!.pid!;
    await kill9(a);
    expect(alive(stillPid)).toBe(true); // training processes outlive a SIGKILLed server (own process group)
    process.kill(-gonePid, 'SIGKILL'); // ... unless something else ends them while the server is down
    await until(() => !alive(gonePid));
    // the script dies but a subprocess of it (a data-loader worker, say) lives on in its group
    const orphanPid = readRunState(orphaned.runDir!)!.pid!;
    const orphanChild = Number(readFileSync(path.join(orphaned.runDir!, 'child.pid'), 'utf8'));
    process.kill(orphanPid, 'SIGKILL');
    await until(() => !alive(orphanPid));
    expect(alive(orphanChild)).toBe(true);

    const b = await startChild({ ...config, port: Number(new URL(a.url).port) });
    try {
      expect(b.recovery.interrupted.map((r) => r.runId).sort()).toEqual([still.id, gone.id, orphaned.id].sort());
      expect(b.recovery.requeued).toEqual([waiting.id]);
      await until(() => !alive(stillPid));

      const s1 = await client.getRun(still.id);
      expect(s1).toMatchObject({ status: 'failed', error: { code: 'TLORC_RUN_INTERRUPTED', details: { pid: stillPid, stopped: true } } });
      expect(s1.error!.message).toMatch(/still running.*cannot be re-attached.*stopped/);
      const g1 = await client.getRun(gone.id);
      expect(g1).toMatchObject({ status: 'failed', error: { code: 'TLORC_RUN_INTERRUPTED' } });
      expect(g1.error!.message).toMatch(/is gone/);
      // a dead script's leftover processes are stopped, never left running unseen
      await until(() => !alive(orphanChild));
      expect((await client.getRun(orphaned.id)).error!.message).toMatch(/is gone \(1 leftover process of it stopped\)/);
      expect(readRunState(still.runDir!)).toMatchObject({ status: 'failed' });

      // the interrupted run's event history ends with the failed event, seq without gaps
      const res = await fetch(`${b.url}/v1/runs/${gone.id}/events`);
      const events = (await readSse(res)).filter((f) => f.event === 'message').map((f) => f.data);
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      expect(events.at(-1)).toMatchObject({ type: 'failed', code: 'TLORC_RUN_INTERRUPTED' });

      await following;
      const w = await client.getRun(waiting.id);
      expect(w.status).toBe('completed');
      expect(seen).toEqual(Array.from({ length: w.lastSeq }, (_, i) => i + 1));
    } finally {
      await kill9(b);
    }
  });

  it('a graceful stop cancels running runs and keeps queued ones, which the next server starts', async () => {
    const home = tmpDir('tlorc-restart-');
    const first = await testServer({ home, concurrency: 1 });
    const running = await first.submit('graceful-running', { script: 'stream.py', env: { TLORC_FX_EVENTS: '2', TLORC_FX_HANG: '1' } });
    const queued = await first.submit('graceful-queued', { script: 'stream.py', env: { TLORC_FX_EVENTS: '5' } });
    await first.waitFor(running.id, (r) => r.status === 'running' && r.lastSeq >= 3);
    const pid = readRunState(running.runDir)!.pid!;
    await first.close();
    expect(alive(pid)).toBe(false);

    const second = await testServer({ home, concurrency: 1 });
    try {
      second.fixtures.set('graceful-queued', { script: 'stream.py', env: { TLORC_FX_EVENTS: '5' } });
      expect(second.recovery.requeued).toEqual([queued.id]);
      const r = (await second.json(`/runs/${running.id}`)).body;
      expect(r).toMatchObject({ status: 'cancelled', error: { code: 'TLORC_RUN_CANCELLED', message: expect.stringMatching(/shutting down/) } });
      const q = await second.waitFor(queued.id, isFinal);
      expect(q.status).toBe('completed');
    } finally {
      await second.close();
    }
  });

  it('refuses a second server on a store that a live server uses', async () => {
    const home = tmpDir('tlorc-restart-');
    const one = await testServer({ home });
    try {
      await expect(testServer({ home })).rejects.toMatchObject({ code: 'TLORC_STORE_IN_USE' });
    } finally {
      await one.close();
    }
  });
});
