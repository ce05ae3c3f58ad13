/**
 * The API's request and response shapes, defined once in zod: requests are validated
 * with them and /v1/openapi.json is generated from them (with the spec's own schema),
 * so the documentation cannot drift from what the server accepts.
 */
import { z } from 'zod';
import { ERRORS } from '../errors/catalog.js';
import { TlorcEvent } from '../events/protocol.js';

const codes = Object.keys(ERRORS) as [keyof typeof ERRORS, ...(keyof typeof ERRORS)[]];

export const IssueSchema = z
  .object({
    code: z.string(),
    path: z.array(z.union([z.string(), z.number()])),
    message: z.string(),
    expected: z.string().optional(),
    found: z.string().optional(),
    suggestion: z.string().optional(),
    line: z.number().int().optional(),
    column: z.number().int().optional(),
  })
  .meta({ id: 'Issue', description: 'One problem, at a field path (spec errors) or a request part (query, body).' });

export const ErrorBodySchema = z
  .object({
    code: z.enum(codes).meta({ description: 'Stable error code (docs/errors.md).' }),
    message: z.string(),
    hint: z.string().meta({ description: 'What to do about it.' }),
    path: z.array(z.union([z.string(), z.number()])).optional().meta({ description: 'Spec field path, for errors about one field.' }),
    issues: z.array(IssueSchema).optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'Error', description: 'Every error response has this shape.' });

export const RunStatusSchema = z.enum(['queued', 'running', 'completed', 'failed', 'cancelled']).meta({ id: 'RunStatus' });
export const RunnerSchema = z.enum(['local', 'docker']).meta({ id: 'Runner' });
const Metrics = z.record(z.string(), z.number().nullable());

export const RunSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    status: RunStatusSchema,
    runner: RunnerSchema,
    createdAt: z.string(),
    startedAt: z.string().optional(),
    endedAt: z.string().optional(),
    final: z.object({ train: Metrics, val: Metrics }).optional().meta({ description: 'Final metrics of a completed run.' }),
    error: ErrorBodySchema.optional().meta({ description: 'Why a run failed or was cancelled.' }),
    gpus: z.array(z.string()).optional().meta({ description: 'GPU ids assigned by the scheduler.' }),
    gpuRequest: z.number().int(),
    lastSeq: z.number().int().meta({ description: 'Sequence number of the last stored event.' }),
    queuePosition: z.number().int().optional().meta({ description: 'Queued runs: 0 = next to start.' }),
  })
  .meta({ id: 'Run' });

export const RunDetailSchema = RunSchema.extend({
  spec: z.record(z.string(), z.unknown()).meta({ description: 'The spec as submitted, with defaults applied.' }),
  runDir: z.string().meta({ description: 'The run directory on the server.' }),
}).meta({ id: 'RunDetail' });

export const RunPageSchema = z
  .object({ runs: z.array(RunSchema), total: z.number().int(), nextCursor: z.string().optional() })
  .meta({ id: 'RunPage', description: 'Newest first. Pass nextCursor as cursor for the next page.' });

export const SpecRequestSchema = z
  .strictObject({
    spec: z
      .union([z.string(), z.record(z.string(), z.unknown())])
      .meta({ description: 'The spec: an object, or YAML/JSON text (errors then carry line and column).' }),
    overrides: z.array(z.string()).max(100).optional().meta({ description: '`path=value` overrides, as `--set` on the CLI.' }),
    runner: RunnerSchema.optional().meta({ description: 'Where to run (default local).' }),
  })
  .meta({ id: 'SpecRequest', description: 'A JSON body that is itself a spec (has apiVersion) is accepted too, as is a YAML body (Content-Type application/yaml).' });

export const ListQuerySchema = z.strictObject({
  status: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (!s) return undefined;
      const parts = s.split(',').map((p) => p.trim()).filter(Boolean);
      for (const p of parts) {
        if (!RunStatusSchema.safeParse(p).success) {
          ctx.addIssue({ code: 'custom', message: `unknown status "${p}"; one of ${RunStatusSchema.options.join(', ')}` });
          return z.NEVER;
        }
      }
      return parts as z.output<typeof RunStatusSchema>[];
    })
    .meta({ description: 'Comma-separated statuses, e.g. running,queued.' }),
  limit: z.coerce.number().int().min(1).max(500).optional().meta({ description: 'Page size (default 50).' }),
  cursor: z.string().max(200).optional(),
});

export const RunParamsSchema = z.strictObject({ id: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'a run id') });

export const EventsQuerySchema = z.strictObject({
  after: z.string().regex(/^\d+$/, 'a non-negative integer').transform(Number).optional().meta({ description: 'Send events with seq > after. The Last-Event-ID header takes precedence.' }),
});

export const CancelRequestSchema = z.strictObject({ reason: z.string().max(500).optional() }).optional();

export const ArtifactSchema = z.object({ path: z.string(), size: z.number().int(), modifiedAt: z.string() }).meta({ id: 'Artifact' });
export const ArtifactListSchema = z.object({ runId: z.string(), files: z.array(ArtifactSchema), truncated: z.boolean().optional() }).meta({ id: 'ArtifactList' });

export const ValidationReportSchema = z
  .object({
    ok: z.boolean(),
    error: ErrorBodySchema.optional(),
    spec: z.record(z.string(), z.unknown()).optional().meta({ description: 'The normalized spec.' }),
    data: z.object({ classes: z.array(z.string()), train: z.number().int(), val: z.number().int().nullable(), notes: z.array(z.string()).optional().meta({ description: 'Things worth knowing that are not errors (an unused val folder, subsampling).' }) }).optional(),
    files: z.array(z.string()).optional(),
    warnings: z.array(z.object({ message: z.string(), code: z.string().optional() })).optional().meta({ description: 'Warnings of the dry run (e.g. a freeze pattern that matches no layer).' }),
  })
  .meta({ id: 'ValidationReport' });

export const GenerateResponseSchema = z
  .object({ entry: z.string().meta({ description: 'The script to run.' }), files: z.record(z.string(), z.string()).meta({ description: 'File name -> content.' }) })
  .meta({ id: 'GeneratedScript' });

export const HealthSchema = z.object({ status: z.literal('ok'), version: z.string() }).meta({ id: 'Health' });
export const ReadySchema = z
  .object({
    ready: z.boolean(),
    checks: z.record(z.string(), z.object({ ok: z.boolean(), detail: z.string().optional() })),
    queue: z.object({ queued: z.number().int(), running: z.number().int(), concurrency: z.number().int(), gpuSlots: z.number().int(), gpusFree: z.number().int() }),
  })
  .meta({ id: 'Readiness' });

export { TlorcEvent as EventSchema };
