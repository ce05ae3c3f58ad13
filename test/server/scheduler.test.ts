/** The scheduler on its own: concurrency, GPU slots, FIFO with CPU runs passing a waiting GPU run. */
import { describe, it, expect } from 'vitest';
import { Scheduler, type GpuRequest } from '../../src/server/scheduler.js';

function harness(concurrency: number, gpus: string[]) {
  const sch = new Scheduler(concurrency, gpus);
  const running = new Map<string, { ids: string[]; finish: () => void }>();
  const started: string[] = [];
  let peak = 0;
  const add = (runId: string, g: GpuRequest = { count: 0 }) =>
    sch.enqueue({
      runId,
      gpus: g,
      start: (ids) =>
        new Promise<void>((finish) => {
          started.push(runId);
          running.set(runId, { ids, finish: () => (running.delete(runId), finish()) });
          peak = Math.max(peak, running.size);
        }),
    });
  const finish = async (id: string) => {
    running.get(id)!.finish();
    await new Promise((r) => setImmediate(r));
  };
  return { sch, running, started, add, finish, peak: () => peak };
}

describe('Scheduler', () => {
  it('runs at most `concurrency` at once, in submission order, and loses none', async () => {
    const h = harness(2, []);
    for (let i = 0; i < 10; i++) h.add(`r${i}`);
    expect(h.started).toEqual(['r0', 'r1']);
    while (h.running.size) await h.finish([...h.running.keys()][0]!);
    expect(h.started).toEqual(Array.from({ length: 10 }, (_, i) => `r${i}`));
    expect(h.peak()).toBe(2);
    expect(h.sch.stats()).toMatchObject({ queued: 0, running: 0 });
  });

  it('hands out GPU slots, makes GPU runs wait for free ones, lets CPU runs pass them', async () => {
    const h = harness(4, ['0', '1']);
    h.add('big', { count: 2 });
    h.add('g1', { count: 1 });
    h.add('cpu', { count: 0 });
    expect(h.started).toEqual(['big', 'cpu']);
    expect(h.running.get('big')!.ids).toEqual(['0', '1']);
    await h.finish('big');
    expect(h.started).toEqual(['big', 'cpu', 'g1']);
    h.add('all', { ids: ['0', '1'] });
    h.add('g2', { count: 1 }); // would fit now, but waits behind the earlier GPU run (no starvation)
    expect(h.started).toEqual(['big', 'cpu', 'g1']);
    await h.finish('g1');
    expect(h.started.at(-1)).toBe('all');
    expect(h.running.get('all')!.ids).toEqual(['0', '1']);
    await h.finish('all');
    expect(h.started.at(-1)).toBe('g2');
  });

  it('says when a request can never be met, and removes queued runs', () => {
    const h = harness(1, ['0']);
    expect(h.sch.fits({ count: 2 })).toMatch(/2 GPU/);
    expect(h.sch.fits({ ids: ['7'] })).toMatch(/7/);
    expect(h.sch.fits({ count: 1 })).toBeNull();
    h.add('a');
    h.add('b');
    expect(h.sch.position('b')).toBe(0);
    expect(h.sch.remove('b')).toBe(true);
    expect(h.sch.remove('a')).toBe(false); // running, not queued
  });
});
