/**
 * The catalog drives the test matrix (timm's lesson): every backbone, in every framework it
 * offers, with each kind of weights and a spread of head/loss/optimizer options, generates a
 * script that compiles. Adding a backbone to the catalog adds it here.
 */
import { describe, expect, it } from 'vitest';
import { BACKBONES, frameworksOf } from '../../src/catalog/index.js';
import { checkSpec } from '../../src/spec/index.js';
import { compileCheck, generate, RUNTIME_FILE } from '../../src/codegen/index.js';
import { HAS_PYTHON, PYTHON } from './python.js';

type Variant = { label: string; patch: (isImage: boolean) => Record<string, unknown> };

const VARIANTS: Variant[] = [
  { label: 'defaults', patch: () => ({}) },
  {
    label: 'binary sigmoid, head layers, sgd, clipvalue, step schedule, early stopping',
    patch: () => ({
      loss: { name: 'binary_crossentropy', label_smoothing: 0.1 },
      head: { output_activation: 'sigmoid', dropout: 0.2, layers: [{ units: 32, activation: 'gelu', dropout: 0.1, batch_norm: true, l1: 1e-5 }] },
      optimizer: { name: 'sgd', learning_rate: 0.01, momentum: 0.9, clipvalue: 0.5, schedule: { type: 'step', step_size: 1 } },
      early_stopping: { monitor: 'val_accuracy', patience: 1 },
      metrics: ['accuracy', 'precision'],
    }),
  },
  {
    label: 'logits, categorical, two phases, adamw with global clipnorm then rmsprop, plateau, batchnorm train',
    patch: (isImage) => ({
      loss: { name: 'categorical_crossentropy', from_logits: true },
      head: { output_activation: 'linear', pooling: isImage ? 'max' : 'mean' },
      optimizer: { name: 'adamw', weight_decay: 0.01, global_clipnorm: 2, schedule: { type: 'reduce_on_plateau' } },
      backbone: isImage ? { batchnorm: 'train' } : {},
      phases: [
        { name: 'head', epochs: 1, freeze: 'all' },
        { name: 'tune', epochs: 1, freeze: { first: 3 }, optimizer: { name: 'rmsprop', momentum: 0.5 } }, // inherits weight_decay, global_clipnorm, schedule
      ],
      resources: { device: 'cpu', num_workers: 2 },
    }),
  },
];

const WEIGHTS = ['imagenet', 'none', 'weights/file'];

function specFor(name: string, framework: string, isImage: boolean, weights: string, v: Variant) {
  const patch = v.patch(isImage);
  const base: Record<string, unknown> = {
    apiVersion: 'tlorc/v1',
    task: isImage ? 'image_classification' : 'text_classification',
    framework,
    backbone: { name, weights, ...(isImage ? { input_size: 128 } : {}), ...(patch.backbone as object) },
    data: isImage ? { type: 'image_folder', root: 'data/img', augment: { horizontal_flip: true } } : { type: 'text_table', train: 'data/t.tsv' },
    ...(patch.phases ? {} : { epochs: 2 }),
  };
  const { backbone: _b, ...rest } = patch;
  return { ...base, ...rest };
}

const cases = BACKBONES.flatMap((b) =>
  frameworksOf(b).flatMap((fw) =>
    WEIGHTS.flatMap((w) => VARIANTS.map((v) => ({ name: b.name, fw, w, v, isImage: b.task === 'image_classification' }))),
  ),
);

describe('catalog x options matrix', () => {
  const files: Record<string, string> = {};

  it.each(cases.map((c) => [`${c.name} ${c.fw} weights=${c.w} (${c.v.label})`, c] as const))('%s generates', (_label, c) => {
    // Keras MobileNet pretrained weights exist only for some sizes; 128 is one of them
    const raw = specFor(c.name, c.fw, c.isImage, c.w, c.v);
    const r = checkSpec({ value: raw, baseDir: '/base' });
    if (!r.ok) throw new Error(JSON.stringify(r.issues, null, 1));
    const script = generate(r.spec);
    expect(script.files['train.py']).toContain('rt.main(run)');
    files[`s${Object.keys(files).length}.py`] = script.files['train.py']!;
    files[RUNTIME_FILE] = script.files[RUNTIME_FILE]!;
  });

  it.skipIf(!HAS_PYTHON)('every generated script compiles', async () => {
    expect(Object.keys(files).length).toBe(cases.length + 1);
    await compileCheck(files, PYTHON);
  });
});
