/**
 * The OpenAPI 3.1 document, generated at startup from the routes' zod schemas (and the
 * spec's own zod schema): never written by hand, so it cannot drift from what the
 * server validates. Schemas with a zod `id` become components.
 */
import { z } from 'zod';
import { specJsonSchema } from '../spec/json-schema.js';
import type { DocumentedRoute } from './route.js';
import { ErrorBodySchema, EventSchema, SpecRequestSchema } from './schemas.js';

type Json = Record<string, unknown>;

const REF = '#/components/schemas/';

class Components {
  readonly schemas: Record<string, Json> = {};

  /** JSON Schema of a zod schema, its $defs hoisted into components. */
  convert(schema: z.ZodType, io: 'input' | 'output'): Json {
    const raw = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Json;
    return this.hoist(raw, io);
  }

  /** The schema itself, or the component a bare $ref points at. */
  deref(js: Json): Json {
    const ref = js.$ref;
    return typeof ref === 'string' && ref.startsWith(REF) && Object.keys(js).length === 1 ? (this.schemas[ref.slice(REF.length)] ?? js) : js;
  }

  /** Adjustments to named schemas (applied before they are compared and stored). */
  constructor(private readonly patches: Record<string, (schema: Json) => void> = {}) {}

  hoist(raw: Json, io: 'input' | 'output'): Json {
    const { $schema: _s, $id: _i, $defs, ...rest } = raw as Json & { $defs?: Record<string, Json> };
    const defs = Object.entries($defs ?? {});
    // the same id converted twice (input and output side) may differ: keep both, suffixed
    const rename = new Map<string, string>(defs.map(([id]) => [id, id]));
    const fix = (v: Json): Json =>
      JSON.parse(JSON.stringify(v).replace(/"#\/\$defs\/([^"]+)"/g, (_m, id: string) => JSON.stringify(REF + (rename.get(id) ?? id)))) as Json;
    const fixed = (id: string, def: Json): Json => {
      const out = fix(def);
      this.patches[id]?.(out);
      return out;
    };
    for (const [id, def] of defs) {
      const existing = this.schemas[id];
      if (existing && JSON.stringify(existing) !== JSON.stringify(fixed(id, def))) rename.set(id, io === 'input' ? `${id}Input` : `${id}Output`);
    }
    for (const [id, def] of defs) this.schemas[rename.get(id)!] ??= fixed(id, def);
    return fix(rest);
  }
}

const toOpenApiPath = (url: string): string => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*$/, '{path}');

export function buildOpenApi(routes: readonly DocumentedRoute[], info: { version: string; auth: boolean }): Json {
  const c = new Components({
    // a spec may be given as text or as an object (the spec's own schema)
    SpecRequest: (schema) => {
      (schema as { properties: Record<string, Json> }).properties.spec = { oneOf: [{ type: 'string', description: 'The spec as YAML or JSON text.' }, { $ref: `${REF}Spec` }] };
    },
  });
  c.schemas.Spec = c.hoist(specJsonSchema(), 'input');
  c.schemas.Event = c.convert(EventSchema, 'output');
  c.convert(ErrorBodySchema, 'output');
  const paths: Record<string, Record<string, Json>> = {};

  for (const r of routes) {
    const p = toOpenApiPath(r.fullUrl);
    const op: Json = { summary: r.summary, tags: [r.tag], operationId: `${r.method.toLowerCase()}${p.replace(/[{}]/g, '').replace(/(^|[/_-])(\w)/g, (_m, _s, ch: string) => ch.toUpperCase())}` };
    if (r.description) op.description = r.description;
    const parameters: Json[] = [];
    for (const [where, schema] of [['path', r.params], ['query', r.query]] as const) {
      if (!schema) continue;
      const js = c.deref(c.convert(schema, 'input')) as { properties?: Record<string, Json>; required?: string[] };
      for (const [name, s] of Object.entries(js.properties ?? {})) {
        const { description, ...sch } = s as Json & { description?: string };
        parameters.push({
          name: name === '*' ? 'path' : name,
          in: where,
          required: where === 'path' || (js.required ?? []).includes(name),
          schema: sch,
          ...(description ? { description } : {}),
        });
      }
    }
    if (r.fullUrl.endsWith('/events'))
      parameters.push({ name: 'Last-Event-ID', in: 'header', required: false, schema: { type: 'string' }, description: 'Resume after this seq (sent by EventSource on reconnect).' });
    if (parameters.length) op.parameters = parameters;
    if (r.body) {
      let body = c.convert(r.body, 'input');
      const content: Record<string, Json> = {};
      if (r.body === SpecRequestSchema) body = { oneOf: [body, { $ref: `${REF}Spec` }] };
      content['application/json'] = { schema: body };
      for (const [type, d] of Object.entries(r.bodyMediaTypes ?? {})) content[type] = { schema: { type: 'string', description: d.description } };
      op.requestBody = { required: !(r.body instanceof z.ZodOptional), content };
    }
    const responses: Record<string, Json> = {};
    for (const [status, resp] of Object.entries(r.responses)) {
      const type = resp.contentType ?? 'application/json';
      const schema = resp.schema
        ? c.convert(resp.schema, 'output')
        : type === 'text/event-stream'
          ? { type: 'string', description: `SSE frames whose data is an ${REF}Event` }
          : type === 'application/json'
            ? {}
            : { type: 'string', format: 'binary' };
      responses[status] = { description: resp.description, content: { [type]: { schema } } };
    }
    // the errors defineRoute, the body parsers and the auth hook answer for every route of a kind
    const errorDoc = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: `${REF}Error` } } } });
    if (r.params || r.query || r.body) responses['400'] ??= errorDoc('Invalid path parameters, query or body (TLORC_API_BAD_REQUEST, with the field path)');
    if (r.body) {
      responses['413'] ??= errorDoc('Body over the size limit (TLORC_API_PAYLOAD_TOO_LARGE)');
      responses['415'] ??= errorDoc('Body of a media type the route does not take (TLORC_API_UNSUPPORTED_MEDIA_TYPE)');
    }
    if (info.auth && r.auth !== false) {
      op.security = [{ bearer: [] }];
      responses['401'] ??= errorDoc('Missing or wrong bearer token');
    }
    op.responses = responses;
    (paths[p] ??= {})[r.method.toLowerCase()] = op;
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'tlorc API',
      version: info.version,
      description: 'Submit transfer-learning specs, follow their events (SSE), cancel, and fetch artifacts. Every error has the shape of components.schemas.Error.',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: c.schemas,
      ...(info.auth ? { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } } : {}),
    },
  };
}
