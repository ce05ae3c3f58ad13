/**
 * No user string reaches a generated script unescaped: a spec full of hostile strings (in
 * paths, phase names, layer names, column names, the delimiter) generates scripts that compile,
 * and Python's own parser finds every one of those strings, exactly, as a string constant.
 */
import { describe, expect, it } from 'vitest';
import { parseSpec } from '../../src/spec/index.js';
import { compileCheck, generate } from '../../src/codegen/index.js';
import { HAS_PYTHON, PYTHON, pyJson } from './python.js';

const H = {
  triple: "'''",
  dtriple: '"""',
  backslash: 'C:\\data\\',
  injection: "\n__import__('os').system('touch /tmp/pwned')\n#",
  quoteBreak: '"); __import__("os").system("x"); ("',
  separators: 'nel\u0085ls\u2028ps\u2029cr\rend',
  nul: 'nul\u0000x',
  unicode: 'caf\u00e9 \u{1F600} \ud800',
  braces: '{{spec_name}} {{#binary}}',
  comment: '# -*- coding: latin-1 -*-',
};

const imageSpec = {
  apiVersion: 'tlorc/v1',
  name: 'hostile',
  task: 'image_classification',
  framework: 'keras',
  backbone: { name: 'mobilenet', alpha: 0.25, weights: `/w/${H.quoteBreak}.h5`, input_size: 128 },
  phases: [
    { name: H.injection, epochs: 1, freeze: { until: H.triple } },
    { name: H.dtriple, epochs: 1, freeze: { pattern: H.separators } },
    { name: H.nul, epochs: 1, freeze: { until: H.unicode } },
  ],
  data: { type: 'image_folder', root: `/d/${H.backslash}`, train: H.braces, val: H.comment },
};

const textSpec = {
  apiVersion: 'tlorc/v1',
  task: 'text_classification',
  framework: 'pytorch',
  backbone: { name: 'minilm', weights: `/m/${H.injection}` },
  freeze: { pattern: H.braces },
  data: {
    type: 'text_table',
    train: [`/t/${H.separators}.tsv`, `/t/${H.triple}.tsv`],
    val: `/t/${H.unicode}.tsv`,
    delimiter: '"',
    header: true,
    quoting: 'csv',
    text_column: H.quoteBreak,
    label_column: H.nul,
  },
  epochs: 1,
};

/** Every str constant in the module, via Python's ast (returned as JSON, so exact). */
const STRINGS = `
import ast, json, sys
tree = ast.parse(json.loads(sys.argv[1]))
print(json.dumps(sorted({n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)})))`;

/** The module-level constants named in the list, literal_eval'ed. */
const ASSIGNED = `
import ast, json, sys
source, names = json.loads(sys.argv[1])
values = {}
for node in ast.parse(source).body:
    if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) and node.targets[0].id in names:
        values[node.targets[0].id] = ast.literal_eval(node.value)
print(json.dumps(values))`;

const build = (raw: object) => generate(parseSpec({ value: raw, baseDir: '/base' }));

describe('hostile strings in a spec', () => {
  it('the specs are valid (so the strings really reach codegen)', () => {
    expect(() => build(imageSpec)).not.toThrow();
    expect(() => build(textSpec)).not.toThrow();
  });

  it.skipIf(!HAS_PYTHON)('image script: compiles, and every hostile string is one exact constant', async () => {
    const script = build(imageSpec);
    await compileCheck(script.files, PYTHON);
    const strings = new Set(pyJson<string[]>(STRINGS, script.files['train.py']));
    for (const s of [H.injection, H.dtriple, H.nul, H.triple, H.separators, H.unicode, `/w/${H.quoteBreak}.h5`])
      expect(strings.has(s), JSON.stringify(s)).toBe(true);
    const v = pyJson<Record<string, unknown>>(ASSIGNED, [script.files['train.py'], ['PHASES', 'TRAIN_DIR', 'VAL_DIR', 'WEIGHTS']]);
    expect(v.TRAIN_DIR).toBe(`/d/${H.backslash}/${H.braces}`);
    expect(v.VAL_DIR).toBe(`/d/${H.backslash}/${H.comment}`);
    expect(v.WEIGHTS).toBe(`/w/${H.quoteBreak}.h5`);
    const phases = v.PHASES as { name: string; freeze: unknown; checkpoint_dir: string }[];
    expect(phases.map((p) => p.name)).toEqual([H.injection, H.dtriple, H.nul]);
    expect(phases.map((p) => p.freeze)).toEqual([{ until: H.triple }, { pattern: H.separators }, { until: H.unicode }]);
    // phase names never become paths
    for (const p of phases) expect(p.checkpoint_dir).toMatch(/^[0-9]+-[A-Za-z0-9._-]+$/);
    // nothing but comments and code the template wrote: the injected call is not code
    expect(script.files['train.py']).not.toMatch(/^__import__/m);
  });

  it.skipIf(!HAS_PYTHON)('text script: compiles, and every hostile string is one exact constant', async () => {
    const script = build(textSpec);
    await compileCheck(script.files, PYTHON);
    const v = pyJson<Record<string, unknown>>(ASSIGNED, [script.files['train.py'], ['TRAIN_FILES', 'VAL_FILES', 'TABLE_FORMAT', 'MODEL_SOURCE', 'PHASES']]);
    expect(v.TRAIN_FILES).toEqual([`/t/${H.separators}.tsv`, `/t/${H.triple}.tsv`]);
    expect(v.VAL_FILES).toEqual([`/t/${H.unicode}.tsv`]);
    expect(v.MODEL_SOURCE).toBe(`/m/${H.injection}`);
    expect(v.TABLE_FORMAT).toEqual({ delimiter: '"', header: true, quoting: 'csv', text_column: H.quoteBreak, label_column: H.nul });
    expect((v.PHASES as { freeze: unknown }[])[0]!.freeze).toEqual({ pattern: H.braces });
  });
});
