/**
 * `--set a.b.c=value` and `--unset a.b.c`, applied to the raw spec object before validation.
 * Neither ever drops a path silently: a key on a list, an index past its end, or an unset of a
 * field that is not there is TLORC_OVERRIDE_INVALID (with a "did you mean" for typos).
 */
import { parse as parseYaml } from 'yaml';
import { TlorcError } from '../errors/index.js';
import { suggest } from './suggest.js';
import { formatPath } from './issues.js';

type Container = Record<string, unknown> | unknown[];

const fail = (message: string, hint?: string): never => {
  throw new TlorcError('TLORC_OVERRIDE_INVALID', message, hint ? { hint } : {});
};

function parsePath(text: string, whole: string): string[] {
  // `phases.1.epochs` and `phases[1].epochs` (the form error messages print) mean the same
  const keyPath = text.replace(/\[(\d+)\]/g, '.$1').split('.');
  if (keyPath.some((k) => k === '' || k === '__proto__' || k === 'constructor' || k === 'prototype'))
    fail(`Override path "${text}" in "${whole}" is not valid.`);
  return keyPath;
}

const isIndex = (k: string) => /^\d+$/.test(k);
/** The first n keys of a path in the form errors print (phases[1].epochs); '' for none. */
const shown = (keyPath: readonly string[], n: number) => (n === 0 ? '' : formatPath(keyPath.slice(0, n).map((k) => (isIndex(k) ? Number(k) : k))));

/** The list index a key names, checked against the list (`append`: one past the end is allowed). */
function listIndex(list: unknown[], key: string, keyPath: readonly string[], i: number, whole: string, append: boolean): number {
  const where = shown(keyPath, i) || 'the spec';
  if (!isIndex(key)) return fail(`"${whole}": ${where} is a list, so "${key}" needs to be an index, e.g. ${where}[0].${key}.`);
  const n = Number(key);
  const max = append ? list.length : list.length - 1;
  if (n > max)
    fail(`"${whole}": ${where} has ${list.length} item${list.length === 1 ? '' : 's'}, so ${where}[${n}] does not exist.`,
      list.length ? `Use an index from 0 to ${max}${append ? ` (${list.length} adds an item)` : ''}.` : `Set the whole list, e.g. --set '${where}=[...]'.`);
  return n;
}

function noSuchField(obj: Record<string, unknown>, key: string, keyPath: readonly string[], i: number, whole: string): never {
  const where = shown(keyPath, i);
  const sug = suggest(key, Object.keys(obj));
  return fail(`"${whole}": ${where ? `${where} has no field "${key}"` : `the spec has no field "${key}"`}${sug ? ` (did you mean "${sug}"?)` : ''}, so there is nothing to unset.`,
    `Fields there: ${Object.keys(obj).join(', ') || 'none'}.`);
}

/** `--unset a.b.c`: remove a field, so its default applies (null is a real value, e.g. input_size). */
export function applyUnsets(raw: unknown, unsets: readonly string[]): unknown {
  if (unsets.length === 0) return raw;
  const root = structuredClone(raw ?? {}) as Record<string, unknown>;
  for (const unset of unsets) {
    const keyPath = parsePath(unset, unset);
    let cur: unknown = root;
    keyPath.forEach((k, i) => {
      if (!cur || typeof cur !== 'object') return fail(`"${unset}": ${shown(keyPath, i)} is not an object, so there is nothing to unset.`);
      const last = i === keyPath.length - 1;
      if (Array.isArray(cur)) {
        const n = listIndex(cur, k, keyPath, i, unset, false);
        if (last) cur.splice(n, 1);
        else cur = cur[n];
        return;
      }
      const obj = cur as Record<string, unknown>;
      if (!Object.hasOwn(obj, k)) noSuchField(obj, k, keyPath, i, unset);
      if (last) delete obj[k];
      else cur = obj[k];
    });
  }
  return root;
}

/**
 * The value of `path=value`. It is read as YAML so 1e-4 is a number, true a boolean, [1, 2] a list;
 * but a plain string stays exactly as typed: YAML would cut `a #b` at the comment and fold lines.
 */
export function overrideValue(text: string, whole: string): unknown {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (e) {
    throw new TlorcError('TLORC_OVERRIDE_INVALID', `Override value in "${whole}" is not valid YAML.`, { cause: e, hint: 'Quote values YAML reads specially, e.g. --set \'freeze.pattern="conv_*"\'.' });
  }
  const quoted = /^\s*["']/.test(text);
  if (typeof value === 'string' && !quoted) return text;
  if (value === null && !/^\s*(null|Null|NULL|~)?\s*$/.test(text)) return text; // e.g. `name=#1`
  return value;
}

/** The field paths a set of overrides and unsets touch (for telling file values from flag values). */
export const touchedPaths = (sets: readonly string[], unsets: readonly string[]): string[][] => [
  ...unsets.map((u) => parsePath(u, u)),
  ...sets.filter((s) => s.indexOf('=') > 0).map((s) => parsePath(s.slice(0, s.indexOf('=')), s)),
];

export function applyOverrides(raw: unknown, sets: readonly string[]): unknown {
  if (sets.length === 0) return raw;
  const root = structuredClone(raw ?? {}) as Record<string, unknown>;
  for (const set of sets) {
    const eq = set.indexOf('=');
    if (eq <= 0) fail(`Override "${set}" is not of the form path=value.`);
    const keyPath = parsePath(set.slice(0, eq), set);
    const value = overrideValue(set.slice(eq + 1), set);
    let cur: Container = root;
    keyPath.forEach((k, i) => {
      const last = i === keyPath.length - 1;
      const slot: string | number = Array.isArray(cur) ? listIndex(cur, k, keyPath, i, set, true) : k;
      const holder = cur as Record<string | number, unknown>;
      if (last) {
        holder[slot] = value;
        return;
      }
      const next = holder[slot];
      // a missing step is created as what the next key needs: a list for an index, else an object
      if (next === undefined || next === null) holder[slot] = isIndex(keyPath[i + 1]!) ? [] : {};
      else if (typeof next !== 'object') fail(`Override "${set}": ${shown(keyPath, i + 1)} is not an object.`);
      cur = holder[slot] as Container;
    });
  }
  return root;
}
