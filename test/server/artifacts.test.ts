/** Artifacts: list and download a run's files; no request can read outside the run directory. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import http from 'node:http';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { testServer, isFinal, type TestServer } from './helpers.js';
import { tmpDir } from '../helpers.js';

/** A request with the path sent exactly as written (fetch would normalize `..`). */
function rawGet(url: string, rawPath: string): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, path: rawPath, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('artifacts', () => {
  let s: TestServer;
  let run: any;
  const secret = path.join(tmpDir('tlorc-secret-'), 'secret.txt');
  beforeAll(async () => {
    s = await testServer();
    writeFileSync(secret, 'TOP-SECRET');
    run = await s.waitFor((await s.submit('art', { script: 'stream.py', env: { TLORC_FX_EVENTS: '3' } })).id, isFinal);
    mkdirSync(path.join(run.runDir, 'model'));
    writeFileSync(path.join(run.runDir, 'model', 'weights.bin'), Buffer.from([0, 1, 2, 3, 255]));
    symlinkSync(secret, path.join(run.runDir, 'leak.txt'));
    symlinkSync(path.dirname(secret), path.join(run.runDir, 'leakdir'));
    symlinkSync(path.join(run.runDir, 'train.py'), path.join(run.runDir, 'inner-link.py'));
  });
  afterAll(() => s.close());

  it('lists regular files (not symlinks) relative to the run directory', async () => {
    const { body } = await s.json(`/runs/${run.id}/artifacts`);
    const names = body.files.map((f: any) => f.path);
    expect(names).toEqual(expect.arrayContaining(['events.ndjson', 'run.json', 'run.log', 'spec.yaml', 'summary.json', 'train.py', 'model/weights.bin']));
    expect(names.some((n: string) => n.includes('leak') || n.includes('inner-link'))).toBe(false);
    expect(body.files.find((f: any) => f.path === 'model/weights.bin').size).toBe(5);
  });

  it('downloads files, nested ones included, byte for byte', async () => {
    const ev = await s.api(`/runs/${run.id}/artifacts/events.ndjson`);
    expect(ev.status).toBe(200);
    expect(ev.headers.get('content-type')).toMatch(/ndjson/);
    expect(ev.headers.get('content-disposition')).toBe('attachment; filename="events.ndjson"');
    expect(await ev.text()).toBe(readFileSync(path.join(run.runDir, 'events.ndjson'), 'utf8'));
    const bin = await s.api(`/runs/${run.id}/artifacts/model/weights.bin`);
    expect([...new Uint8Array(await bin.arrayBuffer())]).toEqual([0, 1, 2, 3, 255]);
  });

  it('rejects every way out of the run directory', async () => {
    const base = `/v1/runs/${run.id}/artifacts/`;
    const forbidden = [
      '../../../../../../etc/passwd',
      '%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '..%2f..%2f..%2f..%2fetc%2fpasswd',
      '%2e%2e%2f%2e%2e%2fsummary.json',
      'model/../../summary.json',
      '/etc/passwd',
      '%2fetc%2fpasswd',
      '..%5c..%5cetc%5cpasswd',
      'events.ndjson%00.txt',
      'leak.txt',
      'leakdir/secret.txt',
      'inner-link.py',
    ];
    for (const p of forbidden) {
      const r = await rawGet(s.url, base + p);
      expect(r.status, p).toBe(403);
      expect(r.body, p).not.toContain('TOP-SECRET');
      expect(r.body, p).not.toContain('root:');
      const body = JSON.parse(r.body);
      expect(body.code, p).toBe('TLORC_ARTIFACT_PATH_FORBIDDEN');
      expect(body.hint, p).toEqual(expect.any(String));
    }
    const id = await rawGet(s.url, `/v1/runs/..%2f..%2fetc/artifacts/passwd`);
    expect(id.status).toBe(400);
  });

  it('answers 404 for missing files and directories', async () => {
    expect((await s.json(`/runs/${run.id}/artifacts/nope.txt`)).body.code).toBe('TLORC_ARTIFACT_NOT_FOUND');
    expect((await s.json(`/runs/${run.id}/artifacts/model`)).status).toBe(404);
    expect((await s.json(`/runs/nope/artifacts`)).body.code).toBe('TLORC_RUN_NOT_FOUND');
  });
});
