/**
 * GET /runs/:id/events: the run's events as Server-Sent Events. History first, then live;
 * `id:` is the event's seq, so a client that reconnects with Last-Event-ID (or ?after=)
 * gets exactly the events it has not seen. The stream ends after the terminal event with
 * an `end` frame; a stream that closes without one was interrupted: reconnect.
 */
import type { FastifyInstance } from 'fastify';
import { TlorcError } from '../../errors/index.js';
import type { StoredEvent } from '../../store/types.js';
import { defineRoute } from '../route.js';
import { SseStream, frame } from '../sse.js';
import { ErrorBodySchema, EventsQuerySchema, RunParamsSchema } from '../schemas.js';

/** SSE text of each stored event, built once however many clients follow the run. */
const frames = new WeakMap<StoredEvent, string>();
const frameOf = (ev: StoredEvent): string => {
  let f = frames.get(ev);
  if (f === undefined) {
    f = frame({ id: ev.seq, data: ev.json });
    frames.set(ev, f);
  }
  return f;
};

function lastEventId(header: string | string[] | undefined): number | undefined {
  const v = Array.isArray(header) ? header[0] : header;
  if (v === undefined || v.trim() === '') return undefined;
  const n = /^\s*\d+\s*$/.test(v) ? Number(v) : NaN; // digits only: not 1e1, 0x3 or -0
  if (!Number.isSafeInteger(n)) throw new TlorcError('TLORC_API_BAD_REQUEST', `Last-Event-ID must be an event seq (a non-negative integer); got "${v.slice(0, 40)}".`);
  return n;
}

export async function eventsRoutes(app: FastifyInstance): Promise<void> {
  const ctx = app.tlorc;
  defineRoute(
    app,
    {
      method: 'GET',
      url: '/runs/:id/events',
      tag: 'runs',
      summary: 'Stream a run\'s events (SSE)',
      description:
        'text/event-stream. Each frame: `id: <seq>` and `data: <event JSON>` (protocol v1). History first, then live events; ends with `event: end` after the terminal event. Resume with the Last-Event-ID header (or ?after=<seq>): no event is lost or repeated.',
      params: RunParamsSchema,
      query: EventsQuerySchema,
      responses: {
        200: { description: 'The event stream', contentType: 'text/event-stream' },
        404: { description: 'No such run', schema: ErrorBodySchema },
      },
    },
    async ({ params, query, req, reply }) => {
      const run = ctx.store.getRun(params.id);
      if (!run) throw new TlorcError('TLORC_RUN_NOT_FOUND', `No run with id ${params.id}.`);
      const after = lastEventId(req.headers['last-event-id']) ?? query.after ?? 0;
      reply.hijack();
      const sse = new SseStream(reply.raw, ctx.config.heartbeatMs, { 'x-tlorc-run-status': run.status });
      const abort = new AbortController();
      reply.raw.on('close', () => abort.abort());
      let last = after;
      let ended = false;
      try {
        for await (const batch of ctx.feed.followBatches(params.id, after, { signal: abort.signal })) {
          // one write per committed batch: fewer syscalls when many clients follow a busy run
          await sse.write(batch.length === 1 ? frameOf(batch[0]!) : batch.map(frameOf).join(''));
          last = batch[batch.length - 1]!.seq;
          if (sse.isClosed) break;
        }
        ended = !sse.isClosed;
      } catch (e) {
        req.log.error({ err: e, runId: params.id }, 'event stream failed');
      }
      if (ended) {
        const rec = ctx.store.getRun(params.id);
        await sse.write(frame({ event: 'end', data: JSON.stringify({ runId: params.id, status: rec?.status, lastSeq: rec ? Math.min(last, rec.lastSeq) : last }) }));
      }
      sse.end();
      req.log.info({ runId: params.id, after, last, complete: ended }, 'event stream closed');
    },
  );
}
