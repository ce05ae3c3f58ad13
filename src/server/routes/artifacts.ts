/**
 * A run's files: list them, download one. A download can never leave the run directory:
 * the name must be a plain relative path (no `..`, no absolute path, no NUL, no
 * backslash), the resolved path must lie inside the run directory, and so must its real
 * path after symlinks are resolved; symlinks pointing out are refused, and only regular
 * files are sent.
 */
import { createReadStream, lstatSync, readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { TlorcError } from '../../errors/index.js';
import { defineRoute } from '../route.js';
import { isInside } from '../data-roots.js';
import { ArtifactListSchema, ErrorBodySchema, RunParamsSchema } from '../schemas.js';

const MAX_LIST = 5000;

const MEDIA: Record<string, string> = {
  '.json': 'application/json',
  '.ndjson': 'application/x-ndjson',
  '.py': 'text/x-python; charset=utf-8',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.log': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
};

function listFiles(root: string): { files: { path: string; size: number; modifiedAt: string }[]; truncated: boolean } {
  const files: { path: string; size: number; modifiedAt: string }[] = [];
  const walk = (dir: string, depth: number): boolean => {
    if (depth > 16) return true;
    for (const d of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (files.length >= MAX_LIST) return false;
      const abs = path.join(dir, d.name);
      if (d.isDirectory()) {
        if (!walk(abs, depth + 1)) return false;
      } else if (d.isFile() && !d.name.endsWith('.tmp')) {
        const st = statSync(abs);
        files.push({ path: path.relative(root, abs).split(path.sep).join('/'), size: st.size, modifiedAt: st.mtime.toISOString() });
      }
      // symlinks are not listed: nothing reachable through them is an artifact
    }
    return true;
  };
  const complete = walk(root, 0);
  return { files, truncated: !complete };
}

const forbidden = (name: string, why: string) =>
  new TlorcError('TLORC_ARTIFACT_PATH_FORBIDDEN', `Artifact path "${name.slice(0, 200)}" is not allowed: ${why}.`);

/** Resolve an artifact name inside runDir, or throw. */
export function resolveArtifact(runDir: string, name: string): { file: string; stat: Stats } {
  if (name === '' || name.includes('\0') || name.includes('\\')) throw forbidden(name, 'not a plain relative path');
  if (path.isAbsolute(name) || name.split('/').some((seg) => seg === '..')) throw forbidden(name, 'it leaves the run directory');
  const root = realpathSync(runDir);
  const file = path.resolve(root, name);
  if (!isInside(file, root) || file === root) throw forbidden(name, 'it leaves the run directory');
  let lst: Stats;
  try {
    lst = lstatSync(file);
  } catch {
    throw new TlorcError('TLORC_ARTIFACT_NOT_FOUND', `The run has no artifact "${name}".`);
  }
  let real: string;
  try {
    real = realpathSync(file);
  } catch {
    throw new TlorcError('TLORC_ARTIFACT_NOT_FOUND', `The run has no artifact "${name}" (a dangling link).`);
  }
  if (!isInside(real, root)) throw forbidden(name, 'it is a link that points outside the run directory');
  if (lst.isSymbolicLink()) throw forbidden(name, 'it is a symbolic link');
  const stat = statSync(real);
  if (!stat.isFile()) throw new TlorcError('TLORC_ARTIFACT_NOT_FOUND', `"${name}" is not a file (list the artifacts to see the files in it).`);
  return { file: real, stat };
}

export async function artifactsRoutes(app: FastifyInstance): Promise<void> {
  const ctx = app.tlorc;
  const runOr404 = (id: string) => {
    const rec = ctx.store.getRun(id);
    if (!rec) throw new TlorcError('TLORC_RUN_NOT_FOUND', `No run with id ${id}.`);
    return rec;
  };

  defineRoute(
    app,
    {
      method: 'GET',
      url: '/runs/:id/artifacts',
      tag: 'artifacts',
      summary: 'List a run\'s files',
      description: 'Every regular file in the run directory (spec, generated script, events, log, summary, model/...), as paths relative to it.',
      params: RunParamsSchema,
      responses: { 200: { description: 'The files', schema: ArtifactListSchema }, 404: { description: 'No such run', schema: ErrorBodySchema } },
    },
    async ({ params }) => {
      const rec = runOr404(params.id);
      const { files, truncated } = listFiles(realpathSync(rec.runDir));
      return { runId: rec.id, files, ...(truncated ? { truncated } : {}) };
    },
  );

  defineRoute(
    app,
    {
      method: 'GET',
      url: '/runs/:id/artifacts/*',
      tag: 'artifacts',
      summary: 'Download one of a run\'s files',
      params: RunParamsSchema.extend({ '*': z.string().max(1024) }),
      responses: {
        200: { description: 'The file', contentType: 'application/octet-stream' },
        403: { description: 'The path leaves the run directory', schema: ErrorBodySchema },
        404: { description: 'No such run or file', schema: ErrorBodySchema },
      },
    },
    async ({ params, reply }) => {
      const rec = runOr404(params.id);
      const name = params['*'];
      const { file, stat } = resolveArtifact(rec.runDir, name);
      const base = path.basename(file).replace(/[^A-Za-z0-9._-]/g, '_');
      return reply
        .type(MEDIA[path.extname(file).toLowerCase()] ?? 'application/octet-stream')
        .header('content-length', String(stat.size))
        .header('content-disposition', `attachment; filename="${base}"`)
        .header('x-content-type-options', 'nosniff')
        .send(createReadStream(file));
    },
  );
}
