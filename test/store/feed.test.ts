/** The event feed: history then live, each event once, in order, ending after the terminal event. */
import { describe, it, expect } from 'vitest';
import path from 'node:path';
import { EventFeed, SqliteRunStore, toStored, type StoredEvent } from '../../src/store/index.js';
import type { TlorcEvent } from '../../src/events/protocol.js';
import { tmpDir } from '../helpers.js';

const log = (runId: string, seq: number): StoredEvent =>
  toStored({ v: 1, runId, seq, ts: new Date().toISOString(), type: 'log', level: 'info', stream: 'stdout', message: `m${seq}` } as TlorcEvent);
const done = (runId: string, seq: number): StoredEvent =>
  toStored({ v: 1, runId, seq, ts: new Date().toISOString(), type: 'cancelled', reason: 'x' } as TlorcEvent);

function setup() {
  const store = new SqliteRunStore(path.join(tmpDir('tlorc-feed-'), 'tlorc.db'));
  store.createRun({ id: 'r', name: 'r', runner: 'local', spec: {}, runDir: '/tmp/r', createdAt: new Date().toISOString(), gpuRequest: 0 });
  const feed = new EventFeed(store);
  const commit = (events: StoredEvent[]) => {
    store.appendEvents('r', events);
    feed.publish('r', events);
  };
  return { store, feed, commit };
}

describe('EventFeed', () => {
  it('delivers history, then live batches, then ends after the terminal event', async () => {
    const { store, feed, commit } = setup();
    commit([log('r', 1), log('r', 2)]);
    const got: number[] = [];
    const follower = (async () => {
      for await (const e of feed.follow('r', 0)) got.push(e.seq);
    })();
    await new Promise((r) => setTimeout(r, 10));
    commit([log('r', 3)]);
    commit([log('r', 4), log('r', 5), done('r', 6)]);
    await follower;
    expect(got).toEqual([1, 2, 3, 4, 5, 6]);
    // a late follower resuming after 4 gets exactly 5 and 6
    const late: number[] = [];
    for await (const e of feed.follow('r', 4)) late.push(e.seq);
    expect(late).toEqual([5, 6]);
    store.close();
  });

  it('serves many followers from memory and reads older events from the store', async () => {
    const { store, feed, commit } = setup();
    // older events only in the store (published before any window existed is the same as a restart)
    store.appendEvents('r', Array.from({ length: 5000 }, (_, i) => log('r', i + 1)));
    const followers = Array.from({ length: 20 }, (_, k) =>
      (async () => {
        const seqs: number[] = [];
        for await (const e of feed.follow('r', k * 10)) seqs.push(e.seq);
        return { k, seqs };
      })(),
    );
    await new Promise((r) => setTimeout(r, 20));
    for (let s = 5001; s <= 6000; s += 100) commit(Array.from({ length: 100 }, (_, i) => log('r', s + i)));
    commit([done('r', 6001)]);
    for (const { k, seqs } of await Promise.all(followers)) {
      expect(seqs[0]).toBe(k * 10 + 1);
      expect(seqs.at(-1)).toBe(6001);
      expect(seqs.length).toBe(6001 - k * 10);
      expect(seqs.every((s, i) => i === 0 || s === seqs[i - 1]! + 1)).toBe(true);
    }
    store.close();
  });

  it('stops following on abort and when a run is final with nothing more stored', async () => {
    const { store, feed, commit } = setup();
    commit([log('r', 1)]);
    const ac = new AbortController();
    const seen: number[] = [];
    const f = (async () => {
      for await (const e of feed.follow('r', 0, { signal: ac.signal })) seen.push(e.seq);
    })();
    await new Promise((r) => setTimeout(r, 10));
    ac.abort();
    await f;
    expect(seen).toEqual([1]);
    store.updateRun('r', { status: 'failed' });
    const rest: number[] = [];
    for await (const e of feed.follow('r', 1)) rest.push(e.seq);
    expect(rest).toEqual([]);
    store.close();
  });
});
