import { describe, expect, it } from 'vitest';
import { py, pyFloat, pyIdent, pyTuple, isPyIdent } from '../../src/codegen/index.js';
import { HAS_PYTHON, pyJson } from './python.js';

const HOSTILE = [
  '',
  "'''",
  '"""',
  '\\',
  '\\\\"',
  "\n__import__('os').system('echo pwned')",
  '"); import os; os.system("x"); ("',
  "'+__import__('os').getcwd()+'",
  'line1\r\nline2\rline3',
  'nul\u0000byte',
  'nel\u0085ls\u2028ps\u2029end',
  'tab\tvt\u000bff\u000cesc\u001bdel\u007f',
  'caf\u00e9 \u65e5\u672c \u{1F600} \u{10FFFF}',
  '\ud800 lone high, \udc00 lone low',
  '{{name}} {{#x}}{{/x}}',
  '# not a comment',
  '\\N{BULLET} \\x41 \\u0041',
];

describe('py(): Python literal serializer', () => {
  it('writes scalars as Python literals', () => {
    expect(py(null)).toBe('None');
    expect(py(undefined)).toBe('None');
    expect(py(true)).toBe('True');
    expect(py(false)).toBe('False');
    expect(py(3)).toBe('3');
    expect(py(-7)).toBe('-7');
    expect(py(1e-5)).toBe('1e-5');
    expect(py(0.001)).toBe('0.001');
    expect(py(2n ** 70n)).toBe('1180591620717411303424');
    expect(py(pyFloat(1))).toBe('1.0');
    expect(py(pyFloat(1e21))).toBe('1e+21');
    expect(py(pyFloat(-0))).toBe('-0.0');
    expect(py(Infinity)).toBe('float("inf")');
    expect(py(-Infinity)).toBe('-float("inf")');
    expect(py(NaN)).toBe('float("nan")');
    expect(py('a"b')).toBe('"a\\"b"');
  });

  it('writes containers, one line when short, one item per line when long', () => {
    expect(py([1, 'a', null])).toBe('[1, "a", None]');
    expect(py(pyTuple([224, 224, 3]))).toBe('(224, 224, 3)');
    expect(py(pyTuple([1]))).toBe('(1,)');
    expect(py(pyTuple([]))).toBe('()');
    expect(py({ a: 1, 'b c': [true] })).toBe('{"a": 1, "b c": [True]}');
    const long = py(Array.from({ length: 30 }, (_, i) => `item-${i}`));
    expect(long.split('\n')[0]).toBe('[');
    expect(long.split('\n')[1]).toBe('    "item-0",');
  });

  it('output is printable ASCII and never contains a raw line break inside a string', () => {
    for (const s of HOSTILE) {
      const lit = py(s);
      expect(lit).toMatch(/^"[\x20-\x7e]*"$/);
    }
  });

  it('rejects what is not data', () => {
    expect(() => py(new Date() as never)).toThrow(/unsupported object/);
    expect(() => py((() => 1) as never)).toThrow(/unsupported value/);
  });

  it('validates identifiers', () => {
    expect(pyIdent('MobileNet_V2_Weights.IMAGENET1K_V1')).toBe('MobileNet_V2_Weights.IMAGENET1K_V1');
    for (const bad of ['', '1abc', 'a-b', 'os.system("x")', 'import', 'a..b', 'a b', 'é'])
      expect(isPyIdent(bad), bad).toBe(false);
    expect(() => pyIdent('x; import os')).toThrow(/TLORC|identifier/);
  });

  it.skipIf(!HAS_PYTHON)('round-trips through ast.literal_eval in real Python', () => {
    const values = [
      ...HOSTILE,
      0, -1, 42, 2 ** 53 - 1, 1e-5, 1e-7, 0.1, 123.456, 5e-324, 1.7976931348623157e308, -2.5,
      [1, [2, [3, 'x']]],
      { nested: { list: [true, false, null], s: "'''\"\"\"" } },
    ];
    // Python evaluates each literal and returns it as JSON (json.dumps escapes lone surrogates,
    // so the JS string comes back exactly)
    const code = `
import ast, json, sys
out = [ast.literal_eval(s) for s in json.loads(sys.argv[1])]
print(json.dumps(out))`;
    const back = pyJson<unknown[]>(code, values.map((v) => py(v as never)));
    expect(back).toEqual(values);
  });

  it.skipIf(!HAS_PYTHON)('floats keep their exact value and type; tuples stay tuples', () => {
    const code = `
import ast, json, math, sys
out = []
for s in json.loads(sys.argv[1]):
    v = eval(s, {"__builtins__": {"float": float}}) if "float(" in s else ast.literal_eval(s)
    out.append([type(v).__name__, repr(v)])
print(json.dumps(out))`;
    const lits = [py(pyFloat(1)), py(pyFloat(1e-5)), py(pyFloat(0.1)), py(Infinity), py(-Infinity), py(NaN), py(pyTuple([1, 2])), py(3)];
    expect(pyJson(code, lits)).toEqual([
      ['float', '1.0'], ['float', '1e-05'], ['float', '0.1'], ['float', 'inf'], ['float', '-inf'], ['float', 'nan'], ['tuple', '(1, 2)'], ['int', '3'],
    ]);
  });
});
