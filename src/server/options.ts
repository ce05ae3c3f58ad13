/**
 * Server options, normalized in one pass: copy the input, apply every default here,
 * validate, and hand the rest of the server a complete, frozen config.
 */
import { mkdirSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { TlorcError } from '../errors/index.js';
import { tlorcHome } from '../python/env.js';
import type { Runner, RunnerKind, PreparedRun } from '../runners/types.js';
import type { NormalizedSpec } from '../spec/normalized.js';
import { defaultStorePath, type RunStore } from '../store/index.js';
import type { PrepareOptions } from '../sdk/prepare.js';

export interface ServerOptions {
  /** Interface to bind. Default 127.0.0.1 (loopback only). */
  host?: string;
  /** Port; 0 picks a free one. Default 7878. */
  port?: number;
  /** When set, every route but /healthz and /readyz needs `Authorization: Bearer <token>`. */
  token?: string;
  /** Runs executing at once. Default 1. */
  concurrency?: number;
  /** GPU slots: a count (ids 0..n-1) or explicit device ids. Default none. */
  gpus?: number | string[];
  /** Folders specs may read data and weights from. Default [$TLORC_HOME/data]. */
  dataRoots?: string[];
  /** Where run folders are created. Default $TLORC_HOME/runs. */
  runsDir?: string;
  /** The run store file, or an open store. Default $TLORC_STORE, else $TLORC_HOME/tlorc.db. */
  store?: string | RunStore;
  /** Request body limit in bytes. Default 1 MiB. */
  bodyLimit?: number;
  /** Seconds between a graceful stop and a forced kill when cancelling. Default 10. */
  cancelGraceS?: number;
  /** SSE heartbeat comment interval, ms. Default 15000. */
  heartbeatMs?: number;
  /** Python for local runs (default: TLORC_PYTHON or the managed environment). */
  python?: string;
  /** pino logger options, or false to log nothing. Default: info to stdout. */
  logger?: boolean | Record<string, unknown>;
  /** Runner factory (tests inject fixtures here). Default: the runner registry. */
  runner?: (kind: RunnerKind) => Promise<Runner>;
  /** Turns a validated spec into a run directory. Default: the SDK's prepareRun. */
  prepare?: (spec: NormalizedSpec, options: PrepareOptions) => PreparedRun;
}

export interface ServerConfig {
  host: string;
  port: number;
  token: string | null;
  concurrency: number;
  gpuSlots: string[];
  dataRoots: string[];
  runsDir: string;
  store: string | RunStore;
  bodyLimit: number;
  cancelGraceS: number;
  heartbeatMs: number;
  python: string | undefined;
  logger: boolean | Record<string, unknown>;
  runner: ((kind: RunnerKind) => Promise<Runner>) | undefined;
  prepare: ((spec: NormalizedSpec, options: PrepareOptions) => PreparedRun) | undefined;
}

const bad = (message: string, hint?: string) => new TlorcError('TLORC_API_BAD_REQUEST', message, hint ? { hint } : {});

function positiveInt(v: number | undefined, def: number, name: string, min = 1): number {
  const n = v ?? def;
  if (!Number.isInteger(n) || n < min) throw bad(`${name} must be an integer >= ${min}; got ${String(v)}.`);
  return n;
}

/** Resolve a folder to its real path, creating it when asked (so symlinked roots compare correctly). */
function realDir(dir: string, create: boolean): string {
  const abs = path.resolve(dir);
  if (create) mkdirSync(abs, { recursive: true });
  try {
    return realpathSync(abs);
  } catch {
    throw new TlorcError('TLORC_DATA_NOT_FOUND', `Data root does not exist: ${abs}`, { hint: 'Create it, or pass an existing folder to --data-root.' });
  }
}

export function normalizeOptions(input: ServerOptions = {}): ServerConfig {
  const o = { ...input };
  const home = tlorcHome();
  const gpuSlots =
    o.gpus === undefined ? [] : typeof o.gpus === 'number' ? Array.from({ length: positiveInt(o.gpus, 0, 'gpus', 0) }, (_, i) => String(i)) : o.gpus.map(String);
  if (new Set(gpuSlots).size !== gpuSlots.length) throw bad(`GPU ids must be distinct: ${gpuSlots.join(',')}.`);
  const token = o.token ?? process.env.TLORC_TOKEN ?? null;
  if (token !== null && token.length < 8) throw bad('The API token must be at least 8 characters.', 'Generate one with `openssl rand -hex 32`.');
  const defaultRoot = path.join(home, 'data');
  const dataRoots = (o.dataRoots?.length ? o.dataRoots : [defaultRoot]).map((d) => realDir(d, path.resolve(d) === defaultRoot));
  const runsDir = path.resolve(o.runsDir ?? path.join(home, 'runs'));
  mkdirSync(runsDir, { recursive: true });
  return Object.freeze({
    host: o.host ?? '127.0.0.1',
    port: positiveInt(o.port, 7878, 'port', 0),
    token: token || null,
    concurrency: positiveInt(o.concurrency, 1, 'concurrency'),
    gpuSlots,
    dataRoots,
    runsDir: realpathSync(runsDir),
    store: o.store ?? defaultStorePath(),
    bodyLimit: positiveInt(o.bodyLimit, 1024 * 1024, 'bodyLimit'),
    cancelGraceS: o.cancelGraceS ?? 10,
    heartbeatMs: positiveInt(o.heartbeatMs, 15000, 'heartbeatMs'),
    python: o.python,
    logger: o.logger ?? true,
    runner: o.runner,
    prepare: o.prepare,
  });
}
