/**
 * The tlorc server: fastify with one error handler, body parsers, bearer auth and the
 * /v1 route plugins (one concern per file), over a run store, an event feed and the run
 * manager. `createServer` builds it (and recovers runs left in flight); `startServer`
 * also listens.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { TlorcError } from '../errors/index.js';
import { packageRoot } from '../paths.js';
import { EventFeed } from '../store/feed.js';
import { openStore } from '../store/index.js';
import type { RunStore } from '../store/types.js';
import { isAlive } from '../store/owner.js';
import { installAuth } from './auth.js';
import { installBodyParsers } from './body-parsers.js';
import type { ServerContext } from './context.js';
import { installErrorHandler } from './error-handler.js';
import { normalizeOptions, type ServerConfig, type ServerOptions } from './options.js';
import { recoverRuns, type RecoveryReport } from './recovery.js';
import { RunManager } from './run-manager.js';
import { artifactsRoutes } from './routes/artifacts.js';
import { eventsRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { openapiRoutes } from './routes/openapi.js';
import { runsRoutes } from './routes/runs.js';
import { specsRoutes } from './routes/specs.js';

export const API_PREFIX = '/v1';

export interface TlorcServer {
  app: FastifyInstance;
  ctx: ServerContext;
  recovery: RecoveryReport;
  /** Stop: refuse new runs, cancel running ones (queued ones stay queued), close the store. */
  close(): Promise<void>;
}

export interface ListeningServer extends TlorcServer {
  /** Base URL, e.g. http://127.0.0.1:7878 (routes are under /v1). */
  url: string;
}

const claimed = new Set<string>();
const META_OWNER = 'server';

interface Owner {
  pid: number;
  host: string;
  url?: string;
  startedAt: string;
}

/** One server per store: a second one would start the same queued runs twice. */
function claimStore(store: RunStore): void {
  if (claimed.has(store.location)) throw new TlorcError('TLORC_STORE_IN_USE', `The run store ${store.location} is in use by another tlorc server in this process.`);
  // check and claim in one transaction: two servers starting at once cannot both win
  store.updateMeta(META_OWNER, (raw) => {
    const owner = raw ? (JSON.parse(raw) as Owner) : undefined;
    if (owner !== undefined && owner.host === os.hostname() && owner.pid !== process.pid && isAlive(owner.pid))
      throw new TlorcError('TLORC_STORE_IN_USE', `The run store ${store.location} is in use by another tlorc server${owner.url ? ` (${owner.url}, pid ${owner.pid})` : ` (pid ${owner.pid})`}.`);
    return JSON.stringify({ pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() } satisfies Owner);
  });
  claimed.add(store.location);
}

function releaseStore(store: RunStore): void {
  claimed.delete(store.location);
  try {
    const raw = store.getMeta(META_OWNER);
    if (raw && (JSON.parse(raw) as Owner).pid === process.pid) store.setMeta(META_OWNER, undefined);
  } catch {
    /* store already closed */
  }
}

/** The server that owns a store, if it is running (the CLI uses it to talk to that server). */
export function storeOwner(store: RunStore): Owner | undefined {
  const raw = store.getMeta(META_OWNER);
  const owner = raw ? (JSON.parse(raw) as Owner) : undefined;
  return owner && owner.host === os.hostname() && isAlive(owner.pid) ? owner : undefined;
}

function loggerOptions(cfg: ServerConfig): boolean | Record<string, unknown> {
  if (cfg.logger === false) return false;
  return {
    level: 'info',
    // the token must never reach a log, whatever a serializer includes
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization'], censor: '[redacted]' },
    serializers: {
      req: (req: { method: string; url: string; ip?: string; socket?: { remoteAddress?: string }; headers: Record<string, unknown> }) => ({
        method: req.method,
        url: req.url,
        remoteAddress: req.ip ?? req.socket?.remoteAddress,
        headers: {
          'user-agent': req.headers['user-agent'],
          'content-type': req.headers['content-type'],
          'content-length': req.headers['content-length'],
          'last-event-id': req.headers['last-event-id'],
          authorization: req.headers.authorization,
        },
      }),
    },
    ...(typeof cfg.logger === 'object' ? cfg.logger : {}),
  };
}

const version = (): string => (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;

export async function createServer(options: ServerOptions = {}): Promise<TlorcServer> {
  const cfg = normalizeOptions(options);
  const ownsStore = typeof cfg.store === 'string';
  let store: RunStore;
  try {
    store = typeof cfg.store === 'string' ? openStore(cfg.store) : cfg.store;
  } catch (e) {
    throw new TlorcError('TLORC_SERVER_START_FAILED', `Cannot open the run store ${String(cfg.store)}: ${(e as Error).message}.`, { cause: e });
  }
  try {
    claimStore(store);
  } catch (e) {
    if (ownsStore) store.close();
    throw e;
  }
  const app = Fastify({ logger: loggerOptions(cfg), bodyLimit: cfg.bodyLimit, forceCloseConnections: true, return503OnClosing: false });
  const feed = new EventFeed(store);
  const runs = new RunManager(cfg, store, feed, app.log);
  const ctx: ServerContext = { config: cfg, store, feed, runs, version: version() };
  app.decorate('tlorc', ctx);
  app.decorate('apiRoutes', []);
  installErrorHandler(app);
  // While closing, requests still get answers in tlorc's shape (readyz says accepting: false,
  // POST /runs says TLORC_SERVER_SHUTTING_DOWN); once the store is closed, every route says so.
  let storeClosed = false;
  app.addHook('onRequest', async () => {
    if (storeClosed) throw new TlorcError('TLORC_SERVER_SHUTTING_DOWN', 'The server is shutting down.');
  });
  installBodyParsers(app);
  installAuth(app, cfg.token);
  await app.register(
    async (v1) => {
      await v1.register(healthRoutes);
      await v1.register(runsRoutes);
      await v1.register(eventsRoutes);
      await v1.register(artifactsRoutes);
      await v1.register(specsRoutes);
      await v1.register(openapiRoutes);
    },
    { prefix: API_PREFIX },
  );
  let closed: Promise<void> | undefined;
  app.addHook('preClose', async () => {
    await runs.close();
  });
  app.addHook('onClose', async () => {
    storeClosed = true;
    releaseStore(store);
    if (ownsStore) store.close();
  });
  await app.ready();
  let recovery: RecoveryReport;
  try {
    recovery = await recoverRuns(store, feed, runs, app.log, cfg.cancelGraceS * 1000);
  } catch (e) {
    await app.close();
    throw e;
  }
  if (recovery.requeued.length || recovery.interrupted.length || recovery.ended.length) app.log.info(recovery, 'recovered runs left in flight by the previous server');
  return { app, ctx, recovery, close: () => (closed ??= app.close()) };
}

export async function startServer(options: ServerOptions = {}): Promise<ListeningServer> {
  const server = await createServer(options);
  const { host, port } = server.ctx.config;
  try {
    await server.app.listen({ host, port });
  } catch (e) {
    await server.close();
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? `port ${port} is in use` : code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' ? `${host} is not an address of this machine` : code === 'EACCES' ? `no permission to listen on port ${port}` : (e as Error).message;
    throw new TlorcError('TLORC_SERVER_START_FAILED', `Cannot listen on ${host}:${port}: ${why}.`, { cause: e });
  }
  const addr = server.app.server.address();
  const actualPort = typeof addr === 'object' && addr ? addr.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
  const store = server.ctx.store;
  const raw = store.getMeta(META_OWNER);
  if (raw) store.setMeta(META_OWNER, JSON.stringify({ ...(JSON.parse(raw) as Owner), url }));
  server.ctx.runs.url = url;
  return { ...server, url };
}
