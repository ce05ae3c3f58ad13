/** The embedded run store: runs, events (idempotent batches), pagination, durability across reopen. */
import { describe, it, expect, afterEach } from 'vitest';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteRunStore, toStored, type NewRun } from '../../src/store/index.js';
import type { TlorcEvent } from '../../src/events/protocol.js';
import { tmpDir } from '../helpers.js';

const open: SqliteRunStore[] = [];
const store = (file = path.join(tmpDir('tlorc-store-'), 'tlorc.db')) => {
  const s = new SqliteRunStore(file);
  open.push(s);
  return s;
};
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

const newRun = (id: string, extra: Partial<NewRun> = {}): NewRun => ({
  id,
  name: id,
  runner: 'local',
  spec: { apiVersion: 'tlorc/v1', name: id },
  runDir: `/tmp/runs/${id}`,
  createdAt: new Date().toISOString(),
  gpuRequest: 0,
  ...extra,
});

const ev = (runId: string, seq: number, type: 'log' | 'completed' = 'log'): TlorcEvent =>
  (type === 'log'
    ? { v: 1, runId, seq, ts: new Date().toISOString(), type: 'log', level: 'info', stream: 'stdout', message: `line ${seq}` }
    : { v: 1, runId, seq, ts: new Date().toISOString(), type: 'completed', final: { train: { loss: 1 }, val: { loss: 1 } }, epochs_run: 1, duration_s: 1 }) as TlorcEvent;

describe('SqliteRunStore', () => {
  it('uses WAL and creates, reads and patches runs', () => {
    const s = store();
    const r = s.createRun(newRun('a', { launch: { scriptPath: '/x/train.py' } }));
    expect(r).toMatchObject({ id: 'a', status: 'queued', lastSeq: 0, gpuRequest: 0, launch: { scriptPath: '/x/train.py' } });
    const u = s.updateRun('a', { status: 'failed', error: { code: 'TLORC_RUN_FAILED', message: 'boom', hint: 'h' }, pid: 42, gpus: ['0'] });
    expect(u).toMatchObject({ status: 'failed', pid: 42, gpus: ['0'], error: { code: 'TLORC_RUN_FAILED' } });
    expect(() => s.updateRun('nope', { status: 'failed' })).toThrow(expect.objectContaining({ code: 'TLORC_RUN_NOT_FOUND' }));
    expect(() => s.createRun(newRun('a'))).toThrow(expect.objectContaining({ code: 'TLORC_RUN_DIR_EXISTS' }));
    const db = new Database(s.location, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('appends events in batches, ignores replays, reads after a seq in order', () => {
    const s = store();
    s.createRun(newRun('r'));
    expect(s.appendEvents('r', [1, 2, 3].map((i) => toStored(ev('r', i))))).toBe(3);
    expect(s.appendEvents('r', [2, 3, 4].map((i) => toStored(ev('r', i))))).toBe(1);
    expect(s.getRun('r')!.lastSeq).toBe(4);
    expect(s.eventsAfter('r', 0).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(s.eventsAfter('r', 2, 1).map((e) => e.seq)).toEqual([3]);
    expect(JSON.parse(s.eventsAfter('r', 3)[0]!.json)).toMatchObject({ seq: 4, runId: 'r', type: 'log' });
  });

  it('lists newest first with a status filter and cursor pagination that loses nothing', () => {
    const s = store();
    for (let i = 0; i < 25; i++) s.createRun(newRun(`run-${String(i).padStart(2, '0')}`, { status: i % 3 === 0 ? 'completed' : 'queued' }));
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = s.listRuns({ limit: 7, ...(cursor ? { cursor } : {}) });
      expect(page.total).toBe(25);
      seen.push(...page.runs.map((r) => r.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);
    expect(seen[0]).toBe('run-24');
    const done = s.listRuns({ status: ['completed'], limit: 100 });
    expect(done.total).toBe(9);
    expect(done.runs.every((r) => r.status === 'completed')).toBe(true);
    expect(() => s.listRuns({ cursor: 'garbage!' })).toThrow(expect.objectContaining({ code: 'TLORC_API_BAD_REQUEST' }));
    expect(s.runsWithStatus(['queued']).map((r) => r.id)[0]).toBe('run-01'); // oldest first
  });

  it('keeps everything across a reopen (a server restart)', () => {
    const file = path.join(tmpDir('tlorc-store-'), 'tlorc.db');
    const a = new SqliteRunStore(file);
    a.createRun(newRun('x'));
    a.appendEvents('x', [toStored(ev('x', 1)), toStored(ev('x', 2, 'completed'))]);
    a.updateRun('x', { status: 'completed', final: { train: { loss: 1 }, val: { loss: 1 } } });
    a.setMeta('k', 'v');
    a.close();
    const b = store(file);
    expect(b.getRun('x')).toMatchObject({ status: 'completed', lastSeq: 2, final: { val: { loss: 1 } } });
    expect(b.eventsAfter('x', 0)).toHaveLength(2);
    expect(b.getMeta('k')).toBe('v');
    b.setMeta('k', undefined);
    expect(b.getMeta('k')).toBeUndefined();
  });
});
