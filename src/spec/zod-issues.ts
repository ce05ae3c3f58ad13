/**
 * zod issues -> tlorc issues: field path, what was expected, what was found, "did you mean".
 * Union errors are reduced to the branch that got furthest, so a user sees one clear message.
 */
import type { z } from 'zod';
import type { Issue } from './issues.js';
import { suggest } from './suggest.js';

const describe = (v: unknown): string => {
  if (v === undefined) return 'nothing (field missing)';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `a list (${JSON.stringify(v).slice(0, 60)})`;
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 60 ? v.slice(0, 57) + '...' : v)}`;
  return `${typeof v} ${String(v)}`;
};

const valueAt = (root: unknown, p: readonly PropertyKey[]): unknown => {
  let cur: unknown = root;
  for (const k of p) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k as string];
  }
  return cur;
};

/** Keys an object schema at `path` accepts, for "did you mean". */
function knownKeysAt(schema: z.ZodType, p: readonly PropertyKey[], input: unknown): string[] {
  let cur: any = schema;
  let value: unknown = input;
  const unwrap = (s: any): any => {
    for (;;) {
      const t = s?._zod?.def?.type;
      if (t === 'default' || t === 'optional' || t === 'nullable' || t === 'prefault' || t === 'readonly' || t === 'pipe')
        s = s._zod.def.innerType ?? s._zod.def.in;
      else return s;
    }
  };
  const pickBranch = (s: any, v: unknown): any => {
    const def = s?._zod?.def;
    if (def?.type !== 'union') return s;
    const objs = def.options.map(unwrap).filter((o: any) => o?._zod?.def?.type === 'object');
    if (def.discriminator && v && typeof v === 'object') {
      const d = (v as Record<string, unknown>)[def.discriminator];
      const hit = objs.find((o: any) => o._zod.def.shape[def.discriminator]?._zod?.def?.values?.includes?.(d));
      if (hit) return hit;
    }
    // the object branch sharing most keys with the value
    const keys = v && typeof v === 'object' ? Object.keys(v) : [];
    let best = objs[0];
    let bestN = -1;
    for (const o of objs) {
      const n = keys.filter((k) => k in o._zod.def.shape).length;
      if (n > bestN) { best = o; bestN = n; }
    }
    return best ?? s;
  };
  cur = pickBranch(unwrap(cur), value);
  for (const k of p) {
    const def = cur?._zod?.def;
    if (def?.type === 'object') cur = def.shape[k as string];
    else if (def?.type === 'array') cur = def.element;
    else if (def?.type === 'tuple') cur = def.items[k as number];
    else return [];
    value = valueAt(value, [k]);
    cur = pickBranch(unwrap(cur), value);
  }
  const def = cur?._zod?.def;
  return def?.type === 'object' ? Object.keys(def.shape) : [];
}

/** A union of one-key objects given several of those keys (freeze: {first: 3, until: x}). */
function severalForms(issue: z.core.$ZodIssue): string[] | null {
  if (issue.code !== 'invalid_union') return null;
  const onlyExtraKeys = issue.errors.filter((errs) => errs.length > 0 && errs.every((e) => e.code === 'unrecognized_keys' && e.path.length === 0));
  if (onlyExtraKeys.length < 2) return null;
  return [...new Set(onlyExtraKeys.flatMap((errs) => errs.flatMap((e) => (e as { keys: string[] }).keys)))].sort();
}

/**
 * Union issues that read better as one precise sentence: a misspelt discriminator (data.type),
 * a misspelt string form (freeze: al), a misspelt key of a one-key form (freeze: {untill: x}),
 * an empty form (freeze: {}). Null when the general branch choice below should decide.
 */
function unionShortcut(issue: z.core.$ZodIssue, path: (string | number)[], input: unknown): Issue | null {
  if (issue.code !== 'invalid_union') return null;
  const found = valueAt(input, path);
  const disc = issue as { discriminator?: string; options?: unknown[] };
  if (disc.discriminator !== undefined && Array.isArray(disc.options)) {
    const values = disc.options.map(String);
    const s = typeof found === 'string' ? suggest(found, values) : undefined;
    return {
      code: found === undefined ? 'missing_field' : 'invalid_value',
      path,
      message: found === undefined ? 'Required field is missing.' : `Invalid value${s ? ` (did you mean "${s}"?)` : ''}.`,
      expected: `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`,
      found: describe(found),
      ...(s ? { suggestion: s } : {}),
    };
  }
  const branches = issue.errors;
  if (typeof found === 'string') {
    const values = branches.flatMap((errs) => errs.flatMap((e) => (e.code === 'invalid_value' && e.path.length === 0 ? e.values.map(String) : [])));
    const s = values.length ? suggest(found, values) : undefined;
    if (s) return { code: 'invalid_value', path, message: `Invalid value (did you mean "${s}"?).`, expected: unionForms(path), found: describe(found), suggestion: s };
  }
  if (found && typeof found === 'object' && !Array.isArray(found)) {
    // one-key object forms whose only complaints are "my key is missing" and "unknown key"
    const objects = branches.filter((errs) => errs.length > 0 && errs.every((e) =>
      (e.code === 'invalid_type' && e.path.length === 1 && valueAt(found, e.path) === undefined) || (e.code === 'unrecognized_keys' && e.path.length === 0)));
    const forms = [...new Set(objects.flatMap((errs) => errs.flatMap((e) => (e.code === 'invalid_type' ? [String(e.path[0])] : []))))];
    if (objects.length >= 2 && forms.length >= 2) {
      const unknown = [...new Set(objects.flatMap((errs) => errs.flatMap((e) => (e.code === 'unrecognized_keys' ? e.keys : []))))];
      if (unknown.length) {
        const key = unknown[0]!;
        const s = suggest(key, forms);
        return { code: 'unknown_key', path: [...path, key], message: `Unknown field "${key}"${s ? ` (did you mean "${s}"?)` : ''}.`, expected: `one of: ${forms.join(', ')}`, found: `"${key}"`, ...(s ? { suggestion: s } : {}) };
      }
      if (Object.keys(found).length === 0) return { code: 'missing_field', path, message: `Give one of ${forms.join(', ')}.`, expected: unionForms(path), found: 'an empty object' };
    }
  }
  return null;
}

/** A tlorc issue travelling through flatten as a zod custom issue. */
const carried = (i: Issue): z.core.$ZodIssue => ({ code: 'custom', path: i.path, message: i.message, input: undefined, params: { tlorc: i } }) as z.core.$ZodIssue;

function flatten(issue: z.core.$ZodIssue, input: unknown, base: PropertyKey[] = []): z.core.$ZodIssue[] {
  const several = severalForms(issue);
  if (several) {
    return [{ code: 'custom', path: [...base, ...issue.path], message: `Give exactly one of ${several.join(', ')}, not several.`, input: undefined } as z.core.$ZodIssue];
  }
  const short = unionShortcut(issue, [...base, ...issue.path].map((k) => (typeof k === 'symbol' ? String(k) : k)) as (string | number)[], input);
  if (short) return [carried(short)];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    // choose the branch whose first issue is deepest (it matched the most of the input)
    const branches = issue.errors.map((errs) => errs.map((e) => ({ ...e, path: [...base, ...issue.path, ...e.path] })));
    const score = (errs: z.core.$ZodIssue[]) =>
      Math.max(...errs.map((e) => e.path.length)) * 10 - errs.length - (errs.some((e) => e.code === 'invalid_type') ? 1 : 0);
    const nonTrivial = branches.filter((b) => b.length > 0);
    if (nonTrivial.length === 0) return [issue];
    const maxDepth = Math.max(...nonTrivial.map((b) => Math.max(...b.map((e) => e.path.length))));
    if (maxDepth <= base.length + issue.path.length) return [{ ...issue, path: [...base, ...issue.path] }];
    const best = nonTrivial.reduce((a, b) => (score(b) > score(a) ? b : a));
    return best.flatMap((e) => flatten(e, input));
  }
  return [{ ...issue, path: [...base, ...issue.path] }];
}

export function zodToIssues(error: z.ZodError, input: unknown, schema: z.ZodType): Issue[] {
  const out: Issue[] = [];
  for (const raw of error.issues.flatMap((i) => flatten(i, input))) {
    const path = raw.path.map((p) => (typeof p === 'symbol' ? String(p) : p)) as (string | number)[];
    const found = valueAt(input, path);
    switch (raw.code) {
      case 'unrecognized_keys': {
        const known = knownKeysAt(schema, path, input);
        for (const key of raw.keys) {
          const s = suggest(key, known);
          out.push({
            code: 'unknown_key',
            path: [...path, key],
            message: `Unknown field "${key}"${s ? ` (did you mean "${s}"?)` : ''}.`,
            expected: known.length ? `one of: ${known.join(', ')}` : 'no fields here',
            found: `"${key}"`,
            ...(s ? { suggestion: s } : {}),
          });
        }
        break;
      }
      case 'invalid_value': {
        const values = raw.values.map((v) => JSON.stringify(v));
        const s = typeof found === 'string' ? suggest(found, raw.values.map(String)) : undefined;
        out.push({
          code: found === undefined ? 'missing_field' : 'invalid_value',
          path,
          message: found === undefined ? 'Required field is missing.' : `Invalid value${s ? ` (did you mean "${s}"?)` : ''}.`,
          expected: values.length === 1 ? values[0]! : `one of ${values.join(', ')}`,
          found: describe(found),
          ...(s ? { suggestion: s } : {}),
        });
        break;
      }
      case 'invalid_type':
        out.push({
          code: found === undefined ? 'missing_field' : 'invalid_type',
          path,
          message: found === undefined ? 'Required field is missing.' : `Wrong type.`,
          expected: raw.expected,
          found: describe(found),
        });
        break;
      case 'invalid_union': {
        out.push({
          code: 'invalid_value',
          path,
          message: 'Value does not match any allowed form.',
          expected: unionForms(path),
          found: describe(found),
        });
        break;
      }
      case 'too_small':
      case 'too_big': {
        const bound = raw.code === 'too_small' ? raw.minimum : raw.maximum;
        const op = raw.code === 'too_small' ? (raw.inclusive ? '>=' : '>') : raw.inclusive ? '<=' : '<';
        const what = raw.origin === 'array' ? 'items' : raw.origin === 'string' ? 'characters' : '';
        const exact = (raw as { exact?: boolean }).exact === true;
        const noun = raw.origin === 'array' ? 'List' : raw.origin === 'string' ? 'Text' : 'Value';
        out.push({
          code: raw.code,
          path,
          message: exact ? `${noun} has the wrong length.` : `${noun} is too ${raw.code === 'too_small' ? (raw.origin === 'number' ? 'small' : 'short') : raw.origin === 'number' ? 'big' : 'long'}.`,
          expected: exact ? `exactly ${String(bound)} ${what || 'items'}` : `${what ? `${what} ` : ''}${op} ${String(bound)}`,
          found: describe(found),
        });
        break;
      }
      case 'invalid_format':
        out.push({ code: 'invalid_value', path, message: 'Invalid format.', expected: raw.message.replace(/^Invalid string: /, ''), found: describe(found) });
        break;
      case 'custom':
        if ((raw.params as { tlorc?: Issue } | undefined)?.tlorc) {
          out.push((raw.params as { tlorc: Issue }).tlorc);
          break;
        }
        out.push({ code: raw.message.startsWith('Give exactly one of') ? 'contradiction' : 'custom', path, message: raw.message, found: describe(found) });
        break;
      default:
        out.push({ code: raw.code, path, message: raw.message, found: describe(found) });
    }
  }
  return dedupe(out);
}

function unionForms(p: (string | number)[]): string {
  const field = p[p.length - 1];
  if (field === 'freeze') return '"all", "none", {first: N}, {until: layer_name} or {pattern: glob}';
  if (field === 'loss') return 'a loss name or {name, from_logits, label_smoothing}';
  if (field === 'input_size') return 'N, [height, width] or null';
  if (field === 'gpus') return '"all", a count, or a list of device ids';
  return 'see `tlorc schema`';
}

function dedupe(issues: Issue[]): Issue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.code}|${i.path.join('.')}|${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
