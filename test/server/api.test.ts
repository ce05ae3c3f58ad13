/** The REST API's contract: error shape, auth, body limits, media types, data roots, listing, OpenAPI. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Writable } from 'node:stream';
import { ERRORS } from '../../src/errors/catalog.js';
import { testServer, fixtureSpec, isFinal, type TestServer } from './helpers.js';

const expectErrorShape = (body: any, code: string) => {
  expect(body).toMatchObject({ code, message: expect.any(String), hint: expect.any(String) });
  expect(Object.keys(body).every((k) => ['code', 'message', 'hint', 'path', 'issues', 'details'].includes(k))).toBe(true);
};

describe('API without a token', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await testServer({ bodyLimit: 64 * 1024 });
  });
  afterAll(() => s.close());

  it('binds to loopback by default and answers health and readiness', async () => {
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await s.json('/healthz')).body).toMatchObject({ status: 'ok' });
    const ready = await s.json('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ ready: true, checks: { store: { ok: true } }, queue: { concurrency: 1 } });
  });

  it('rejects malformed JSON, empty and oversized bodies and unknown media types with the error shape', async () => {
    const post = (body: string, type = 'application/json') => s.json('/runs', { method: 'POST', headers: { 'content-type': type }, body });
    const bad = await post('{"spec": {"apiVersion": ');
    expect(bad.status).toBe(400);
    expectErrorShape(bad.body, 'TLORC_API_BAD_REQUEST');
    const empty = await post('');
    expect(empty.status).toBe(400);
    expectErrorShape(empty.body, 'TLORC_API_BAD_REQUEST');
    const big = await post(JSON.stringify({ spec: 'x'.repeat(100 * 1024) }));
    expect(big.status).toBe(413);
    expectErrorShape(big.body, 'TLORC_API_PAYLOAD_TOO_LARGE');
    const xml = await post('<spec/>', 'application/xml');
    expect(xml.status).toBe(415);
    expectErrorShape(xml.body, 'TLORC_API_UNSUPPORTED_MEDIA_TYPE');
    const wrongShape = await post(JSON.stringify({ spec: fixtureSpec('x'), surprise: 1 }));
    expect(wrongShape.status).toBe(400);
    expectErrorShape(wrongShape.body, 'TLORC_API_BAD_REQUEST');
    expect(wrongShape.body.issues[0].path).toEqual(['body']);
  });

  it('returns spec errors with field paths (JSON) and line/column (YAML)', async () => {
    const spec = fixtureSpec('bad', { optimizer: { name: 'adam', lr: 0.1 }, batch_size: 'many' });
    const r = await s.json('/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(spec) });
    expect(r.status).toBe(ERRORS.TLORC_SPEC_INVALID.http);
    expectErrorShape(r.body, 'TLORC_SPEC_INVALID');
    const paths = r.body.issues.map((i: any) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['optimizer.lr', 'batch_size']));
    expect(r.body.issues.find((i: any) => i.path.join('.') === 'optimizer.lr').suggestion).toBe('learning_rate');

    const yaml = 'apiVersion: tlorc/v1\ntask: image_classification\nframework: [pytorch\n';
    const y = await s.json('/runs', { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: yaml });
    expect(y.status).toBe(400);
    expectErrorShape(y.body, 'TLORC_SPEC_PARSE');
    expect(y.body.details).toMatchObject({ line: expect.any(Number), column: expect.any(Number) });

    const unknownYaml = 'apiVersion: tlorc/v1\ntask: image_classification\nframework: pytorch\nbackbone: {name: mobilenet_v2, weights: none}\ndata: {type: image_folder, root: flowers3}\nepochz: 1\n';
    const u = await s.json('/validate', { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: unknownYaml });
    expect(u.status).toBe(422);
    expect(u.body.issues[0]).toMatchObject({ path: ['epochz'], line: 6 });
  });

  it('refuses data paths outside the data roots, whatever the spelling', async () => {
    for (const root of ['/etc', '../../../etc', 'flowers3/../../../../etc', '/tmp']) {
      const r = await s.json('/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fixtureSpec('esc', { data: { type: 'image_folder', root } })) });
      expect(r.status, root).toBe(403);
      expectErrorShape(r.body, 'TLORC_DATA_PATH_FORBIDDEN');
      expect(r.body.path).toEqual(['data', 'root']);
    }
    const w = await s.json('/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fixtureSpec('esc', { backbone: { name: 'mobilenet_v2', weights: '/etc/passwd' } })) });
    expect(w.status).toBe(403);
    expect(w.body.path).toEqual(['backbone', 'weights']);
    const g = await s.json('/generate', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fixtureSpec('esc', { data: { type: 'image_folder', root: '/etc' } })) });
    expect(g.status).toBe(403);
    // each refused path is named by its own field, whatever else the spec reads
    const val = await s.json('/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fixtureSpec('esc', { data: { type: 'image_folder', root: 'flowers3', val: '/root' } })) });
    expect(val.status).toBe(403);
    expect(val.body.path).toEqual(['data', 'val']);
    expect(val.body.message).toContain('/root');
  });

  it('a YAML alias bomb is a 400 parse error, never expanded', async () => {
    const levels = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 10; i++) levels.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    const r = await s.json('/validate', { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: levels.join('\n') + '\n' });
    expect(r.status).toBe(400);
    expectErrorShape(r.body, 'TLORC_SPEC_PARSE');
  });

  it('refuses GPU requests the server cannot ever satisfy', async () => {
    const r = await s.json('/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fixtureSpec('gpu', { resources: { gpus: 2 } })) });
    expect(r.status).toBe(422);
    expectErrorShape(r.body, 'TLORC_RUN_GPUS_UNAVAILABLE');
    expect(r.body.path).toEqual(['resources', 'gpus']);
  });

  it('answers unknown runs and routes with 404 in the error shape', async () => {
    const r = await s.json('/runs/no-such-run');
    expect(r.status).toBe(404);
    expectErrorShape(r.body, 'TLORC_RUN_NOT_FOUND');
    const e = await s.json('/runs/no-such-run/events');
    expect(e.status).toBe(404);
    const n = await s.json('/nothing-here');
    expect(n.status).toBe(404);
    expectErrorShape(n.body, 'TLORC_API_NOT_FOUND');
    const q = await s.json('/runs?status=done');
    expect(q.status).toBe(400);
    expect(q.body.issues[0].path).toEqual(['query', 'status']);
  });

  it('lists runs newest first, filtered by status, paginated', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await s.submit(`list-${i}`, { script: 'stream.py', env: { TLORC_FX_EVENTS: '2' } })).id);
    for (const id of ids) await s.waitFor(id, isFinal);
    const first = await s.json('/runs?limit=2&status=completed');
    expect(first.body.runs.map((r: any) => r.id)).toEqual([ids[4], ids[3]]);
    expect(first.body.total).toBeGreaterThanOrEqual(5);
    const second = await s.json(`/runs?limit=2&status=completed&cursor=${first.body.nextCursor}`);
    expect(second.body.runs.map((r: any) => r.id)).toEqual([ids[2], ids[1]]);
    expect((await s.json('/runs?status=running,queued')).body.runs).toEqual([]);
    const one = await s.json(`/runs/${ids[0]}`);
    expect(one.body).toMatchObject({ id: ids[0], status: 'completed', final: { val: { accuracy: 0.55 } }, spec: { name: 'list-0' } });
    expect(one.body).not.toHaveProperty('launch');
  });

  it('serves the catalog, the spec schema and a generated OpenAPI document', async () => {
    const cat = await s.json('/catalog');
    expect(cat.body.map((b: any) => b.name)).toEqual(expect.arrayContaining(['mobilenet', 'resnet50']));
    const schema = await s.json('/schema');
    expect(schema.body.properties).toHaveProperty('backbone');
    const doc = (await s.json('/openapi.json')).body;
    expect(doc.openapi).toBe('3.1.0');
    for (const p of ['/v1/runs', '/v1/runs/{id}', '/v1/runs/{id}/events', '/v1/runs/{id}/cancel', '/v1/runs/{id}/artifacts', '/v1/runs/{id}/artifacts/{path}', '/v1/validate', '/v1/generate', '/v1/catalog', '/v1/schema', '/v1/healthz', '/v1/readyz'])
      expect(doc.paths, p).toHaveProperty([p]);
    expect(doc.components.schemas.Error.properties.code.enum).toContain('TLORC_SPEC_INVALID');
    expect(doc.components.schemas.Spec.properties).toHaveProperty('optimizer');
    expect(doc.paths['/v1/runs'].post.requestBody.content).toHaveProperty(['application/yaml']);
    // the errors every body route can answer are documented on each of them
    for (const p of ['/v1/runs', '/v1/validate', '/v1/generate']) expect(Object.keys(doc.paths[p].post.responses), p).toEqual(expect.arrayContaining(['400', '413', '415']));
    expect(doc.paths['/v1/runs/{id}'].get.responses).toHaveProperty(['400']);
    expect(doc.components.schemas.ValidationReport.properties.data.properties).toHaveProperty('notes');
    expect(JSON.stringify(doc)).not.toContain('#/$defs/');
    const refs = [...JSON.stringify(doc).matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
    for (const r of refs) expect(doc.components.schemas, r).toHaveProperty([r]);
  });
});

describe('API with a token', () => {
  const token = 'test-token-0123456789abcdef';
  let s: TestServer;
  const lines: string[] = [];
  beforeAll(async () => {
    const stream = new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) });
    s = await testServer({ token, logger: { level: 'info', stream } });
  });
  afterAll(() => s.close());

  it('requires the bearer token on every route but health, and never logs it', async () => {
    const raw = (p: string, headers: Record<string, string> = {}) => fetch(`${s.url}/v1${p}`, { headers });
    for (const p of ['/runs', '/runs/x', '/runs/x/events', '/runs/x/artifacts', '/catalog', '/schema', '/openapi.json', '/no-route']) {
      const r = await raw(p);
      expect(r.status, p).toBe(401);
      expect(r.headers.get('www-authenticate')).toBe('Bearer');
      expectErrorShape(await r.json(), 'TLORC_API_UNAUTHORIZED');
      expect((await raw(p, { authorization: 'Bearer wrong-token-xxxxxxxx' })).status).toBe(401);
      expect((await raw(p, { authorization: token })).status).toBe(401);
    }
    const post = await fetch(`${s.url}/v1/runs/x/cancel`, { method: 'POST' });
    expect(post.status).toBe(401);
    expect((await raw('/healthz')).status).toBe(200);
    expect((await raw('/readyz')).status).toBe(200);
    expect((await s.json('/catalog')).status).toBe(200);
    expect((await s.json('/runs')).status).toBe(200);
    const log = lines.join('');
    expect(log).toContain('"url":"/v1/catalog"');
    expect(log).toContain('[redacted]');
    expect(log).not.toContain(token);
    expect(log).not.toContain('wrong-token-xxxxxxxx');
  });

  it('documents the bearer scheme in OpenAPI', async () => {
    const doc = (await s.json('/openapi.json')).body;
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/v1/runs'].get.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/v1/healthz'].get.security).toBeUndefined();
  });
});
