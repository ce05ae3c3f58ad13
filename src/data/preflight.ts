/**
 * Checks on the data and weights a spec points at, before anything runs:
 * missing folders, empty class folders, val classes unknown to train, unreadable
 * text tables, missing weights files. Each failure is a TlorcError naming the field.
 */
import { existsSync, statSync, readdirSync, readFileSync, openSync, readSync, closeSync } from 'node:fs';
import path from 'node:path';
import { TlorcError } from '../errors/index.js';
import type { NormalizedSpec, NormalizedData } from '../spec/normalized.js';
import { parseTable } from './table.js';

export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.bmp', '.gif', '.webp'];

export interface DataSummary {
  classes: string[];
  train: number;
  /** examples in the val folder/files; null when a split of train is used */
  val: number | null;
  /** Things a user may not expect (an ignored val folder, subsampling), for `tlorc validate`. */
  notes?: string[];
}

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();

function classFolders(dir: string, field: (string | number)[], role: string): Map<string, number> {
  if (!isDir(dir)) throw new TlorcError('TLORC_DATA_NOT_FOUND', `The ${role} folder does not exist: ${dir}`, { path: field });
  const out = new Map<string, number>();
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    if (!d.isDirectory() || d.name.startsWith('.')) continue;
    const n = readdirSync(path.join(dir, d.name)).filter((f) => IMAGE_EXTENSIONS.includes(path.extname(f).toLowerCase())).length;
    out.set(d.name, n);
  }
  if (out.size === 0)
    throw new TlorcError('TLORC_DATA_INVALID', `The ${role} folder ${dir} has no class sub-folders.`, { path: field, hint: 'Lay images out as <folder>/<class name>/<image>.jpg.' });
  for (const [cls, n] of out)
    if (n === 0)
      throw new TlorcError('TLORC_DATA_EMPTY_CLASS', `Class folder "${cls}" in ${dir} holds no images.`, { path: field, details: { class: cls, folder: path.join(dir, cls) } });
  return out;
}

function imageFolder(d: Extract<NormalizedData, { type: 'image_folder' }>): DataSummary {
  if (!isDir(d.root)) throw new TlorcError('TLORC_DATA_NOT_FOUND', `Data folder not found: ${d.root}`, { path: ['data', 'root'] });
  const train = classFolders(d.train, ['data', 'train'], 'train');
  if (train.size < 2) throw new TlorcError('TLORC_DATA_INVALID', `Classification needs at least 2 classes; ${d.train} has ${train.size}.`, { path: ['data', 'train'] });
  let val: number | null = null;
  if (d.val !== null) {
    if (!isDir(d.val))
      throw new TlorcError('TLORC_DATA_NOT_FOUND', `The val folder does not exist: ${d.val}`, { path: ['data', 'val'], hint: 'Create <root>/val/<class>/ or set data.val_split (e.g. 0.2) to hold out part of train.' });
    const v = classFolders(d.val, ['data', 'val'], 'val');
    const unknown = [...v.keys()].filter((c) => !train.has(c));
    if (unknown.length)
      throw new TlorcError('TLORC_DATA_INVALID', `The val folder has classes that train lacks: ${unknown.join(', ')}.`, { path: ['data', 'val'], hint: 'Validation classes must be a subset of the training classes (one class-to-index mapping).' });
    val = [...v.values()].reduce((a, b) => a + b, 0);
  }
  const notes: string[] = [];
  if (d.val === null && isDir(path.resolve(d.root, 'val')))
    notes.push(`data.val_split is set, so the folder ${path.resolve(d.root, 'val')} is not used for validation.`);
  if (d.max_per_class !== null) notes.push(`runs use at most ${d.max_per_class} images per class and split (data.max_per_class).`);
  return { classes: [...train.keys()].sort(), train: [...train.values()].reduce((a, b) => a + b, 0), val, ...(notes.length ? { notes } : {}) };
}

/** The labels of one text table, read as the generated script reads it (see table.ts). */
function tableLabels(file: string, d: Extract<NormalizedData, { type: 'text_table' }>, field: (string | number)[]): string[] {
  if (!existsSync(file) || !statSync(file).isFile()) throw new TlorcError('TLORC_DATA_NOT_FOUND', `Text data file not found: ${file}`, { path: field });
  const rows = parseTable(readFileSync(file, 'utf8'), d.delimiter, d.quoting);
  const header = d.header ? (rows.shift() ?? []).map((h) => h.trim()) : null;
  const col = (c: number | string, name: string) => {
    if (typeof c === 'number') return c;
    const i = header?.indexOf(c) ?? -1;
    if (i < 0) throw new TlorcError('TLORC_DATA_INVALID', `Column "${c}" not found in ${file}${header ? ` (columns: ${header.join(', ')})` : ' (no header: set header: true or use a column number)'}.`, { path: ['data', name] });
    return i;
  };
  const li = col(d.label_column, 'label_column');
  const ti = col(d.text_column, 'text_column');
  if (li === ti)
    throw new TlorcError('TLORC_DATA_INVALID', `data.text_column (${JSON.stringify(d.text_column)}) and data.label_column (${JSON.stringify(d.label_column)}) are the same column of ${file}: the model would read its own label.`, { path: ['data', 'label_column'] });
  if (rows.length === 0) throw new TlorcError('TLORC_DATA_INVALID', `Text data file has no rows: ${file}`, { path: field });
  return rows.map((parts, i) => {
    if (parts.length <= Math.max(li, ti))
      throw new TlorcError('TLORC_DATA_INVALID', `${file} record ${i + 1 + (d.header ? 1 : 0)} has ${parts.length} column(s); column ${String(parts.length <= li ? d.label_column : d.text_column)} is missing.`, { path: ['data', parts.length <= li ? 'label_column' : 'text_column'], hint: `Check data.delimiter (now ${JSON.stringify(d.delimiter)}) and data.quoting (now ${d.quoting}).` });
    return parts[li]!.trim();
  });
}

function textTable(d: Extract<NormalizedData, { type: 'text_table' }>): DataSummary {
  const train = d.train.flatMap((f, i) => tableLabels(f, d, ['data', 'train', ...(d.train.length > 1 ? [i] : [])]));
  const val = d.val ? d.val.flatMap((f, i) => tableLabels(f, d, ['data', 'val', ...(d.val!.length > 1 ? [i] : [])])) : null;
  const classes = [...new Set(train)].sort();
  if (classes.length < 2)
    throw new TlorcError('TLORC_DATA_INVALID', `Classification needs at least 2 labels; the training files have ${classes.length}.`, { path: ['data', 'label_column'] });
  // the class -> index mapping comes from training: a label only validation has cannot be scored
  const unknown = val ? [...new Set(val)].filter((l) => !classes.includes(l)) : [];
  if (unknown.length)
    throw new TlorcError('TLORC_DATA_INVALID', `The validation files have label${unknown.length > 1 ? 's' : ''} ${unknown.slice(0, 5).map((l) => JSON.stringify(l)).join(', ')}${unknown.length > 5 ? ', ...' : ''} that no training row has (training labels: ${classes.slice(0, 10).map((l) => JSON.stringify(l)).join(', ')}).`, { path: ['data', 'val'] });
  const notes = d.max_samples !== null ? [`runs use at most ${d.max_samples} training examples (data.max_samples).`] : [];
  return { classes, train: train.length, val: val ? val.length : null, ...(notes.length ? { notes } : {}) };
}

export function checkData(spec: NormalizedSpec): DataSummary {
  const summary = spec.data.type === 'image_folder' ? imageFolder(spec.data) : textTable(spec.data);
  const units = spec.head.units;
  const want = spec.loss.name === 'binary_crossentropy' ? 1 : summary.classes.length;
  if (spec.loss.name === 'binary_crossentropy' && summary.classes.length > 2)
    throw new TlorcError('TLORC_SPEC_INVALID', `binary_crossentropy needs exactly 2 classes; the data has ${summary.classes.length}.`, { path: ['loss'], hint: 'Use sparse_categorical_crossentropy (or categorical_crossentropy) with a softmax output.' });
  if (units !== undefined && summary.classes.length > 0 && units !== want)
    throw new TlorcError('TLORC_SPEC_INVALID', `head.units is ${units} but the data has ${summary.classes.length} classes (expected ${want} output units).`, { path: ['head', 'units'] });
  return summary;
}

export function checkWeights(spec: NormalizedSpec): void {
  const w = spec.backbone.weights;
  if (w.kind !== 'file') return;
  if (!existsSync(w.path))
    throw new TlorcError('TLORC_WEIGHTS_NOT_FOUND', `Weights file not found: ${w.path}`, { path: ['backbone', 'weights'] });
  // A file in the other framework's format can never load: say so now, not after data loading.
  const fmt = weightsFormat(w.path);
  const ctor = spec.backbone.entry.frameworks[spec.framework];
  const wants = spec.framework === 'keras' ? ['hdf5', 'zip'] : ctor && 'kind' in ctor && ctor.kind === 'transformers' ? ['folder', 'zip', 'pickle', 'safetensors'] : ['zip', 'pickle'];
  if (fmt === 'empty' || !wants.includes(fmt))
    throw new TlorcError('TLORC_WEIGHTS_MISMATCH', `Weights file ${w.path} is ${FORMAT_NAMES[fmt]}, which ${spec.framework} cannot load for ${spec.backbone.name}.`, {
      path: ['backbone', 'weights'],
      hint: spec.framework === 'keras' ? 'Keras backbones load .h5 / .weights.h5 (HDF5) or .keras files.' : ctor && 'kind' in ctor && ctor.kind === 'transformers' ? 'Text backbones load a Hugging Face model folder (config.json + weights).' : 'PyTorch backbones load a state dict saved with torch.save (.pt / .pth).',
    });
}

const FORMAT_NAMES = { hdf5: 'an HDF5 (Keras) file', zip: 'a zip archive (.keras or torch.save)', pickle: 'a pickle (legacy torch.save)', safetensors: 'a safetensors file', folder: 'a folder', empty: 'empty', unknown: 'of an unknown format' } as const;

function weightsFormat(p: string): keyof typeof FORMAT_NAMES {
  if (statSync(p).isDirectory()) return 'folder';
  const head = Buffer.alloc(8);
  const fd = openSync(p, 'r');
  const n = readSync(fd, head, 0, 8, 0);
  closeSync(fd);
  if (n === 0) return 'empty';
  if (head.subarray(0, 8).equals(Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'hdf5';
  if (head[0] === 0x50 && head[1] === 0x4b) return 'zip';
  if (head[0] === 0x80) return 'pickle';
  if (p.endsWith('.safetensors')) return 'safetensors';
  return 'unknown';
}

/** Host paths the script will read: for mounts and server data-root checks. */
export function inputPaths(spec: NormalizedSpec): string[] {
  const d = spec.data;
  const paths = d.type === 'image_folder' ? [d.root, d.train, ...(d.val ? [d.val] : [])] : [...d.train, ...(d.val ?? [])];
  if (spec.backbone.weights.kind === 'file') paths.push(spec.backbone.weights.path);
  // train/val may lie outside root (`train: ../other`): keep only paths not already inside another
  const unique = [...new Set(paths)];
  return unique.filter((p) => !unique.some((q) => q !== p && (p + '/').startsWith(q.endsWith('/') ? q : q + '/')));
}
