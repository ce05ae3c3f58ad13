/** Server test helpers: a real server on loopback (port 0) whose runs execute fixture scripts. */
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startServer, type ListeningServer, type ServerOptions } from '../../src/server/index.js';
import { createRunDir, newRunId, RUN_FILES, writeJsonAtomic } from '../../src/runners/run-dir.js';
import type { PreparedRun } from '../../src/runners/types.js';
import type { NormalizedSpec } from '../../src/spec/normalized.js';
import type { PrepareOptions } from '../../src/sdk/prepare.js';
import { fixture, python, sharedData, tmpDir } from '../helpers.js';

export interface FixtureSpec {
  /** A script in test/fixtures. */
  script: string;
  env?: Record<string, string>;
}

/** A PreparedRun whose script is a fixture (chosen by the spec's name), in a real run directory. */
export function fixturePrepare(fixtures: Map<string, FixtureSpec>) {
  return (spec: NormalizedSpec, options: PrepareOptions): PreparedRun => {
    const fx = fixtures.get(spec.name) ?? { script: 'stream.py' };
    const runId = newRunId(spec.name);
    const runDir = createRunDir(options.outputDir ?? spec.output, runId);
    const scriptPath = path.join(runDir, 'train.py');
    copyFileSync(fixture(fx.script), scriptPath);
    writeFileSync(path.join(runDir, RUN_FILES.specYaml), `# fixture run of ${spec.name}\n`);
    writeJsonAtomic(path.join(runDir, RUN_FILES.state), { runId, name: spec.name, status: 'queued', runner: options.runner ?? 'local', createdAt: new Date().toISOString() });
    return { runId, runDir, spec, scriptPath, env: { TLORC_RUN_ID: runId, TLORC_RUN_DIR: runDir, ...(fx.env ?? {}) }, inputPaths: [], dryRun: false };
  };
}

/** A small valid spec reading flowers3 (relative to the server's data root, the shared data folder). */
export const fixtureSpec = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'tlorc/v1',
  name,
  task: 'image_classification',
  framework: 'pytorch',
  backbone: { name: 'mobilenet_v2', weights: 'none' },
  data: { type: 'image_folder', root: 'flowers3', max_per_class: 2 },
  epochs: 1,
  ...extra,
});

export interface TestServer extends ListeningServer {
  home: string;
  fixtures: Map<string, FixtureSpec>;
  api: (p: string, init?: RequestInit) => Promise<Response>;
  json: <T = any>(p: string, init?: RequestInit) => Promise<{ status: number; body: T; headers: Headers }>;
  submit: (name: string, fx?: FixtureSpec, extra?: Record<string, unknown>) => Promise<any>;
  waitFor: (runId: string, pred: (run: any) => boolean, timeoutMs?: number) => Promise<any>;
}

export async function testServer(options: ServerOptions & { home?: string } = {}): Promise<TestServer> {
  const home = options.home ?? tmpDir('tlorc-server-');
  const fixtures = new Map<string, FixtureSpec>();
  const server = await startServer({
    port: 0,
    logger: false,
    python: python(),
    dataRoots: [sharedData()],
    runsDir: path.join(home, 'runs'),
    store: path.join(home, 'tlorc.db'),
    prepare: fixturePrepare(fixtures),
    cancelGraceS: 2,
    ...options,
    // `prepare: undefined` in options means the real prepareRun (real generated scripts)
    ...('prepare' in options && options.prepare === undefined ? { prepare: undefined } : {}),
  });
  const auth: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  const api = (p: string, init: RequestInit = {}) => fetch(`${server.url}/v1${p}`, { ...init, headers: { ...auth, ...((init.headers as Record<string, string>) ?? {}) } });
  const json = async (p: string, init: RequestInit = {}) => {
    const res = await api(p, init);
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };
  const submit = async (name: string, fx?: FixtureSpec, extra: Record<string, unknown> = {}) => {
    if (fx) fixtures.set(name, fx);
    const r = await json('/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ spec: fixtureSpec(name, extra) }) });
    if (r.status !== 201) throw new Error(`submit ${name}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const waitFor = async (runId: string, pred: (run: any) => boolean, timeoutMs = 30_000) => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const { body } = await json(`/runs/${runId}`);
      if (pred(body)) return body;
      if (Date.now() > end) throw new Error(`timed out waiting on ${runId}: ${JSON.stringify(body)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return Object.assign(server, { home, fixtures, api, json, submit, waitFor });
}

export const isFinal = (r: { status: string }) => ['completed', 'failed', 'cancelled'].includes(r.status);

/** Read an SSE response into parsed frames (until the server ends it or `stop` says so). */
export async function readSse(res: Response, stop?: (ev: { id?: string; event: string; data: any }) => boolean) {
  const { SseParser } = await import('../../src/client/sse.js');
  const parser = new SseParser();
  const out: { id?: string; event: string; data: any }[] = [];
  const decoder = new TextDecoder();
  const reader = res.body!.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      for (const ev of parser.push(decoder.decode(value, { stream: true }))) {
        const parsed = { ...(ev.id !== undefined ? { id: ev.id } : {}), event: ev.event, data: JSON.parse(ev.data) };
        out.push(parsed);
        if (stop?.(parsed)) return out;
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return out;
}
