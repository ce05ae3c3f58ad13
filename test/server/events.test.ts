/**
 * SSE: history then live, resumable with Last-Event-ID or ?after= without loss or duplicates,
 * many subscribers to one run, and the remote client reconnecting through connections that a
 * proxy keeps cutting.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import net from 'node:net';
import { TlorcClient } from '../../src/client/remote.js';
import type { TlorcEvent } from '../../src/events/protocol.js';
import { testServer, readSse, isFinal, type TestServer } from './helpers.js';

const contiguous = (seqs: number[], from = 1) => seqs.every((s, i) => s === from + i);

/** A TCP proxy to the server that can cut every open connection (a flaky network). */
async function flakyProxy(target: string) {
  const { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((client) => {
    connections++;
    const upstream = net.connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${addr.port}`,
    connections: () => connections,
    cutAll: () => {
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    close: () => new Promise<void>((r) => (server.close(() => r()), [...sockets].forEach((s) => s.destroy()))),
  };
}

describe('run events over SSE', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await testServer({ concurrency: 4, heartbeatMs: 200 });
  });
  afterAll(() => s.close());

  it('streams history then live events with id = seq, and ends with an end frame', async () => {
    const run = await s.submit('sse-live', { script: 'stream.py', env: { TLORC_FX_EVENTS: '40', TLORC_FX_DELAY_MS: '10' } });
    const res = await s.api(`/runs/${run.id}/events`);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const frames = await readSse(res);
    const events = frames.filter((f) => f.event === 'message');
    expect(events.map((f) => Number(f.id))).toEqual(events.map((f) => f.data.seq));
    expect(contiguous(events.map((f) => f.data.seq))).toBe(true);
    expect(events.at(-1)!.data.type).toBe('completed');
    expect(frames.at(-1)).toMatchObject({ event: 'end', data: { status: expect.any(String), lastSeq: events.length } });
    // the finished run replays the same history
    const again = (await readSse(await s.api(`/runs/${run.id}/events`))).filter((f) => f.event === 'message');
    expect(again.map((f) => f.data)).toEqual(events.map((f) => f.data));
  });

  it('resumes after Last-Event-ID or ?after= with nothing lost and nothing repeated', async () => {
    const run = await s.submit('sse-resume', { script: 'stream.py', env: { TLORC_FX_EVENTS: '200', TLORC_FX_DELAY_MS: '5' } });
    const seen: TlorcEvent[] = [];
    let last = 0;
    // read a few events, drop the connection, reconnect with Last-Event-ID; repeat until the end
    for (let round = 0; round < 100; round++) {
      const res = await s.api(`/runs/${run.id}/events`, { headers: last ? { 'last-event-id': String(last) } : {} });
      let n = 0;
      const frames = await readSse(res, (f) => f.event === 'message' && ++n >= 17);
      for (const f of frames) if (f.event === 'message') seen.push(f.data);
      last = seen.at(-1)?.seq ?? last;
      if (seen.at(-1)?.type === 'completed' || frames.at(-1)?.event === 'end') break;
    }
    const seqs = seen.map((e) => e.seq);
    expect(contiguous(seqs)).toBe(true);
    expect(seen.at(-1)!.type).toBe('completed');
    const after = (await readSse(await s.api(`/runs/${run.id}/events?after=${seqs.length - 3}`))).filter((f) => f.event === 'message');
    expect(after.map((f) => f.data.seq)).toEqual([seqs.length - 2, seqs.length - 1, seqs.length]);
    // Last-Event-ID wins over ?after= (an EventSource reconnects to the original URL)
    const both = (await readSse(await s.api(`/runs/${run.id}/events?after=1`, { headers: { 'last-event-id': String(seqs.length - 1) } }))).filter((f) => f.event === 'message');
    expect(both.map((f) => f.data.seq)).toEqual([seqs.length]);
    const bad = await s.json(`/runs/${run.id}/events`, { headers: { 'last-event-id': 'abc' } });
    expect(bad.status).toBe(400);
  });

  it('fans one run out to many concurrent subscribers, each getting every event once', async () => {
    const run = await s.submit('sse-fanout', { script: 'stream.py', env: { TLORC_FX_EVENTS: '300', TLORC_FX_DELAY_MS: '2' } });
    const N = 60;
    const streams = await Promise.all(Array.from({ length: N }, () => s.api(`/runs/${run.id}/events`).then((r) => readSse(r))));
    const expected = streams[0]!.filter((f) => f.event === 'message').map((f) => f.data.seq);
    expect(expected.length).toBeGreaterThan(300);
    expect(contiguous(expected)).toBe(true);
    for (const frames of streams) {
      const seqs = frames.filter((f) => f.event === 'message').map((f) => f.data.seq);
      expect(seqs).toEqual(expected);
    }
    expect(s.ctx.feed.followers(run.id)).toBe(0);
  });

  it('sends heartbeats while a run is quiet', async () => {
    const run = await s.submit('sse-quiet', { script: 'stream.py', env: { TLORC_FX_EVENTS: '3', TLORC_FX_DELAY_MS: '400' } });
    const res = await s.api(`/runs/${run.id}/events`);
    const text = await res.text();
    expect(text).toContain(': ping');
    expect(text).toContain('event: end');
  });

  it('the remote client reconnects through dropped connections without loss or repeats', async () => {
    const proxy = await flakyProxy(s.url);
    try {
      const client = new TlorcClient({ server: proxy.url, reconnectDelayMs: 20, maxReconnectDelayMs: 100 });
      s.fixtures.set('sse-flaky', { script: 'stream.py', env: { TLORC_FX_EVENTS: '400', TLORC_FX_DELAY_MS: '3' } });
      const handle = await client.submit({ spec: { apiVersion: 'tlorc/v1', name: 'sse-flaky', task: 'image_classification', framework: 'pytorch', backbone: { name: 'mobilenet_v2', weights: 'none' }, data: { type: 'image_folder', root: 'flowers3' }, epochs: 1 } });
      const cutter = setInterval(() => proxy.cutAll(), 150);
      const seqs: number[] = [];
      try {
        for await (const e of handle) seqs.push(e.seq);
      } finally {
        clearInterval(cutter);
      }
      const result = await handle.result;
      expect(result.status).toBe('completed');
      expect(contiguous(seqs)).toBe(true);
      expect(seqs.length).toBeGreaterThan(400);
      expect(seqs.length).toBe((await s.json(`/runs/${handle.runId}`)).body.lastSeq);
      expect(proxy.connections()).toBeGreaterThan(4); // it really did reconnect, several times
      expect(result.final).toEqual({ train: { loss: 0.5, accuracy: 0.6 }, val: { loss: 0.6, accuracy: 0.55 } });
    } finally {
      await proxy.close();
    }
  });

  it('the remote handle replays every event to each iterator and cancels like a local one', async () => {
    const client = new TlorcClient({ server: s.url });
    s.fixtures.set('sse-cancel', { script: 'stream.py', env: { TLORC_FX_EVENTS: '5', TLORC_FX_HANG: '1' } });
    const handle = await client.submit({ spec: { apiVersion: 'tlorc/v1', name: 'sse-cancel', task: 'image_classification', framework: 'pytorch', backbone: { name: 'mobilenet_v2', weights: 'none' }, data: { type: 'image_folder', root: 'flowers3' }, epochs: 1 } });
    const first: string[] = [];
    for await (const e of handle) {
      first.push(e.type);
      if (first.length === 7) await handle.cancel('test cancel');
    }
    const result = await handle.result;
    expect(result.status).toBe('cancelled');
    expect(result.error?.code).toBe('TLORC_RUN_CANCELLED');
    expect(first.at(-1)).toBe('cancelled');
    const second: string[] = [];
    for await (const e of handle.events()) second.push(e.type);
    expect(second).toEqual(first);
    await s.waitFor(handle.runId, isFinal);
  });
});
