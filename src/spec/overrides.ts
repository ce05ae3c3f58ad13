/** `--set a.b.c=value` overrides, applied to the raw spec object before validation. */
import { parse as parseYamlScalar } from 'yaml';
import { TlorcError } from '../errors/index.js';

export function applyOverrides(raw: unknown, sets: readonly string[]): unknown {
  if (sets.length === 0) return raw;
  const root = structuredClone(raw ?? {}) as Record<string, unknown>;
  for (const set of sets) {
    const eq = set.indexOf('=');
    if (eq <= 0) throw new TlorcError('TLORC_OVERRIDE_INVALID', `Override "${set}" is not of the form path=value.`);
    // `phases.1.epochs` and `phases[1].epochs` (the form error messages print) mean the same
    const keyPath = set.slice(0, eq).replace(/\[(\d+)\]/g, '.$1').split('.');
    if (keyPath.some((k) => k === '' || k === '__proto__' || k === 'constructor' || k === 'prototype'))
      throw new TlorcError('TLORC_OVERRIDE_INVALID', `Override path "${set.slice(0, eq)}" is not valid.`);
    // the value is read as YAML, so 1e-4 is a number, true a boolean, [1,2] a list
    let value: unknown;
    try {
      value = parseYamlScalar(set.slice(eq + 1));
    } catch (e) {
      throw new TlorcError('TLORC_OVERRIDE_INVALID', `Override value in "${set}" is not valid YAML.`, { cause: e });
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
