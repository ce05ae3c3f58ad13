/** SpecParsed (valid, rules passed) -> NormalizedSpec: defaults, aliases, phases, absolute paths. */
import path from 'node:path';
import { findBackbone } from '../catalog/backbones.js';
import type { SpecParsed, OptimizerConfig } from './schema.js';
import type { NormalizedSpec, NormalizedLoss, NormalizedWeights, NormalizedData, NormalizedPhase } from './normalized.js';

const abs = (baseDir: string, p: string) => path.resolve(baseDir, p);

function weightsOf(w: string, baseDir: string): NormalizedWeights {
  const lower = w.toLowerCase();
  if (lower === 'imagenet' || lower === 'pretrained') return { kind: 'pretrained' };
  if (lower === 'none') return { kind: 'none' };
  return { kind: 'file', path: abs(baseDir, w) };
}

function lossOf(s: SpecParsed): NormalizedLoss {
  const l = typeof s.loss === 'string' ? { name: s.loss, from_logits: false, label_smoothing: 0 } : s.loss;
  const label_encoding = l.name === 'categorical_crossentropy' ? 'one_hot' : l.name === 'binary_crossentropy' ? 'binary' : 'index';
  return { ...l, label_encoding };
}

function dataOf(s: SpecParsed, baseDir: string): NormalizedData {
  const d = s.data;
  if (d.type === 'image_folder') {
    const root = abs(baseDir, d.root);
    return {
      type: 'image_folder',
      root,
      train: path.resolve(root, d.train),
      val: d.val_split !== undefined ? null : path.resolve(root, d.val),
      val_split: d.val_split ?? null,
      augment: d.augment,
      max_per_class: d.max_per_class ?? null,
    };
  }
  const list = (f: string | string[]) => (Array.isArray(f) ? f : [f]).map((p) => abs(baseDir, p));
  return {
    type: 'text_table',
    train: list(d.train),
    val: d.val !== undefined ? list(d.val) : null,
    // with neither val files nor a split, hold out 20% (a run without validation hides overfitting)
    val_split: d.val_split ?? (d.val === undefined ? 0.2 : null),
    delimiter: d.delimiter,
    header: d.header,
    quoting: d.quoting,
    text_column: d.text_column,
    label_column: d.label_column,
    max_samples: d.max_samples ?? null,
  };
}

function phasesOf(s: SpecParsed): NormalizedPhase[] {
  if (!s.phases) return [{ index: 0, name: 'train', epochs: s.epochs!, freeze: s.freeze, optimizer: s.optimizer }];
  return s.phases.map((p, index) => {
    const override = Object.fromEntries(Object.entries(p.optimizer ?? {}).filter(([, v]) => v !== undefined));
    const optimizer = { ...s.optimizer, ...override } as OptimizerConfig;
    return { index, name: p.name ?? `phase${index + 1}`, epochs: p.epochs, freeze: p.freeze ?? s.freeze, optimizer };
  });
}

/** GPUs asked for mean a GPU run: device auto becomes cuda, so a host without one fails clearly instead of training on the CPU. */
function resourcesOf(s: SpecParsed): SpecParsed['resources'] {
  const g = s.resources.gpus;
  const wantsGpu = g !== undefined && g !== 0 && !(Array.isArray(g) && g.length === 0);
  return wantsGpu && s.resources.device === 'auto' ? { ...s.resources, device: 'cuda' } : s.resources;
}

export function normalize(s: SpecParsed, baseDir: string): NormalizedSpec {
  const entry = findBackbone(s.backbone.name)!; // rules guarantee it exists
  const isImage = entry.task === 'image_classification';
  const size = s.backbone.input_size;
  const input_size: [number, number] | null = !isImage
    ? null
    : size === undefined
      ? [entry.input.default, entry.input.default]
      : size === null
        ? null
        : typeof size === 'number'
          ? [size, size]
          : size;
  return {
    apiVersion: s.apiVersion,
    name: s.name ?? `${entry.name}-${s.framework}`,
    task: s.task,
    framework: s.framework,
    keras_backend: s.framework === 'keras' ? (s.keras_backend ?? 'torch') : null,
    backbone: {
      entry,
      name: entry.name,
      weights: weightsOf(s.backbone.weights, baseDir),
      alpha: entry.options.alpha ? (s.backbone.alpha ?? entry.options.alpha.default) : null,
      input_size,
      max_length: isImage ? null : (s.backbone.max_length ?? entry.input.default),
      batchnorm: s.backbone.batchnorm,
    },
    head: { ...s.head, pooling: s.head.pooling ?? (isImage ? 'avg' : 'cls') },
    loss: lossOf(s),
    metrics: [...new Set(s.metrics)],
    data: dataOf(s, baseDir),
    batch_size: s.batch_size,
    phases: phasesOf(s),
    early_stopping: s.early_stopping ?? null,
    seed: s.seed,
    batch_events_every: s.batch_events_every,
    output: abs(baseDir, s.output),
    resources: resourcesOf(s),
    source: s,
  };
}
