/**
 * Reading a spec: text -> plain object, keeping a way back from field paths to
 * line/column so every issue can point at the source.
 */
import { readFileSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseDocument, isMap, isSeq, isNode, LineCounter, type Node } from 'yaml';
import { TlorcError } from '../errors/index.js';

export interface SourceMap {
  /** 1-based line/column of the node at a field path; undefined when the path is not in the source. */
  locate(path: readonly (string | number)[]): { line: number; column: number } | undefined;
}

export interface LoadedSource {
  value: unknown;
  /** Directory relative paths in the spec are resolved against. */
  baseDir: string;
  /** The file the spec came from, when it came from one. */
  file?: string;
  sourceMap?: SourceMap;
}

/** Parse YAML or JSON text (JSON is YAML). Syntax errors carry line and column. */
export function parseSpecText(text: string, baseDir: string, file?: string): LoadedSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const pos = lineCounter.linePos(first.pos[0]);
    const where = `${file ?? 'spec'}:${pos.line}:${pos.col}`;
    throw new TlorcError('TLORC_SPEC_PARSE', `Invalid YAML at ${where}: ${first.message.split('\n')[0]}`, {
      details: { line: pos.line, column: pos.col, ...(file ? { file } : {}) },
    });
  }
  if (file?.toLowerCase().endsWith('.json')) strictJson(text, file);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 }) as unknown;
  } catch (e) {
    // e.g. an alias bomb (`&a [*a, *a, ...]` nested): refused, never expanded
    throw new TlorcError('TLORC_SPEC_PARSE', `Invalid YAML in ${file ?? 'spec'}: ${(e as Error).message.split('\n')[0]}`, { cause: e, ...(file ? { details: { file } } : {}) });
  }
  const sourceMap: SourceMap = {
    locate(p) {
      let node: unknown = doc.contents;
      let found: Node | undefined = isNode(node) ? node : undefined;
      for (const key of p) {
        if (isMap(node)) node = node.get(key, true);
        else if (isSeq(node) && typeof key === 'number') node = node.get(key, true);
        else return undefined;
        // a field that is not in the file (missing, or set by --set) has no position to show
        if (isNode(node)) found = node;
        else return undefined;
      }
      if (!found?.range) return undefined;
      const pos = lineCounter.linePos(found.range[0]);
      return { line: pos.line, column: pos.col };
    },
  };
  return { value, baseDir, sourceMap, ...(file ? { file } : {}) };
}

/** A .json file is held to JSON (YAML would accept a trailing comma or a comment). */
function strictJson(text: string, file: string): void {
  try {
    JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    const at = /position (\d+)/.exec(message);
    const offset = at ? Number(at[1]) : 0;
    const before = text.slice(0, offset).split('\n');
    const line = before.length;
    const column = before[before.length - 1]!.length + 1;
    throw new TlorcError('TLORC_SPEC_PARSE', `Invalid JSON at ${file}:${line}:${column}: ${message.replace(/ in JSON at position \d+.*$/, '')}`, {
      details: { line, column, file },
    });
  }
}

export function loadSpecFile(file: string): LoadedSource {
  const abs = path.resolve(file);
  if (!existsSync(abs) || !statSync(abs).isFile()) {
    throw new TlorcError('TLORC_SPEC_NOT_FOUND', `Spec file not found: ${file}`, { details: { file: abs } });
  }
  return parseSpecText(readFileSync(abs, 'utf8'), path.dirname(abs), abs);
}
