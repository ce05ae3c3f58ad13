/** Spec tools without running anything: validate, generate, the JSON Schema, the backbone catalog. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { TlorcError } from '../../errors/index.js';
import { catalog, generate, schema, validate } from '../../sdk/index.js';
import { loadSpec, type SpecLike } from '../../sdk/spec-input.js';
import { checkDataRoots } from '../data-roots.js';
import { defineRoute } from '../route.js';
import { YAML_TYPES } from '../body-parsers.js';
import { ErrorBodySchema, GenerateResponseSchema, SpecRequestSchema, ValidationReportSchema } from '../schemas.js';

const yamlBody = Object.fromEntries(YAML_TYPES.slice(0, 1).map((t) => [t, { description: 'The spec as YAML text.' }]));
const err = (description: string) => ({ description, schema: ErrorBodySchema });

export async function specsRoutes(app: FastifyInstance): Promise<void> {
  const ctx = app.tlorc;
  const source = (body: { spec: string | Record<string, unknown> }): SpecLike => {
    const baseDir = ctx.config.dataRoots[0]!;
    return typeof body.spec === 'string' ? { text: body.spec, baseDir } : { spec: body.spec, baseDir };
  };

  defineRoute(
    app,
    {
      method: 'POST',
      url: '/validate',
      tag: 'specs',
      summary: 'Validate a spec',
      description: 'Checks the spec (every issue with its field path), its data under the data roots, and compiles the generated script. Runs nothing.',
      body: SpecRequestSchema,
      bodyMediaTypes: yamlBody,
      responses: {
        200: { description: 'The spec is valid', schema: ValidationReportSchema },
        400: err('Unparsable body or spec syntax'),
        403: err('A data path outside the data roots'),
        422: err('Invalid spec or data (issues carry field paths)'),
      },
    },
    async ({ body }) => {
      const spec = loadSpec(source(body), { overrides: body.overrides ?? [] });
      checkDataRoots(spec, ctx.config.dataRoots);
      const report = await validate(source(body), { overrides: body.overrides ?? [] });
      if (!report.ok && report.error) {
        const e = report.error;
        throw new TlorcError(e.code, e.message, { hint: e.hint, ...(e.path ? { path: e.path } : {}), ...(e.issues ? { issues: e.issues } : {}), ...(e.details ? { details: e.details } : {}) });
      }
      return report;
    },
  );

  defineRoute(
    app,
    {
      method: 'POST',
      url: '/generate',
      tag: 'specs',
      summary: 'Generate the training script without running it',
      body: SpecRequestSchema,
      bodyMediaTypes: yamlBody,
      responses: {
        200: { description: 'The generated files', schema: GenerateResponseSchema },
        400: err('Unparsable body or spec syntax'),
        403: err('A data path outside the data roots'),
        422: err('Invalid spec'),
      },
    },
    async ({ body }) => {
      const spec = loadSpec(source(body), { overrides: body.overrides ?? [] });
      checkDataRoots(spec, ctx.config.dataRoots);
      const g = generate(source(body), { overrides: body.overrides ?? [] });
      return { entry: g.entry, files: g.files };
    },
  );

  defineRoute(
    app,
    {
      method: 'GET',
      url: '/catalog',
      tag: 'specs',
      summary: 'The backbone catalog',
      responses: { 200: { description: 'Backbones with their frameworks, input constraints and options', schema: z.array(z.record(z.string(), z.unknown())) } },
    },
    async () => catalog(),
  );

  defineRoute(
    app,
    {
      method: 'GET',
      url: '/schema',
      tag: 'specs',
      summary: 'The spec\'s JSON Schema',
      responses: { 200: { description: 'JSON Schema (draft 2020-12) derived from the zod spec schema' } },
    },
    async () => schema(),
  );
}
