/** Liveness and readiness; the only routes that need no token. */
import type { FastifyInstance } from 'fastify';
import { defineRoute } from '../route.js';
import { HealthSchema, ReadySchema } from '../schemas.js';

export async function healthRoutes(app: FastifyInstance): Promise<void> {
  const ctx = app.tlorc;
  defineRoute(
    app,
    { method: 'GET', url: '/healthz', tag: 'health', summary: 'Liveness: the process answers', auth: false, responses: { 200: { description: 'Alive', schema: HealthSchema } } },
    async () => ({ status: 'ok' as const, version: ctx.version }),
  );
  defineRoute(
    app,
    {
      method: 'GET',
      url: '/readyz',
      tag: 'health',
      summary: 'Readiness: the store answers and the server accepts runs',
      auth: false,
      responses: { 200: { description: 'Ready', schema: ReadySchema }, 503: { description: 'Not ready', schema: ReadySchema } },
    },
    async ({ reply }) => {
      const checks: Record<string, { ok: boolean; detail?: string }> = {};
      try {
        ctx.store.getMeta('server');
        checks.store = { ok: true };
      } catch (e) {
        checks.store = { ok: false, detail: (e as Error).message };
      }
      checks.accepting = ctx.runs.accepting ? { ok: true } : { ok: false, detail: 'shutting down' };
      const ready = Object.values(checks).every((c) => c.ok);
      if (!ready) void reply.code(503);
      return { ready, checks, queue: ctx.runs.scheduler.stats() };
    },
  );
}
