/**
 * Runs started outside a server (`tlorc run`) recorded in the local store: listed like a
 * server's runs, left alone by a server that starts meanwhile (their owner is alive), and
 * cancelled through the store by signalling their owner.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { execa } from 'execa';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { LocalRunner } from '../../src/runners/local.js';
import { recordLocalRun, SqliteRunStore } from '../../src/store/index.js';
import { fixture, fixtureRun, python, repoRoot, tmpDir } from '../helpers.js';
import { testServer } from '../server/helpers.js';

function ensureBuilt(): void {
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((m, d) => Math.max(m, d.isDirectory() ? newest(path.join(dir, d.name)) : statSync(path.join(dir, d.name)).mtimeMs), 0);
  const built = path.join(repoRoot, 'dist', 'store', 'local-record.js');
  if (!existsSync(built) || statSync(built).mtimeMs < newest(path.join(repoRoot, 'src'))) execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: repoRoot, stdio: 'inherit' });
}

describe('recording local runs', () => {
  beforeAll(() => ensureBuilt(), 300_000);

  it('records a local run with its events and final status', async () => {
    const file = path.join(tmpDir('tlorc-local-'), 'tlorc.db');
    const handle = await new LocalRunner({ python: python() }).start(fixtureRun('emit.py'));
    const rec = await recordLocalRun(handle, { store: file });
    expect(rec).toMatchObject({ id: handle.runId, status: 'completed', owner: { kind: 'cli', pid: process.pid } });
    const store = new SqliteRunStore(file);
    const events = store.eventsAfter(handle.runId, 0).map((e) => JSON.parse(e.json));
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.at(-1).type).toBe('completed');
    store.close();
  });

  it('a server on the same store leaves a live `tlorc run` alone; `runs cancel` signals its owner', async () => {
    const home = tmpDir('tlorc-local-');
    const storeFile = path.join(home, 'tlorc.db');
    const child = spawn(process.execPath, [fixture('local-run-child.mjs'), 'stream.py', python()], {
      env: { ...process.env, TLORC_STORE: storeFile, TLORC_FX_EVENTS: '2', TLORC_FX_HANG: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const { runId } = await new Promise<{ runId: string }>((resolve) => createInterface({ input: child.stdout! }).once('line', (l) => resolve(JSON.parse(l))));
    const exited = new Promise((r) => child.once('exit', r));
    try {
      const server = await testServer({ home });
      try {
        expect(server.recovery.interrupted).toEqual([]);
        const run = await server.waitFor(runId, (r) => r.status === 'running' && r.lastSeq >= 4);
        expect(run.status).toBe('running');
      } finally {
        await server.close();
      }
      const r = await execa(process.execPath, [path.join(repoRoot, 'bin', 'tlorc.js'), 'runs', 'cancel', runId, '--store', storeFile], { reject: false, env: { TLORC_SERVER: '' } });
      expect(r.stdout, r.stderr).toContain(`run ${runId}: cancelled`);
      await exited;
      const store = new SqliteRunStore(storeFile);
      expect(store.getRun(runId)).toMatchObject({ status: 'cancelled', error: { code: 'TLORC_RUN_CANCELLED' } });
      store.close();
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
