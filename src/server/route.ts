/**
 * Declaring a route: one record says what the route accepts (zod), what it answers and how
 * it is documented. `defineRoute` registers it with fastify, validates params, query and
 * body with the same zod schemas before the handler runs, and keeps the record for the
 * OpenAPI document.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import type { z } from 'zod';
import { TlorcError } from '../errors/index.js';
import type { Issue } from '../spec/issues.js';

export interface ResponseDoc {
  description: string;
  schema?: z.ZodType;
  /** Media type when not JSON (text/event-stream, application/octet-stream, ...). */
  contentType?: string;
}

export interface RouteDef<P extends z.ZodType | undefined, Q extends z.ZodType | undefined, B extends z.ZodType | undefined> {
  method: HTTPMethods;
  /** Path under the API prefix, e.g. /runs/:id */
  url: string;
  summary: string;
  description?: string;
  tag: string;
  params?: P;
  query?: Q;
  body?: B;
  /** Extra request media types documented for the body (e.g. application/yaml). */
  bodyMediaTypes?: Record<string, { description: string }>;
  responses: Record<number, ResponseDoc>;
  /** false for the routes that need no token (health). */
  auth?: boolean;
}

type Out<T> = T extends z.ZodType ? z.output<T> : undefined;

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  req: FastifyRequest;
  reply: FastifyReply;
}

export interface DocumentedRoute extends RouteDef<z.ZodType | undefined, z.ZodType | undefined, z.ZodType | undefined> {
  fullUrl: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route declared with defineRoute, for the OpenAPI document. */
    apiRoutes: DocumentedRoute[];
  }
  interface FastifyContextConfig {
    /** false: the route needs no bearer token. */
    auth?: boolean;
  }
}

function validate<T extends z.ZodType>(schema: T, value: unknown, part: string): z.output<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues: Issue[] = r.error.issues.map((i) => ({ code: i.code, path: [part, ...(i.path as (string | number)[])], message: i.message }));
  const first = issues[0]!;
  throw new TlorcError('TLORC_API_BAD_REQUEST', `Invalid ${part}: ${first.path.slice(1).join('.') || part}: ${first.message}`, { issues, path: first.path });
}

export function defineRoute<P extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined>(
  app: FastifyInstance,
  def: RouteDef<P, Q, B>,
  handler: (input: RouteInput<Out<P>, Out<Q>, Out<B>>) => unknown,
): void {
  app.apiRoutes.push({ ...(def as DocumentedRoute), fullUrl: `${app.prefix}${def.url}` });
  app.route({
    method: def.method,
    url: def.url,
    config: { auth: def.auth ?? true },
    handler: async (req, reply) => {
      const params = (def.params ? validate(def.params, req.params, 'params') : undefined) as Out<P>;
      const query = (def.query ? validate(def.query, req.query ?? {}, 'query') : undefined) as Out<Q>;
      const body = (def.body ? validate(def.body, req.body, 'body') : undefined) as Out<B>;
      return handler({ params, query, body, req, reply });
    },
  });
}
