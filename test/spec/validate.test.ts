/** Spec validation: field paths, expected vs found, did-you-mean, cross-field rules, normalization. */
import { describe, it, expect } from 'vitest';
import { parseSpecText } from '../../src/spec/load.js';
import { checkSpec, parseSpec } from '../../src/spec/validate.js';
import { applyOverrides, applyUnsets } from '../../src/spec/overrides.js';
import { TlorcError } from '../../src/errors/index.js';
import type { Issue } from '../../src/spec/issues.js';

const base = `apiVersion: tlorc/v1
task: image_classification
framework: keras
backbone: { name: mobilenet, alpha: 0.25, weights: none }
data: { type: image_folder, root: ./flowers }
epochs: 2
`;

const issues = (text: string): Issue[] => {
  const r = checkSpec(parseSpecText(text, '/specs', '/specs/spec.yaml'));
  if (r.ok) throw new Error('expected issues');
  return r.issues;
};
const one = (text: string, path: string) => {
  const found = issues(text).find((i) => i.path.join('.') === path);
  if (!found) throw new Error(`no issue at ${path}: ${JSON.stringify(issues(text))}`);
  return found;
};

describe('spec validation', () => {
  it('accepts a minimal spec and applies every default', () => {
    const r = checkSpec(parseSpecText(base, '/specs'));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.spec.backbone.input_size).toEqual([224, 224]);
    expect(r.spec.backbone.alpha).toBe(0.25);
    expect(r.spec.keras_backend).toBe('torch');
    expect(r.spec.head.pooling).toBe('avg');
    expect(r.spec.loss).toEqual({ name: 'sparse_categorical_crossentropy', from_logits: false, label_smoothing: 0, label_encoding: 'index' });
    expect(r.spec.phases).toEqual([{ index: 0, name: 'train', epochs: 2, freeze: 'all', optimizer: expect.objectContaining({ name: 'adam', learning_rate: 1e-3 }) }]);
    expect(r.spec.data).toMatchObject({ type: 'image_folder', root: '/specs/flowers', train: '/specs/flowers/train', val: '/specs/flowers/val' });
    expect(r.spec.output).toBe('/specs/runs');
  });

  it('unknown key `lr` -> did you mean learning_rate, with the field path and line', () => {
    const i = one(base + 'optimizer: { name: adam, lr: 0.01 }\n', 'optimizer.lr');
    expect(i.code).toBe('unknown_key');
    expect(i.suggestion).toBe('learning_rate');
    expect(i.message).toContain('did you mean "learning_rate"');
    expect(i.expected).toContain('learning_rate');
    expect(i.line).toBe(7);
  });

  it('typos in keys and enum values get suggestions', () => {
    expect(one(base + 'bach_size: 8\n', 'bach_size').suggestion).toBe('batch_size');
    expect(one(base + 'head: { pooling: flaten }\n', 'head.pooling').suggestion).toBe('flatten');
    expect(one(base.replace('keras', 'pytorhc'), 'framework').suggestion).toBe('pytorch');
  });

  it('wrong types name expected and found', () => {
    const i = one(base + 'batch_size: "eight"\n', 'batch_size');
    expect(i.code).toBe('invalid_type');
    expect(i.expected).toBe('number');
    expect(i.found).toContain('"eight"');
  });

  it('missing required fields are reported at their path', () => {
    const i = one(base.replace('task: image_classification\n', ''), 'task');
    expect(i.code).toBe('missing_field');
  });

  it('unknown backbone with a suggestion', () => {
    const i = one(base.replace('name: mobilenet,', 'name: mobilnet,'), 'backbone.name');
    expect(i.code).toBe('unknown_backbone');
    expect(i.suggestion).toBe('mobilenet');
  });

  it('softmax output with a from-logits loss is a contradiction', () => {
    const i = one(base + 'loss: { name: categorical_crossentropy, from_logits: true }\n', 'loss.from_logits');
    expect(i.code).toBe('contradiction');
    expect(i.found).toContain('softmax');
  });

  it('linear output without from_logits is a contradiction', () => {
    expect(one(base + 'head: { output_activation: linear }\n', 'head.output_activation').code).toBe('contradiction');
  });

  it('binary crossentropy with a softmax output, and sigmoid with categorical losses, are contradictions', () => {
    expect(one(base + 'loss: binary_crossentropy\n', 'head.output_activation').message).toMatch(/sigmoid/);
    expect(one(base + 'head: { output_activation: sigmoid }\n', 'head.output_activation').message).toMatch(/softmax|distribution/);
  });

  it('a Flatten head on a variable input size is rejected', () => {
    const t = base.replace('weights: none }', 'weights: none, input_size: null }') + 'head: { pooling: flatten }\n';
    expect(one(t, 'head.pooling').message).toMatch(/fixed input size/);
  });

  it('a backbone the framework does not offer is rejected (MobileNet v1 has no torchvision model)', () => {
    const i = one(base.replace('framework: keras', 'framework: pytorch'), 'framework');
    expect(i.expected).toBe('"keras"');
  });

  it('text backbones need text tasks and data', () => {
    const t = base.replace('name: mobilenet, alpha: 0.25,', 'name: all-minilm-l6-v2,');
    expect(one(t, 'backbone.name').message).toMatch(/text_classification/);
  });

  it('misspelt union forms get the allowed values and a "did you mean"', () => {
    expect(one(base.replace('type: image_folder', 'type: image_foldr'), 'data.type')).toMatchObject({ suggestion: 'image_folder', expected: 'one of "image_folder", "text_table"' });
    expect(one(base + 'optimizer: { schedule: { type: cosin } }\n', 'optimizer.schedule.type')).toMatchObject({ suggestion: 'cosine' });
    expect(one(base + 'freeze: al\n', 'freeze')).toMatchObject({ suggestion: 'all', expected: expect.stringContaining('{until: layer_name}') });
    expect(one(base + 'freeze: { untill: conv_pw_11_relu }\n', 'freeze.untill')).toMatchObject({ code: 'unknown_key', suggestion: 'until', expected: 'one of: first, until, pattern' });
    const empty = one(base + 'freeze: {}\n', 'freeze');
    expect(empty.message).toBe('Give one of first, until, pattern.');
    expect(issues(base + 'freeze: {}\n').map((i) => i.path.join('.'))).not.toContain('freeze.first');
  });

  it('a text table whose label column is its text column is rejected', () => {
    const t = `apiVersion: tlorc/v1
task: text_classification
framework: pytorch
backbone: { name: all-minilm-l6-v2 }
data: { type: text_table, train: ./t.tsv, header: true, text_column: sentence, label_column: sentence }
epochs: 1
`;
    expect(one(t, 'data.label_column')).toMatchObject({ expected: 'a column other than "sentence"', found: '"sentence"' });
  });

  it('pretrained Keras MobileNet weights exist only for some sizes', () => {
    const t = base.replace('weights: none', 'weights: imagenet, input_size: 100');
    expect(one(t, 'backbone.input_size').expected).toContain('224');
  });

  it('momentum on adam, nesterov without momentum, clipnorm with global_clipnorm', () => {
    expect(one(base + 'optimizer: { name: adam, momentum: 0.9 }\n', 'optimizer.momentum').code).toBe('contradiction');
    expect(one(base + 'optimizer: { name: sgd, nesterov: true }\n', 'optimizer.momentum').code).toBe('contradiction');
    expect(one(base + 'optimizer: { clipnorm: 1, global_clipnorm: 1 }\n', 'optimizer.global_clipnorm').code).toBe('contradiction');
  });

  it('epochs and phases: exactly one of them', () => {
    expect(one(base + 'phases: [{ epochs: 1 }]\n', 'epochs').code).toBe('contradiction');
    expect(one(base.replace('epochs: 2\n', ''), 'epochs').code).toBe('missing_field');
  });

  it('phases inherit the optimizer and override single fields', () => {
    const t = base.replace('epochs: 2\n', '') + `optimizer: { name: adam, learning_rate: 0.001, clipvalue: 1.0 }
phases:
  - { name: head, epochs: 2, freeze: all }
  - { name: finetune, epochs: 1, freeze: { until: conv_pw_11_relu }, optimizer: { learning_rate: 1.0e-5 } }
`;
    const spec = parseSpec(parseSpecText(t, '/specs'));
    expect(spec.phases.map((p) => [p.name, p.epochs, p.freeze, p.optimizer.learning_rate, p.optimizer.clipvalue])).toEqual([
      ['head', 2, 'all', 0.001, 1.0],
      ['finetune', 1, { until: 'conv_pw_11_relu' }, 1e-5, 1.0],
    ]);
  });

  it('a phase override changes only the fields it names (name, learning rate, weight decay are inherited)', () => {
    const t = base.replace('epochs: 2\n', '') + `optimizer: { name: sgd, learning_rate: 0.05, momentum: 0.9, weight_decay: 0.01 }
phases:
  - { epochs: 1 }
  - { epochs: 1, optimizer: { learning_rate: 1.0e-3 } }
  - { epochs: 1, optimizer: { momentum: 0.5 } }
`;
    const spec = parseSpec(parseSpecText(t, '/specs'));
    expect(spec.phases.map((p) => p.optimizer)).toEqual([
      { name: 'sgd', learning_rate: 0.05, weight_decay: 0.01, momentum: 0.9 },
      { name: 'sgd', learning_rate: 1e-3, weight_decay: 0.01, momentum: 0.9 },
      { name: 'sgd', learning_rate: 0.05, weight_decay: 0.01, momentum: 0.5 },
    ]);
    // switching the optimizer in a phase while momentum is inherited is caught before anything runs
    const bad = base.replace('epochs: 2\n', '') + 'optimizer: { name: sgd, momentum: 0.9 }\nphases: [{ epochs: 1, optimizer: { name: adam } }]\n';
    expect(one(bad, 'phases.0.optimizer.momentum').message).toMatch(/inherited/);
  });

  it('freeze forms: all, none, first, until, pattern; anything else names the forms', () => {
    for (const f of ['all', 'none', '{ first: 10 }', '{ until: conv_pw_5 }', '{ pattern: "conv_dw_*" }'])
      expect(checkSpec(parseSpecText(base + `freeze: ${f}\n`, '/')).ok).toBe(true);
    const two = issues(base + 'freeze: { first: 3, until: conv_pw_5 }\n');
    expect(two).toHaveLength(1);
    expect(two[0]!.message).toBe('Give exactly one of first, until, not several.');
    const i = issues(base + 'freeze: some\n')[0]!;
    expect(i.path).toEqual(['freeze']);
    expect(i.expected).toMatch(/all.*none.*first.*until.*pattern/);
  });

  it('invalid YAML is a parse error with line and column, not a stack trace', () => {
    try {
      parseSpecText('apiVersion: tlorc/v1\nbackbone: { name: [unclosed\n', '/', 'bad.yaml');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TlorcError);
      expect((e as TlorcError).code).toBe('TLORC_SPEC_PARSE');
      expect((e as TlorcError).message).toMatch(/bad\.yaml:\d+:\d+/);
    }
  });

  it('a YAML alias bomb is a parse error, never expanded; a .json spec is held to JSON', () => {
    const levels = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 10; i++) levels.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    const parseError = (text: string, file: string) => {
      try {
        parseSpecText(text, '/', file);
      } catch (e) {
        return e as TlorcError;
      }
      throw new Error('no error');
    };
    const bomb = parseError(levels.join('\n') + '\n', 'bomb.yaml');
    expect(bomb.code).toBe('TLORC_SPEC_PARSE');
    expect(bomb.message).toMatch(/alias/i);
    const json = parseError('{\n  "apiVersion": "tlorc/v1",\n}\n', 'spec.json');
    expect(json.code).toBe('TLORC_SPEC_PARSE');
    expect(json.message).toMatch(/^Invalid JSON at spec\.json:3:1/);
  });

  it('parseSpec throws one TlorcError carrying every issue', () => {
    try {
      parseSpec(parseSpecText(base + 'bach_size: 8\noptimizer: { lr: 1 }\n', '/'));
      expect.unreachable();
    } catch (e) {
      const err = e as TlorcError;
      expect(err.code).toBe('TLORC_SPEC_INVALID');
      expect(err.exitCode).toBe(2);
      expect(err.issues.length).toBe(2);
      expect(err.toJSON()).toMatchObject({ code: 'TLORC_SPEC_INVALID', hint: expect.any(String), issues: expect.any(Array) });
    }
  });
});

describe('--set overrides', () => {
  it('sets nested fields with YAML-typed values', () => {
    const v = applyOverrides({ optimizer: { name: 'adam' } }, ['optimizer.learning_rate=1e-4', 'batch_size=8', 'head.layers=[{units: 4}]']);
    expect(v).toEqual({ optimizer: { name: 'adam', learning_rate: 1e-4 }, batch_size: 8, head: { layers: [{ units: 4 }] } });
  });
  it('--unset removes a field so its default applies; list items by index', () => {
    expect(applyUnsets({ backbone: { name: 'mobilenet', alpha: 0.25 }, phases: [{ epochs: 1 }, { epochs: 2 }] }, ['backbone.alpha', 'phases[0]'])).toEqual({
      backbone: { name: 'mobilenet' },
      phases: [{ epochs: 2 }],
    });
  });
  it('accepts the path form errors print: phases[1].epochs', () => {
    expect(applyOverrides({ phases: [{ epochs: 1 }, { epochs: 1 }] }, ['phases[1].epochs=3'])).toEqual({ phases: [{ epochs: 1 }, { epochs: 3 }] });
  });
  it('rejects malformed overrides and prototype keys', () => {
    expect(() => applyOverrides({}, ['nonsense'])).toThrow(/path=value/);
    expect(() => applyOverrides({}, ['__proto__.x=1'])).toThrow(TlorcError);
  });
  it('never drops a path silently: a key on a list, an index past the end, an unset of a missing field', () => {
    const spec = { optimizer: { learning_rate: 1e-3 }, phases: [{ epochs: 1 }, { epochs: 2 }], metrics: ['accuracy'] };
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return `${(e as TlorcError).code}: ${(e as TlorcError).message}`;
      }
      return 'no error';
    };
    expect(code(() => applyOverrides(spec, ['phases.epochs=1']))).toMatch(/^TLORC_OVERRIDE_INVALID: .*phases is a list.*phases\[0\]\.epochs/);
    expect(code(() => applyOverrides(spec, ['metrics.foo=bar']))).toMatch(/TLORC_OVERRIDE_INVALID: .*metrics is a list/);
    expect(code(() => applyOverrides(spec, ['phases[5].epochs=1']))).toMatch(/phases has 2 items, so phases\[5\] does not exist/);
    expect(code(() => applyUnsets(spec, ['optimizer.learnig_rate']))).toMatch(/optimizer has no field "learnig_rate" \(did you mean "learning_rate"\?\)/);
    expect(code(() => applyUnsets(spec, ['nonexistent.deep']))).toMatch(/the spec has no field "nonexistent"/);
    expect(code(() => applyUnsets(spec, ['phases[2]']))).toMatch(/phases\[2\] does not exist/);
    // one past the end appends; a missing list is created as a list
    expect(applyOverrides(spec, ['phases[2].epochs=3'])).toMatchObject({ phases: [{ epochs: 1 }, { epochs: 2 }, { epochs: 3 }] });
    expect(applyOverrides({}, ['head.layers[0].units=8'])).toEqual({ head: { layers: [{ units: 8 }] } });
  });
  it('keeps plain string values exactly as typed; YAML types the rest', () => {
    expect(applyOverrides({}, ['data.root=/data/a #b', 'name=#1', 'x=line one\nline two'])).toEqual({ data: { root: '/data/a #b' }, name: '#1', x: 'line one\nline two' });
    expect(applyOverrides({}, ['a="quoted #x"', 'b=~', 'c=1e-4', 'd=[1, 2]', 'e=true'])).toEqual({ a: 'quoted #x', b: null, c: 1e-4, d: [1, 2], e: true });
  });
});
