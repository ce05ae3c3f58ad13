/**
 * The safe Python literal serializer: the only way a value reaches a generated script.
 *
 * Every output is a Python expression built from literals only (plus `float("inf")` /
 * `float("nan")`, which have no literal form). Strings are fully escaped and the output is
 * pure printable ASCII: quotes, backslashes, control characters, NUL, U+0085, U+2028/U+2029
 * and every other non-ASCII character become escapes, so a user string can never end a
 * literal, start a new line or hide anything. Containers that fit on one line stay on one
 * line; longer ones are laid out one element per line (indentation inside brackets does not
 * matter to Python; the renderer re-indents continuation lines).
 *
 * The result type is branded: nothing but this module produces a `PyLiteral` (or a `PyIdent`),
 * and the renderer accepts nothing else, so raw string pasting into a template does not type-check.
 */
import { TlorcError } from '../errors/index.js';

declare const pyLiteralBrand: unique symbol;
declare const pyIdentBrand: unique symbol;

/** A serialized Python expression made of literals. Produced only by `py()` and friends. */
export type PyLiteral = string & { readonly [pyLiteralBrand]: true };
/** A validated (possibly dotted) Python identifier, e.g. `MobileNet` or `MobileNet_V2_Weights.IMAGENET1K_V1`. */
export type PyIdent = string & { readonly [pyIdentBrand]: true };

const FLOAT = Symbol('py.float');
const TUPLE = Symbol('py.tuple');

/** A number that must be written as a Python float (`1.0`, not `1`). */
export interface PyFloat { readonly [FLOAT]: number }
/** A Python tuple. */
export interface PyTuple { readonly [TUPLE]: readonly PyInput[] }

export type PyInput =
  | null
  | undefined
  | boolean
  | number
  | bigint
  | string
  | PyFloat
  | PyTuple
  | readonly PyInput[]
  | { readonly [key: string]: PyInput };

/** Mark a number as a float: `pyFloat(1)` serializes as `1.0`. */
export const pyFloat = (n: number): PyFloat => ({ [FLOAT]: n });
/** A tuple: `pyTuple([224, 224, 3])` serializes as `(224, 224, 3)`. */
export const pyTuple = (items: readonly PyInput[]): PyTuple => ({ [TUPLE]: items });

const fail = (message: string): never => {
  throw new TlorcError('TLORC_CODEGEN_TEMPLATE', `Python literal: ${message}`);
};

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** A Python str literal in double quotes, pure printable ASCII. */
function strLiteral(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c >= 0x20 && c < 0x7f) out += s[i];
    else if (c < 0x100) out += `\\x${hex(c, 2)}`;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out += `\\U${hex(((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000, 8)}`;
        i++;
      } else out += `\\u${hex(c, 4)}`; // lone high surrogate: Python keeps it as is
    } else out += `\\u${hex(c, 4)}`;
  }
  return out + '"';
}

function intLiteral(n: number | bigint): string {
  return typeof n === 'bigint' ? n.toString() : String(n);
}

function floatLiteral(n: number): string {
  if (Number.isNaN(n)) return 'float("nan")';
  if (n === Infinity) return 'float("inf")';
  if (n === -Infinity) return '-float("inf")';
  if (Object.is(n, -0)) return '-0.0';
  // shortest round-trip digits; exponent form where Python's repr uses it (1e-05 reads as 1e-5)
  const a = Math.abs(n);
  const s = a !== 0 && (a < 1e-4 || a >= 1e16) ? n.toExponential() : String(n);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

const isPlainObject = (v: object): v is { readonly [key: string]: PyInput } => {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
};

const MAX_WIDTH = 88;

function serialize(value: PyInput, depth: number, where: string): string {
  if (depth > 32) fail(`nesting too deep at ${where}`);
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return strLiteral(value);
  if (typeof value === 'bigint') return intLiteral(value);
  if (typeof value === 'number') return Number.isSafeInteger(value) ? intLiteral(value) : floatLiteral(value);
  if (Array.isArray(value)) return container('[', ']', (value as readonly PyInput[]).map((v, i) => serialize(v, depth + 1, `${where}[${i}]`)), false);
  if (typeof value === 'object') {
    if (FLOAT in value) {
      const n = (value as PyFloat)[FLOAT];
      if (typeof n !== 'number') fail(`pyFloat needs a number at ${where}`);
      return floatLiteral(n);
    }
    if (TUPLE in value) {
      const items = (value as PyTuple)[TUPLE].map((v, i) => serialize(v, depth + 1, `${where}[${i}]`));
      return container('(', ')', items, items.length === 1);
    }
    if (!isPlainObject(value)) fail(`unsupported object at ${where}`);
    const entries = Object.entries(value as { readonly [key: string]: PyInput });
    return container('{', '}', entries.map(([k, v]) => `${strLiteral(k)}: ${serialize(v, depth + 1, `${where}.${k}`)}`), false);
  }
  return fail(`unsupported value of type ${typeof value} at ${where}`);
}

function container(open: string, close: string, items: string[], singleTuple: boolean): string {
  const oneLine = `${open}${items.join(', ')}${singleTuple ? ',' : ''}${close}`;
  if (oneLine.length <= MAX_WIDTH && !oneLine.includes('\n')) return oneLine;
  const body = items.map((it) => `    ${it.replace(/\n/g, '\n    ')},`).join('\n');
  return `${open}\n${body}\n${close}`;
}

/** Serialize a JS value as a Python literal expression. Numbers that are safe integers become ints. */
export function py(value: PyInput): PyLiteral {
  return serialize(value, 0, 'value') as PyLiteral;
}

const PY_KEYWORDS = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif', 'else',
  'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or', 'pass', 'raise',
  'return', 'try', 'while', 'with', 'yield',
]);

const IDENT_PART = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** True when `s` is a (dotted) Python identifier that is no keyword. */
export function isPyIdent(s: string): boolean {
  return s.length > 0 && s.length <= 200 && s.split('.').every((p) => IDENT_PART.test(p) && !PY_KEYWORDS.has(p));
}

/** Validate a (dotted) identifier for insertion as code, e.g. a keras.applications attribute. */
export function pyIdent(s: string): PyIdent {
  if (!isPyIdent(s)) fail(`not a Python identifier: ${JSON.stringify(s)}`);
  return s as PyIdent;
}
