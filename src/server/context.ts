/** What every route plugin shares, decorated once on the root instance as `app.tlorc`. */
import type { EventFeed } from '../store/feed.js';
import type { RunRecord, RunStore } from '../store/types.js';
import type { ServerConfig } from './options.js';
import type { RunManager } from './run-manager.js';

export interface ServerContext {
  config: ServerConfig;
  store: RunStore;
  feed: EventFeed;
  runs: RunManager;
  version: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    tlorc: ServerContext;
  }
}

/** A run as the API shows it (no server-internal launch data). */
export function runView(ctx: ServerContext, r: RunRecord, detail = false) {
  const pos = r.status === 'queued' ? ctx.runs.scheduler.position(r.id) : -1;
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    runner: r.runner,
    createdAt: r.createdAt,
    ...(r.startedAt ? { startedAt: r.startedAt } : {}),
    ...(r.endedAt ? { endedAt: r.endedAt } : {}),
    ...(r.final ? { final: r.final } : {}),
    ...(r.error ? { error: r.error } : {}),
    ...(r.gpus ? { gpus: r.gpus } : {}),
    gpuRequest: r.gpuRequest,
    lastSeq: r.lastSeq,
    ...(pos >= 0 ? { queuePosition: pos } : {}),
    ...(detail ? { spec: r.spec, runDir: r.runDir } : {}),
  };
}
