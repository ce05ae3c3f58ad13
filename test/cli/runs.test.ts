/** `tlorc serve` and `tlorc runs list|show|logs|cancel`, against a server and against the local store. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execa } from 'execa';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot, sharedData, tmpDir } from '../helpers.js';
import { testServer, isFinal, type TestServer } from '../server/helpers.js';

const tlorc = (args: string[], env: Record<string, string> = {}) =>
  execa(process.execPath, [path.join(repoRoot, 'bin', 'tlorc.js'), ...args], { reject: false, env: { TLORC_SERVER: '', ...env }, extendEnv: true });

describe('tlorc runs', () => {
  let s: TestServer;
  let done: any;
  beforeAll(async () => {
    s = await testServer({ concurrency: 2 });
    done = await s.waitFor((await s.submit('cli-done', { script: 'stream.py', env: { TLORC_FX_EVENTS: '4' } })).id, isFinal);
  });
  afterAll(() => s.close());

  it('lists, shows and prints logs from a server', async () => {
    const list = await tlorc(['runs', 'list', '--server', s.url, '--json']);
    expect(list.exitCode).toBe(0);
    expect(JSON.parse(list.stdout).runs[0]).toMatchObject({ id: done.id, status: 'completed' });
    const table = await tlorc(['runs', 'list', '--status', 'completed'], { TLORC_SERVER: s.url });
    expect(table.stdout).toMatch(new RegExp(`${done.id}\\s+completed\\s+local`));
    expect(table.stdout).toContain('val_accuracy 0.550');
    const show = await tlorc(['runs', 'show', done.id, '--server', s.url]);
    expect(show.stdout).toContain('status:  completed');
    const logs = await tlorc(['runs', 'logs', done.id, '--server', s.url, '--json']);
    const events = logs.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: done.lastSeq }, (_, i) => i + 1));
    const missing = await tlorc(['runs', 'show', 'no-such-run', '--server', s.url]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('TLORC_RUN_NOT_FOUND');
    const bad = await tlorc(['runs', 'list', '--server', 'http://127.0.0.1:1']);
    expect(bad.exitCode).toBe(4);
    expect(bad.stderr).toContain('TLORC_SERVER_UNREACHABLE');
  });

  it('follows a live run to its end, and cancels through the local store (forwarded to the owning server)', async () => {
    const live = await s.submit('cli-live', { script: 'stream.py', env: { TLORC_FX_EVENTS: '60', TLORC_FX_DELAY_MS: '20' } });
    const follow = await tlorc(['runs', 'logs', live.id, '--follow', '--json', '--store', path.join(s.home, 'tlorc.db')]);
    expect(follow.exitCode).toBe(0);
    const seqs = follow.stdout.trim().split('\n').map((l) => JSON.parse(l).seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(JSON.parse(follow.stdout.trim().split('\n').at(-1)!).type).toBe('completed');

    const hang = await s.submit('cli-hang', { script: 'stream.py', env: { TLORC_FX_EVENTS: '1', TLORC_FX_HANG: '1' } });
    await s.waitFor(hang.id, (r) => r.status === 'running');
    const cancel = await tlorc(['runs', 'cancel', hang.id, '--store', path.join(s.home, 'tlorc.db')]);
    expect(cancel.stdout).toContain(`run ${hang.id}: cancelled`);
    expect((await s.json(`/runs/${hang.id}`)).body.status).toBe('cancelled');
    const again = await tlorc(['runs', 'cancel', hang.id, '--server', s.url]);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain('TLORC_RUN_NOT_CANCELLABLE');
  });

  it('reads the local store without a server', async () => {
    const list = await tlorc(['runs', 'list', '--store', path.join(s.home, 'tlorc.db'), '--status', 'completed,cancelled', '--json']);
    expect(JSON.parse(list.stdout).runs.map((r: any) => r.status)).not.toContain('queued');
    const show = await tlorc(['runs', 'show', done.id, '--store', path.join(s.home, 'tlorc.db'), '--json']);
    expect(JSON.parse(show.stdout)).toMatchObject({ id: done.id, status: 'completed', runDir: done.runDir });
  });

  it('number flags are checked: a bad --limit or --after is a usage error (exit 2), not a silent default', async () => {
    const store = path.join(s.home, 'tlorc.db');
    for (const args of [['list', '--limit', 'abc'], ['list', '--limit', '0'], ['logs', done.id, '--after', 'abc']]) {
      const r = await tlorc(['runs', ...args, '--store', store]);
      expect(r.exitCode, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/expected a whole number/);
    }
  });
});

describe('tlorc serve', () => {
  it('a port in use or a store that is no database: exit 4 with the reason, not "a tlorc bug"', async () => {
    const home = tmpDir('tlorc-serve-');
    const busy = await testServer();
    try {
      const port = new URL(busy.url).port;
      const r = await tlorc(['serve', '--port', port, '--store', path.join(home, 'db.sqlite'), '--runs-dir', path.join(home, 'runs'), '--data-root', sharedData(), '--log-level', 'silent']);
      expect(r.exitCode, r.stderr).toBe(4);
      expect(r.stderr).toContain('TLORC_SERVER_START_FAILED');
      expect(r.stderr).toContain(`port ${port} is in use`);
    } finally {
      await busy.close();
    }
    const notDb = path.join(home, 'not-a-db');
    writeFileSync(notDb, 'plain text, not SQLite\n'.repeat(100));
    const bad = await tlorc(['serve', '--port', '0', '--store', notDb, '--log-level', 'silent']);
    expect(bad.exitCode, bad.stderr).toBe(4);
    expect(bad.stderr).toContain('TLORC_SERVER_START_FAILED');
    const port = await tlorc(['serve', '--port', '70000']);
    expect(port.exitCode).toBe(2);
    expect(port.stderr).toMatch(/port from 0 to 65535/);
  });

  it('serves on loopback, answers health, and stops cleanly on SIGTERM', async () => {
    const home = tmpDir('tlorc-serve-');
    const proc = execa(process.execPath, [path.join(repoRoot, 'bin', 'tlorc.js'), 'serve', '--port', '0', '--store', path.join(home, 'db.sqlite'), '--runs-dir', path.join(home, 'runs'), '--data-root', sharedData(), '--token', 'cli-test-token-123', '--log-level', 'silent'], { reject: false });
    const url = await new Promise<string>((resolve, reject) => {
      let err = '';
      proc.stderr!.on('data', (c: Buffer) => {
        err += String(c);
        const m = /serving (http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(err);
        if (m) resolve(m[1]!);
      });
      void proc.then(() => reject(new Error(`serve exited: ${err}`)));
    });
    expect((await fetch(`${url}/v1/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/v1/runs`)).status).toBe(401);
    expect((await fetch(`${url}/v1/runs`, { headers: { authorization: 'Bearer cli-test-token-123' } })).status).toBe(200);
    proc.kill('SIGTERM');
    const r = await proc;
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain('stopping');
  });
});
