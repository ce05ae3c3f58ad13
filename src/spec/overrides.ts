/** `--set a.b.c=value` overrides, applied to the raw spec object before validation. */
import { parse as parseYamlScalar } from 'yaml';
import { TlorcError } from '../errors/index.js';

/** `--unset a.b.c`: remove a field, so its default applies (null is a real value, e.g. input_size). */
export function applyUnsets(raw: unknown, unsets: readonly string[]): unknown {
  if (unsets.length === 0) return raw;
  const root = structuredClone(raw ?? {}) as Record<string, unknown>;
  for (const unset of unsets) {
    const keyPath = parsePath(unset, unset);
    let cur: unknown = root;
    for (const k of keyPath.slice(0, -1)) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[k] : undefined;
    if (cur && typeof cur === 'object') {
      const last = keyPath[keyPath.length - 1]!;
      if (Array.isArray(cur) && /^\d+$/.test(last)) cur.splice(Number(last), 1);
      else delete (cur as Record<string, unknown>)[last];
    }
  }
  return root;
}

function parsePath(text: string, whole: string): string[] {
  // `phases.1.epochs` and `phases[1].epochs` (the form error messages print) mean the same
  const keyPath = text.replace(/\[(\d+)\]/g, '.$1').split('.');
  if (keyPath.some((k) => k === '' || k === '__proto__' || k === 'constructor' || k === 'prototype'))
    throw new TlorcError('TLORC_OVERRIDE_INVALID', `Override path "${text}" in "${whole}" is not valid.`);
  return keyPath;
}

export function applyOverrides(raw: unknown, sets: readonly string[]): unknown {
  if (sets.length === 0) return raw;
  const root = structuredClone(raw ?? {}) as Record<string, unknown>;
  for (const set of sets) {
    const eq = set.indexOf('=');
    if (eq <= 0) throw new TlorcError('TLORC_OVERRIDE_INVALID', `Override "${set}" is not of the form path=value.`);
    const keyPath = parsePath(set.slice(0, eq), set);
    // the value is read as YAML, so 1e-4 is a number, true a boolean, [1,2] a list
    let value: unknown;
    try {
      value = parseYamlScalar(set.slice(eq + 1));
    } catch (e) {
      throw new TlorcError('TLORC_OVERRIDE_INVALID', `Override value in "${set}" is not valid YAML.`, { cause: e, hint: 'Quote values YAML reads specially, e.g. --set \'freeze.pattern="conv_*"\'.' });
    }
    let cur: Record<string, unknown> = root;
    keyPath.forEach((k, i) => {
      const key: string | number = /^\d+$/.test(k) && Array.isArray(cur) ? Number(k) : k;
      if (i === keyPath.length - 1) {
        (cur as Record<string | number, unknown>)[key] = value;
        return;
      }
      const next = (cur as Record<string | number, unknown>)[key];
      if (next === undefined || next === null) (cur as Record<string | number, unknown>)[key] = {};
      else if (typeof next !== 'object')
        throw new TlorcError('TLORC_OVERRIDE_INVALID', `Override "${set}": ${keyPath.slice(0, i + 1).join('.')} is not an object.`);
      cur = (cur as Record<string | number, unknown>)[key] as Record<string, unknown>;
    });
  }
  return root;
}
