/**
 * On a server, a spec may only read data (and weights files) under the configured data
 * roots. Paths are compared after resolving symlinks of the deepest part that exists,
 * so neither `..` nor a symlink inside a root can point outside it; the check runs
 * before anything looks at the data, so a refused spec learns nothing about other paths.
 */
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { TlorcError } from '../errors/index.js';
import { inputPaths } from '../data/preflight.js';
import type { NormalizedSpec } from '../spec/normalized.js';

/** The real path of p: of p itself when it exists, else of its deepest existing ancestor plus the rest. */
export function realish(p: string): string {
  let cur = path.resolve(p);
  const rest: string[] = [];
  while (!existsSync(cur)) {
    const parent = path.dirname(cur);
    if (parent === cur) break;
    rest.unshift(path.basename(cur));
    cur = parent;
  }
  let real: string;
  try {
    real = realpathSync(cur);
  } catch {
    real = cur;
  }
  return path.join(real, ...rest);
}

export const isInside = (child: string, root: string): boolean => {
  const rel = path.relative(root, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

/** Field path of each input, for the error. */
function fields(spec: NormalizedSpec): (string | number)[][] {
  const d = spec.data;
  const out: (string | number)[][] = d.type === 'image_folder' ? [['data', 'root']] : [...d.train.map((_, i) => ['data', 'train', i]), ...(d.val ?? []).map((_, i) => ['data', 'val', i])];
  if (spec.backbone.weights.kind === 'file') out.push(['backbone', 'weights']);
  return out;
}

export function checkDataRoots(spec: NormalizedSpec, roots: readonly string[]): void {
  const paths = inputPaths(spec);
  const where = fields(spec);
  if (spec.data.type === 'image_folder') {
    // train/val sub-folders may be given separately; they must stay inside the roots too
    paths.push(spec.data.train, ...(spec.data.val ? [spec.data.val] : []));
    where.push(['data', 'train'], ['data', 'val']);
  }
  paths.forEach((p, i) => {
    const real = realish(p);
    if (!roots.some((r) => isInside(real, r))) {
      throw new TlorcError('TLORC_DATA_PATH_FORBIDDEN', `Data path ${p} is outside the server's data roots (${roots.join(', ')}).`, {
        path: where[i] ?? ['data'],
        details: { roots: [...roots] },
      });
    }
  });
}
