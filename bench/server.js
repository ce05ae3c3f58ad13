#!/usr/bin/env node
// Server benchmark (a script, not a timed test): `npm run bench:server`, or after `npm run build`:
//   node bench/server.js [--subscribers 0,50,200] [--events 20000] [--quick]
//
// Measures, on this machine, against a real server process on loopback:
//  1. request latency of run queries (GET /v1/runs/:id, GET /v1/runs?limit=50) while N SSE
//     subscribers follow a run that is emitting events;
//  2. event pipeline throughput: a Python emitter writes events as fast as it can; they go
//     through parsing, sequencing (+ the run's events file), the SQLite store (one transaction
//     per batch) and SSE fan-out to K subscribers. Reported: ingest rate (from the events'
//     server timestamps) and delivery rate at the subscribers;
//  3. end-to-end latency: Python print -> SSE subscriber, per event (sent_ms in the event vs
//     arrival), at a moderate rate and at full speed.
// The server runs in its own process; the latency probe runs in a worker thread so the
// subscribers' parsing does not sit in the probe's event loop.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.join(here, '..');
const { SseParser } = await import(path.join(repo, 'dist', 'client', 'sse.js'));

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const quick = process.argv.includes('--quick');
const SUBS = arg('subscribers', quick ? '0,20' : '0,50,200').split(',').map(Number);
const EVENTS = Number(arg('events', quick ? '5000' : '20000'));
const FANOUT = arg('fanout', quick ? '1,10' : '1,10,100').split(',').map(Number);
const python = process.env.TLORC_PYTHON ?? path.join(os.homedir(), '.tlorc', 'venv', 'bin', 'python');

const pct = (xs, p) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '-');
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '-');

// ---------------------------------------------------------------- server process
const home = mkdtempSync(path.join(os.tmpdir(), 'tlorc-bench-'));
const fixtures = {};
for (const n of SUBS) fixtures[`lat-${n}`] = { script: 'stream.py', env: { TLORC_FX_EVENTS: '100000', TLORC_FX_DELAY_MS: '5' } };
for (const k of FANOUT) fixtures[`tput-${k}`] = { script: 'stream.py', env: { TLORC_FX_EVENTS: String(EVENTS) } };
for (let i = 0; i < 60; i++) fixtures[`filler-${i}`] = { script: 'stream.py', env: { TLORC_FX_EVENTS: '1' } };
fixtures['e2e-paced'] = { script: 'stream.py', env: { TLORC_FX_EVENTS: quick ? '300' : '1000', TLORC_FX_DELAY_MS: '5' } };
const config = { home, python, concurrency: 4, dataRoot: home, fixtures };
const server = spawn(process.execPath, [path.join(repo, 'test', 'fixtures', 'server-child.mjs')], {
  env: { ...process.env, TLORC_CHILD_CONFIG: JSON.stringify(config) },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const { url } = await new Promise((resolve, reject) => {
  createInterface({ input: server.stdout }).once('line', (l) => resolve(JSON.parse(l)));
  server.once('exit', (c) => reject(new Error(`server exited ${c}`)));
});
const api = `${url}/v1`;
const spec = (name) => ({ apiVersion: 'tlorc/v1', name, task: 'image_classification', framework: 'pytorch', backbone: { name: 'mobilenet_v2', weights: 'none' }, data: { type: 'image_folder', root: 'data' }, epochs: 1 });
async function submit(name) {
  const r = await fetch(`${api}/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ spec: spec(name) }) });
  if (r.status !== 201) throw new Error(`submit ${name}: ${r.status} ${await r.text()}`);
  return r.json();
}
const cancel = (id) => fetch(`${api}/runs/${id}/cancel`, { method: 'POST' }).then((r) => r.arrayBuffer());

/** Follow a run's SSE stream; onEvent(event, arrivalMs). Resolves at the end frame, or on abort. */
async function subscribe(runId, onEvent, signal) {
  const res = await fetch(`${api}/runs/${runId}/events`, { signal });
  const parser = new SseParser();
  const dec = new TextDecoder();
  try {
    for await (const chunk of res.body) {
      const now = performance.timeOrigin + performance.now();
      for (const ev of parser.push(dec.decode(chunk, { stream: true }))) {
        if (ev.event === 'end') return;
        onEvent?.(JSON.parse(ev.data), now);
      }
    }
  } catch (e) {
    if (e.name !== 'AbortError') throw e;
  }
}

// ---------------------------------------------------------------- 1. query latency under subscribers
const probeSource = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const { api, runId, n } = workerData;
  const one = [], list = [];
  for (let i = 0; i < n; i++) {
    let t = performance.now();
    await (await fetch(api + '/runs/' + runId)).arrayBuffer();
    one.push(performance.now() - t);
    t = performance.now();
    await (await fetch(api + '/runs?limit=50')).arrayBuffer();
    list.push(performance.now() - t);
  }
  parentPort.postMessage({ one, list });
})();`;
const probe = (runId, n) =>
  new Promise((resolve, reject) => {
    const w = new Worker(probeSource, { eval: true, workerData: { api, runId, n } });
    w.once('message', resolve);
    w.once('error', reject);
  });

console.log(`tlorc server benchmark: ${os.cpus().length} CPU(s) ${os.cpus()[0]?.model ?? ''}, Node ${process.version}, ${quick ? 'quick' : 'full'} mode\n`);
// some finished runs so the list query has rows to read
await Promise.all(Array.from({ length: 60 }, (_, i) => submit(`filler-${i}`)));

console.log('1. run-query latency while N SSE subscribers follow a run emitting ~200 events/s');
console.log('   subscribers | GET /runs/:id p50 / p95 / p99 ms | GET /runs?limit=50 p50 / p95 / p99 ms | events/subscriber');
const latencyRows = [];
for (const n of SUBS) {
  const run = await submit(`lat-${n}`);
  const ac = new AbortController();
  const counts = Array(n).fill(0);
  const subs = Array.from({ length: n }, (_, i) => subscribe(run.id, () => counts[i]++, ac.signal));
  await new Promise((r) => setTimeout(r, 1500)); // let the subscribers connect and the run get going
  const { one, list } = await probe(run.id, quick ? 200 : 500);
  ac.abort();
  await Promise.allSettled(subs);
  await cancel(run.id);
  const per = n ? Math.round(counts.reduce((a, b) => a + b, 0) / n) : 0;
  latencyRows.push({ n, one, list });
  console.log(`   ${String(n).padStart(11)} | ${f2(pct(one, 50))} / ${f2(pct(one, 95))} / ${f2(pct(one, 99))}`.padEnd(50) + ` | ${f2(pct(list, 50))} / ${f2(pct(list, 95))} / ${f2(pct(list, 99))}`.padEnd(40) + ` | ${per}`);
}

// ---------------------------------------------------------------- 2. + 3. throughput and latency at full speed
console.log(`\n2. event pipeline throughput: ${EVENTS} events from a Python emitter at full speed -> parse -> events file -> SQLite -> SSE`);
console.log('   subscribers | ingest events/s (server ts) | delivered events/s (per subscriber) | e2e latency p50 / p95 / p99 ms');
for (const k of FANOUT) {
  const run = await submit(`tput-${k}`);
  const first = [], last = [], lat = [];
  let tsFirst = 0, tsLast = 0, count = 0;
  await Promise.all(
    Array.from({ length: k }, (_, i) =>
      subscribe(run.id, (e, now) => {
        if (i === 0) {
          count++;
          if (e.seq === 1) tsFirst = Date.parse(e.ts);
          tsLast = Date.parse(e.ts);
          if (e.type === 'batch') lat.push(now - e.metrics.sent_ms);
        }
        if (first[i] === undefined) first[i] = now;
        last[i] = now;
      }),
    ),
  );
  const ingest = (count - 1) / ((tsLast - tsFirst) / 1000);
  const delivered = first.map((f, i) => (count - 1) / ((last[i] - f) / 1000));
  console.log(`   ${String(k).padStart(11)} | ${f1(ingest).padStart(27)} | ${`${f1(pct(delivered, 50))} (slowest ${f1(Math.min(...delivered))})`.padStart(36)} | ${f1(pct(lat, 50))} / ${f1(pct(lat, 95))} / ${f1(pct(lat, 99))}`);
}

console.log('\n3. end-to-end latency (Python print -> SSE subscriber) at a paced ~200 events/s, 1 subscriber');
{
  const run = await submit('e2e-paced');
  const lat = [];
  await subscribe(run.id, (e, now) => {
    if (e.type === 'batch') lat.push(now - e.metrics.sent_ms);
  });
  console.log(`   ${lat.length} events: p50 ${f2(pct(lat, 50))} ms, p95 ${f2(pct(lat, 95))} ms, p99 ${f2(pct(lat, 99))} ms, max ${f2(Math.max(...lat))} ms`);
}

server.kill('SIGTERM');
await new Promise((r) => server.once('exit', r));
rmSync(home, { recursive: true, force: true });
