/**
 * On a server, a spec may only read data (and weights files) under the configured data
 * roots. Paths are compared after resolving symlinks of the deepest part that exists,
 * so neither `..` nor a symlink inside a root can point outside it; the check runs
 * before anything looks at the data, so a refused spec learns nothing about other paths.
 */
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { TlorcError } from '../errors/index.js';
import { isInside } from '../paths.js';

export { isInside };
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


/** Every path the spec reads, with the field that names it (train/val folders may lie outside root). */
function inputsWithFields(spec: NormalizedSpec): [string, (string | number)[]][] {
  const d = spec.data;
  const out: [string, (string | number)[]][] = d.type === 'image_folder'
    ? [[d.root, ['data', 'root']], [d.train, ['data', 'train']], ...(d.val ? [[d.val, ['data', 'val']] as [string, string[]]] : [])]
    : [...d.train.map((p, i): [string, (string | number)[]] => [p, ['data', 'train', i]]), ...(d.val ?? []).map((p, i): [string, (string | number)[]] => [p, ['data', 'val', i]])];
  if (spec.backbone.weights.kind === 'file') out.push([spec.backbone.weights.path, ['backbone', 'weights']]);
  return out;
}

/** Throws TLORC_DATA_PATH_FORBIDDEN, naming the field, for the first input outside every root. */
export function checkDataRoots(spec: NormalizedSpec, roots: readonly string[]): void {
  for (const [p, field] of inputsWithFields(spec)) {
    if (roots.some((r) => isInside(realish(p), r))) continue;
    throw new TlorcError('TLORC_DATA_PATH_FORBIDDEN', `Data path ${p} is outside the server's data roots (${roots.join(', ')}).`, {
      path: field,
      details: { roots: [...roots] },
    });
  }
}
