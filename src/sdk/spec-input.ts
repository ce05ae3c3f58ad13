/** The forms a spec can be given in to the SDK: a file path, YAML/JSON text, or an object. */
import path from 'node:path';
import { loadSpecFile, parseSpecText, type LoadedSource, type SourceMap } from '../spec/load.js';
import { applyOverrides, applyUnsets, touchedPaths } from '../spec/overrides.js';
import { parseSpec, checkSpec, type CheckResult } from '../spec/validate.js';
import type { NormalizedSpec } from '../spec/normalized.js';
import type { SpecInput } from '../spec/schema.js';

export type SpecSource =
  | { file: string }
  | { text: string; baseDir?: string }
  | { spec: SpecInput | Record<string, unknown>; baseDir?: string };

export interface SpecOptions {
  /** `path=value` overrides, as `--set` on the CLI. */
  overrides?: readonly string[];
  /** Fields to remove (so their defaults apply), as `--unset` on the CLI; applied before overrides. */
  unset?: readonly string[];
}

/** A string is a file path; an object with file/text/spec says what it is; any other object is the spec itself. */
export type SpecLike = string | SpecSource | SpecInput;

export function toSource(input: SpecLike, options: SpecOptions = {}): LoadedSource {
  let src: LoadedSource;
  if (typeof input === 'string') src = loadSpecFile(input);
  else if ('file' in input && typeof input.file === 'string' && Object.keys(input).length === 1) src = loadSpecFile(input.file);
  else if ('text' in input && typeof input.text === 'string') src = parseSpecText(input.text, path.resolve((input as { baseDir?: string }).baseDir ?? '.'));
  else if ('spec' in input && typeof input.spec === 'object' && input.spec !== null && !('apiVersion' in input))
    src = { value: input.spec, baseDir: path.resolve((input as { baseDir?: string }).baseDir ?? '.') };
  else src = { value: input, baseDir: process.cwd() };
  if (options.overrides?.length || options.unset?.length) {
    const value = applyOverrides(applyUnsets(src.value, options.unset ?? []), options.overrides ?? []);
    src = { ...src, value, ...(src.sourceMap ? { sourceMap: withoutFlagged(src.sourceMap, touchedPaths(options.overrides ?? [], options.unset ?? [])) } : {}) };
  }
  return src;
}

/** Only fields still as written in the file keep a line number: a value from --set/--unset has none there. */
function withoutFlagged(map: SourceMap, touched: string[][]): SourceMap {
  const inside = (p: readonly (string | number)[], t: string[]) => t.length <= p.length && t.every((k, i) => String(p[i]) === k);
  return { locate: (p) => (touched.some((t) => inside(p, t)) ? undefined : map.locate(p)) };
}

export const loadSpec = (input: SpecLike, options: SpecOptions = {}): NormalizedSpec => parseSpec(toSource(input, options));
export const checkSpecLike = (input: SpecLike, options: SpecOptions = {}): CheckResult => checkSpec(toSource(input, options));
