/** The queue through the API: bursts on a small concurrency limit, GPU slots, cancel (queued and running), crashes. */
import { describe, it, expect, afterEach } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readEventsFile } from '../../src/events/read-file.js';
import { readRunState } from '../../src/runners/run-dir.js';
import { testServer, readSse, isFinal, type TestServer } from './helpers.js';
import { LocalRunner } from '../../src/runners/local.js';
import { python } from '../helpers.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const until = async (cond: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
};

let s: TestServer | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

describe('run queue', () => {
  it('completes a burst of runs on a small concurrency limit, none lost, never more than the limit at once', async () => {
    s = await testServer({ concurrency: 2 });
    const N = 12;
    const submitted = await Promise.all(Array.from({ length: N }, (_, i) => s!.submit(`burst-${i}`, { script: 'stream.py', env: { TLORC_FX_EVENTS: '30', TLORC_FX_DELAY_MS: '5' } })));
    expect(new Set(submitted.map((r) => r.id)).size).toBe(N);
    const finals = await Promise.all(submitted.map((r) => s!.waitFor(r.id, isFinal, 60_000)));
    expect(finals.map((r) => r.status)).toEqual(Array(N).fill('completed'));
    // intervals from the run directories: at no instant were more than 2 processes running
    const marks: [number, number][] = [];
    for (const r of finals) {
      const st = readRunState(path.join(s.ctx.config.runsDir, r.id))!;
      marks.push([Date.parse(st.startedAt!), +1], [Date.parse(st.endedAt!), -1]);
      const events = readEventsFile(path.join(s.ctx.config.runsDir, r.id, 'events.ndjson'));
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      expect(r.lastSeq).toBe(events.length);
    }
    marks.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let now = 0;
    let peak = 0;
    for (const [, d] of marks) peak = Math.max(peak, (now += d));
    expect(peak).toBeLessThanOrEqual(2);
    expect((await s.json('/runs?status=completed&limit=100')).body.total).toBe(N);
    expect((await s.json('/readyz')).body.queue).toMatchObject({ queued: 0, running: 0 });
  });

  it('cancels a queued run at once (it never starts) and a running one (its whole process group stops)', async () => {
    s = await testServer({ concurrency: 1 });
    const a = await s.submit('hang-a', { script: 'hang.py' });
    const b = await s.submit('queued-b', { script: 'stream.py' });
    const runningA = await s.waitFor(a.id, (r) => r.status === 'running' && r.lastSeq >= 1);
    expect((await s.json(`/runs/${b.id}`)).body).toMatchObject({ status: 'queued', queuePosition: 0 });

    const cb = await s.json(`/runs/${b.id}/cancel`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'not needed' }) });
    expect(cb.status).toBe(200);
    expect(cb.body).toMatchObject({ status: 'cancelled', error: { code: 'TLORC_RUN_CANCELLED', message: 'Run cancelled: not needed' } });
    expect(cb.body.startedAt).toBeUndefined();
    const bEvents = (await readSse(await s.api(`/runs/${b.id}/events`))).filter((f) => f.event === 'message');
    expect(bEvents.map((f) => f.data.type)).toEqual(['cancelled']);
    expect(readRunState(cb.body.runDir)?.status).toBe('cancelled');
    expect(JSON.parse(readFileSync(path.join(cb.body.runDir, 'summary.json'), 'utf8')).status).toBe('cancelled');

    const pid = readRunState(runningA.runDir)!.pid!;
    const childPid = Number(readFileSync(path.join(runningA.runDir, 'child.pid'), 'utf8'));
    expect(alive(pid) && alive(childPid)).toBe(true);
    const ca = await s.json(`/runs/${a.id}/cancel`, { method: 'POST' });
    expect(ca.status).toBe(200);
    expect(ca.body).toMatchObject({ status: 'cancelled', error: { code: 'TLORC_RUN_CANCELLED' } });
    await until(() => !alive(pid) && !alive(childPid));
    const again = await s.json(`/runs/${a.id}/cancel`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('TLORC_RUN_NOT_CANCELLABLE');
  });

  it('reports a crash with exit code and stderr tail; a run that exits early without completing fails', async () => {
    s = await testServer({ concurrency: 2 });
    const crash = await s.submit('crash', { script: 'crash.py' });
    const early = await s.submit('early', { script: 'stream.py', env: { TLORC_FX_EVENTS: '3', TLORC_FX_EXIT: '0' } });
    const c = await s.waitFor(crash.id, isFinal);
    expect(c).toMatchObject({ status: 'failed', error: { code: 'TLORC_RUN_FAILED', details: { exit_code: 1 } } });
    expect(c.error.details.stderr_tail).toMatch(/RuntimeError/);
    const e = await s.waitFor(early.id, isFinal);
    expect(e.status).toBe('failed');
    expect(e.error.message).toMatch(/without reporting completion/);
  });

  it('gives GPU runs their slots (CUDA_VISIBLE_DEVICES), hides GPUs from CPU runs, and queues GPU runs until slots free up', async () => {
    // fixture scripts in GPU slots on a host that may have no GPU: the runner's GPU check is what is skipped
    s = await testServer({ concurrency: 4, gpus: ['0', '1'], runner: async () => new LocalRunner({ python: python(), skipGpuProbe: true }) });
    const one = await s.submit('gpu-one', { script: 'stream.py', env: { TLORC_FX_EVENTS: '2', TLORC_FX_HANG: '1' } }, { resources: { gpus: 1 } });
    const two = await s.submit('gpu-two', { script: 'stream.py', env: { TLORC_FX_EVENTS: '2' } }, { resources: { gpus: 2 } });
    const cpu = await s.submit('gpu-cpu', { script: 'stream.py', env: { TLORC_FX_EVENTS: '2' } });
    const r1 = await s.waitFor(one.id, (r) => r.status === 'running' && r.lastSeq >= 1);
    expect(r1.gpus).toEqual(['0']);
    const rc = await s.waitFor(cpu.id, isFinal);
    expect(rc.status).toBe('completed'); // passed the waiting 2-GPU run
    expect((await s.json(`/runs/${two.id}`)).body.status).toBe('queued');
    await s.json(`/runs/${one.id}/cancel`, { method: 'POST' });
    const r2 = await s.waitFor(two.id, isFinal);
    expect(r2).toMatchObject({ status: 'completed', gpus: ['0', '1'] });
    const device = (id: string) => readEventsFile(path.join(s!.ctx.config.runsDir, id, 'events.ndjson')).find((e) => e.type === 'run_started');
    expect(device(one.id)).toMatchObject({ device: 'CUDA_VISIBLE_DEVICES=0' });
    expect(device(two.id)).toMatchObject({ device: 'CUDA_VISIBLE_DEVICES=0,1' });
    expect(device(cpu.id)).toMatchObject({ device: 'CUDA_VISIBLE_DEVICES=' });
  });
});
