/**
 * generate(spec): the files of a standalone training script. `train.py` is rendered from the
 * template the catalog's capabilities select; `tlorc_runtime.py` (the shared helpers it imports)
 * is copied verbatim from python/, so `python train.py` works in that folder without tlorc.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { NormalizedSpec } from '../spec/normalized.js';
import { TlorcError } from '../errors/index.js';
import { buildContext, type TemplateId } from './context.js';
import { render } from './render.js';

export interface GeneratedScript {
  /** file name -> content, all to be written into one folder */
  files: Record<string, string>;
  /** the file to run */
  entry: 'train.py';
  /** the template train.py was rendered from */
  template: TemplateId;
}

/** The package root (two levels above src/codegen and dist/codegen). */
const packageFile = (relative: string) => fileURLToPath(new URL(`../../${relative}`, import.meta.url));

const cache = new Map<string, string>();
function readPackageFile(relative: string): string {
  let text = cache.get(relative);
  if (text === undefined) {
    try {
      text = readFileSync(packageFile(relative), 'utf8');
    } catch (e) {
      throw new TlorcError('TLORC_CODEGEN_TEMPLATE', `cannot read ${relative} from the tlorc package`, { cause: e });
    }
    cache.set(relative, text);
  }
  return text;
}

export const RUNTIME_FILE = 'tlorc_runtime.py';

export function generate(spec: NormalizedSpec): GeneratedScript {
  const plan = buildContext(spec);
  const templateName = `templates/${plan.template}.py.tmpl`;
  const train = render(readPackageFile(templateName), plan.context, templateName);
  return {
    files: { 'train.py': train, [RUNTIME_FILE]: readPackageFile(`python/${RUNTIME_FILE}`) },
    entry: 'train.py',
    template: plan.template,
  };
}
