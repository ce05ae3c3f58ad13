/** /runs: submit, list, show, cancel. */
import type { FastifyInstance } from 'fastify';
import { TlorcError } from '../../errors/index.js';
import { defineRoute } from '../route.js';
import { runView } from '../context.js';
import { YAML_TYPES } from '../body-parsers.js';
import { CancelRequestSchema, ErrorBodySchema, ListQuerySchema, RunDetailSchema, RunPageSchema, RunParamsSchema, SpecRequestSchema } from '../schemas.js';

const err = (description: string) => ({ description, schema: ErrorBodySchema });

export async function runsRoutes(app: FastifyInstance): Promise<void> {
  const ctx = app.tlorc;

  defineRoute(
    app,
    {
      method: 'POST',
      url: '/runs',
      tag: 'runs',
      summary: 'Submit a run',
      description:
        'Validates the spec (field-path issues on error), checks its data paths against the server\'s data roots, checks the data, generates the script and queues the run. Body: a SpecRequest, a bare spec as JSON, or a spec as YAML.',
      body: SpecRequestSchema,
      bodyMediaTypes: Object.fromEntries(YAML_TYPES.slice(0, 1).map((t) => [t, { description: 'The spec as YAML text.' }])),
      responses: {
        201: { description: 'Queued. Location: /v1/runs/{id}', schema: RunDetailSchema },
        400: err('Unparsable body or spec syntax'),
        403: err('A data path outside the data roots'),
        413: err('Body too large'),
        422: err('Invalid spec, data or GPU request'),
      },
    },
    async ({ body, reply }) => {
      const rec = await ctx.runs.submit(body);
      void reply.code(201).header('location', `${app.prefix}/runs/${rec.id}`);
      return runView(ctx, rec, true);
    },
  );

  defineRoute(
    app,
    {
      method: 'GET',
      url: '/runs',
      tag: 'runs',
      summary: 'List runs',
      description: 'Newest first, filtered by status, paginated with an opaque cursor.',
      query: ListQuerySchema,
      responses: { 200: { description: 'A page of runs', schema: RunPageSchema }, 400: err('Bad query') },
    },
    async ({ query }) => {
      const page = ctx.store.listRuns({ ...(query.status ? { status: query.status } : {}), ...(query.limit ? { limit: query.limit } : {}), ...(query.cursor ? { cursor: query.cursor } : {}) });
      return { runs: page.runs.map((r) => runView(ctx, r)), total: page.total, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
    },
  );

  defineRoute(
    app,
    {
      method: 'GET',
      url: '/runs/:id',
      tag: 'runs',
      summary: 'Get a run',
      params: RunParamsSchema,
      responses: { 200: { description: 'The run', schema: RunDetailSchema }, 404: err('No such run') },
    },
    async ({ params }) => {
      const rec = ctx.store.getRun(params.id);
      if (!rec) throw new TlorcError('TLORC_RUN_NOT_FOUND', `No run with id ${params.id}.`);
      return runView(ctx, rec, true);
    },
  );

  defineRoute(
    app,
    {
      method: 'POST',
      url: '/runs/:id/cancel',
      tag: 'runs',
      summary: 'Cancel a queued or running run',
      description: 'A queued run is cancelled at once. A running one is stopped (graceful, then forced); the answer comes when it has ended, or 202 if it takes longer than the grace period.',
      params: RunParamsSchema,
      body: CancelRequestSchema,
      responses: {
        200: { description: 'The run, now cancelled (or ended otherwise meanwhile)', schema: RunDetailSchema },
        202: { description: 'Cancel requested; the run is still stopping', schema: RunDetailSchema },
        404: err('No such run'),
        409: err('The run has already ended'),
      },
    },
    async ({ params, body, reply }) => {
      const rec = await ctx.runs.cancel(params.id, body?.reason ?? 'cancelled by API request');
      if (rec.status === 'running' || rec.status === 'queued') void reply.code(202);
      return runView(ctx, rec, true);
    },
  );
}
