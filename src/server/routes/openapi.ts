/** GET /openapi.json: the generated OpenAPI document (built once, after every route is declared). */
import type { FastifyInstance } from 'fastify';
import { defineRoute } from '../route.js';
import { buildOpenApi } from '../openapi.js';

export async function openapiRoutes(app: FastifyInstance): Promise<void> {
  const ctx = app.tlorc;
  let doc: Record<string, unknown> | undefined;
  defineRoute(
    app,
    { method: 'GET', url: '/openapi.json', tag: 'meta', summary: 'This API, as OpenAPI 3.1', responses: { 200: { description: 'The OpenAPI document' } } },
    async () => (doc ??= buildOpenApi(app.apiRoutes, { version: ctx.version, auth: ctx.config.token !== null })),
  );
}
