/**
 * NormalizedSpec + catalog -> a flat template context. Every decision is made here, in
 * TypeScript (which template, which loss class, how labels are encoded, optimizer kwargs per
 * phase, which code sections a script needs); templates only place the values.
 *
 * A script carries no code for options its spec did not choose: optional parts are sections
 * whose flags are computed here (e.g. `any_schedule` is true only when some phase has one).
 */
import type { BackboneEntry, KerasConstructor, TorchvisionConstructor, TransformersConstructor } from '../catalog/backbones.js';
import type { NormalizedPhase, NormalizedSpec } from '../spec/normalized.js';
import type { FreezeRule, OptimizerConfig } from '../spec/schema.js';
import { TlorcError } from '../errors/index.js';
import { py, pyFloat, pyIdent, pyTuple, type PyInput } from './py-literal.js';
import type { TemplateContext, TemplateValue } from './render.js';

export type TemplateId = 'keras/image' | 'pytorch/image' | 'pytorch/text';

export interface ScriptPlan {
  /** templates/<template>.py.tmpl */
  template: TemplateId;
  context: TemplateContext;
}

type Ctx = Record<string, TemplateValue>;

const f = (n: number) => pyFloat(n);
const fOrNone = (n: number | null | undefined) => (n === null || n === undefined ? null : pyFloat(n));

// ------------------------------------------------------------------------------------------
// shared pieces
// ------------------------------------------------------------------------------------------

/** The spec path of a phase's freeze rule, for TLORC_SPEC_INVALID from the script. */
function freezePath(spec: NormalizedSpec, phase: NormalizedPhase): (string | number)[] {
  const own = spec.source.phases?.[phase.index]?.freeze;
  return own !== undefined ? ['phases', phase.index, 'freeze'] : ['freeze'];
}

/**
 * The folder name of a phase's checkpoint: its index and a file-name-safe form of its name (a
 * phase name is free text and must never become a path like "../x").
 */
const checkpointDir = (p: NormalizedPhase) => `${p.index + 1}-${p.name.replace(/[^A-Za-z0-9._-]+/g, '_')}`;

/** Fields every phase has, in both frameworks. */
const phaseBase = (spec: NormalizedSpec, p: NormalizedPhase) => ({
  name: p.name,
  epochs: p.epochs,
  freeze: freezeData(p.freeze),
  freeze_path: freezePath(spec, p),
  ...(spec.phases.length > 1 ? { checkpoint_dir: checkpointDir(p) } : {}),
});

/** Freeze rules keep the spec's own shape: "all" | "none" | {first} | {until} | {pattern}. */
const freezeData = (rule: FreezeRule): PyInput => rule;

function scheduleData(s: OptimizerConfig['schedule']): PyInput {
  if (!s) return null;
  switch (s.type) {
    case 'step':
      return { type: 'step', step_size: s.step_size, gamma: f(s.gamma) };
    case 'cosine':
      return { type: 'cosine', min_learning_rate: f(s.min_learning_rate) };
    case 'reduce_on_plateau':
      return { type: 'reduce_on_plateau', monitor: s.monitor, factor: f(s.factor), patience: s.patience, min_learning_rate: f(s.min_learning_rate) };
  }
}

function common(spec: NormalizedSpec): Ctx {
  const es = spec.early_stopping;
  const anySchedule = spec.phases.some((p) => p.optimizer.schedule !== undefined);
  const wantsVal = new Set<string>(['accuracy', ...spec.metrics]);
  return {
    spec_name: py(spec.name),
    backbone_name: py(spec.backbone.name),
    seed: py(spec.seed),
    batch_size: py(spec.batch_size),
    num_workers: py(spec.resources.num_workers),
    batch_events_every: py(spec.batch_events_every),
    val_metrics: py(['accuracy', 'precision', 'recall', 'f1'].filter((m) => wantsVal.has(m))),
    early_stopping: es !== null && es !== undefined,
    early_stopping_config: py(es ? { monitor: es.monitor, patience: es.patience, min_delta: f(es.min_delta), restore_best: es.restore_best } : null),
    any_schedule: anySchedule,
    multi_phase: spec.phases.length > 1,
    has_cpus: spec.resources.cpus !== undefined,
    cpu_threads: py(String(Math.max(1, Math.floor(spec.resources.cpus ?? 1)))),
    head_units: py(spec.head.units ?? null),
    output_activation: py(spec.head.output_activation),
    has_head_layers: spec.head.layers.length > 0,
    has_head_dropout: spec.head.dropout > 0,
    head_dropout: py(f(spec.head.dropout)),
    head_any_batch_norm: spec.head.layers.some((l) => l.batch_norm),
    head_any_dropout: spec.head.layers.some((l) => l.dropout > 0),
    head_any_regularizer: spec.head.layers.some((l) => l.l1 > 0 || l.l2 > 0),
    binary_output: py(spec.loss.name === 'binary_crossentropy'),
  };
}

function imageData(spec: NormalizedSpec, size: [number, number]): Ctx {
  const d = spec.data;
  if (d.type !== 'image_folder') throw new TlorcError('TLORC_CODEGEN_TEMPLATE', `an image template got ${d.type} data`);
  return {
    train_dir: py(d.train),
    has_val_dir: d.val !== null,
    val_dir: py(d.val),
    val_split: py(fOrNone(d.val_split)),
    max_per_class: py(d.max_per_class),
    horizontal_flip: d.augment.horizontal_flip,
    image_size: py(pyTuple(size)),
  };
}

/** Images are loaded at the input size, or at the backbone's native size when it is variable. */
const loadSize = (spec: NormalizedSpec): [number, number] =>
  spec.backbone.input_size ?? [spec.backbone.entry.input.default, spec.backbone.entry.input.default];

function weightsDescription(spec: NormalizedSpec, pretrained: string): string {
  const w = spec.backbone.weights;
  return w.kind === 'file' ? w.path : w.kind === 'none' ? 'none (random initialization)' : pretrained;
}

const weightsFlags = (spec: NormalizedSpec): Ctx => ({
  weights_pretrained: spec.backbone.weights.kind === 'pretrained',
  weights_file: spec.backbone.weights.kind === 'file',
  weights_none: spec.backbone.weights.kind === 'none',
});

const poolFlags = (spec: NormalizedSpec, kinds: readonly string[]): Ctx =>
  Object.fromEntries(kinds.map((k) => [`pool_${k}`, spec.head.pooling === k]));

/**
 * Whether the backbone's BatchNorm layers stay in inference mode (backbone.batchnorm: inference).
 * Only with loaded weights: their statistics are what is worth keeping. A backbone trained from
 * scratch (weights: none) has no statistics yet, so its BatchNorm layers must learn them.
 */
const bnInference = (entry: BackboneEntry, spec: NormalizedSpec) =>
  entry.normalization === 'batchnorm' && spec.backbone.batchnorm === 'inference' && spec.backbone.weights.kind !== 'none';

// ------------------------------------------------------------------------------------------
// Keras 3 (images)
// ------------------------------------------------------------------------------------------

const KERAS_OPTIMIZERS = { adam: 'Adam', adamw: 'AdamW', sgd: 'SGD', rmsprop: 'RMSprop' } as const;

function kerasOptimizerKwargs(o: OptimizerConfig): PyInput {
  const kw: Record<string, PyInput> = { learning_rate: f(o.learning_rate) };
  // Keras applies weight decay decoupled (AdamW-style) for every optimizer; AdamW's own default is 0.004, so say 0 explicitly
  if (o.weight_decay > 0 || o.name === 'adamw') kw.weight_decay = f(o.weight_decay);
  if (o.momentum !== undefined) kw.momentum = f(o.momentum);
  if (o.nesterov !== undefined) kw.nesterov = o.nesterov;
  if (o.clipvalue !== undefined) kw.clipvalue = f(o.clipvalue);
  if (o.clipnorm !== undefined) kw.clipnorm = f(o.clipnorm);
  if (o.global_clipnorm !== undefined) kw.global_clipnorm = f(o.global_clipnorm);
  return kw;
}

/**
 * Loss, label encoding and accuracy metric for Keras. Keras' SparseCategoricalCrossentropy has no
 * label_smoothing, so sparse labels with smoothing are trained as one-hot labels with
 * CategoricalCrossentropy (the same loss, made expressible).
 */
function kerasLoss(spec: NormalizedSpec) {
  const l = spec.loss;
  if (l.name === 'binary_crossentropy') return { cls: 'BinaryCrossentropy', encoding: 'binary', accuracy: 'BinaryAccuracy', smoothing: true };
  if (l.name === 'categorical_crossentropy' || l.label_smoothing > 0)
    return { cls: 'CategoricalCrossentropy', encoding: 'one_hot', accuracy: 'CategoricalAccuracy', smoothing: true };
  return { cls: 'SparseCategoricalCrossentropy', encoding: 'index', accuracy: 'SparseCategoricalAccuracy', smoothing: false };
}

function kerasImage(spec: NormalizedSpec, k: KerasConstructor): Ctx {
  const entry = spec.backbone.entry;
  const size = loadSize(spec);
  const w = spec.backbone.weights;
  const loss = kerasLoss(spec);
  const cacheName = k.imagenetFile?.({ alpha: spec.backbone.alpha ?? 1, size: size[0] }) ?? null;
  return {
    ...common(spec),
    ...imageData(spec, size),
    ...weightsFlags(spec),
    ...poolFlags(spec, ['avg', 'max', 'flatten']),
    keras_backend: py(spec.keras_backend ?? 'torch'),
    weights_kind: py(spec.backbone.weights.kind),
    from_logits: py(spec.loss.from_logits),
    binary: spec.loss.name === 'binary_crossentropy',
    device_cpu: spec.resources.device === 'cpu',
    device_cuda: spec.resources.device === 'cuda',
    keras_application: pyIdent(k.application),
    keras_weights: py(w.kind === 'file' ? w.path : w.kind === 'pretrained' ? 'imagenet' : null),
    keras_cache_name: py(cacheName),
    weights_description: py(weightsDescription(spec, 'ImageNet (keras.applications)')),
    input_shape: py(pyTuple(spec.backbone.input_size ? [...spec.backbone.input_size, 3] : [null, null, 3])),
    preprocessing: py(k.preprocessing),
    has_alpha: spec.backbone.alpha !== null,
    alpha: py(fOrNone(spec.backbone.alpha)),
    has_batchnorm: entry.normalization === 'batchnorm',
    bn_inference: bnInference(entry, spec),
    head_layers: py(spec.head.layers.map((l) => ({ units: l.units, activation: l.activation, dropout: f(l.dropout), batch_norm: l.batch_norm, l1: f(l.l1), l2: f(l.l2) }))),
    loss_class: pyIdent(loss.cls),
    has_label_smoothing: loss.smoothing && spec.loss.label_smoothing > 0,
    label_smoothing: py(f(spec.loss.label_smoothing)),
    label_encoding: py(loss.encoding),
    accuracy_class: pyIdent(loss.accuracy),
    binary_threshold: py(f(spec.loss.from_logits ? 0 : 0.5)),
    phases: py(
      spec.phases.map((p) => ({
        ...phaseBase(spec, p),
        optimizer: KERAS_OPTIMIZERS[p.optimizer.name],
        optimizer_kwargs: kerasOptimizerKwargs(p.optimizer),
        ...(spec.phases.some((q) => q.optimizer.schedule) ? { schedule: scheduleData(p.optimizer.schedule) } : {}),
      })),
    ),
  };
}

// ------------------------------------------------------------------------------------------
// PyTorch (torchvision images, transformers text)
// ------------------------------------------------------------------------------------------

const TORCH_OPTIMIZERS = { adam: 'Adam', adamw: 'AdamW', sgd: 'SGD', rmsprop: 'RMSprop' } as const;
const TORCH_ACTIVATIONS = { relu: 'ReLU', gelu: 'GELU', tanh: 'Tanh', sigmoid: 'Sigmoid', swish: 'SiLU', elu: 'ELU', linear: 'Identity' } as const;

function torchOptimizerKwargs(o: OptimizerConfig): PyInput {
  const kw: Record<string, PyInput> = { lr: f(o.learning_rate) };
  if (o.name === 'adamw' || o.weight_decay > 0) kw.weight_decay = f(o.weight_decay);
  // decoupled decay, as Keras applies it: PyTorch's Adam would otherwise add it to the gradient (L2)
  if (o.name === 'adam' && o.weight_decay > 0) kw.decoupled_weight_decay = true;
  if (o.momentum !== undefined) kw.momentum = f(o.momentum);
  if (o.nesterov !== undefined) kw.nesterov = o.nesterov;
  return kw;
}

function torchCommon(spec: NormalizedSpec): Ctx {
  const clip = (key: 'clipvalue' | 'clipnorm' | 'global_clipnorm') => spec.phases.some((p) => p.optimizer[key] !== undefined);
  const anyClip = clip('clipvalue') || clip('clipnorm') || clip('global_clipnorm');
  const l = spec.loss;
  const binary = l.name === 'binary_crossentropy';
  return {
    device: py(spec.resources.device),
    label_encoding: py(l.label_encoding),
    // PyTorch heads output logits: softmax + cross-entropy is computed as one stable op on logits
    criterion: pyIdent(binary ? 'BCEWithLogitsLoss' : 'CrossEntropyLoss'),
    has_label_smoothing: l.label_smoothing > 0,
    criterion_label_smoothing: !binary && l.label_smoothing > 0,
    binary_label_smoothing: binary && l.label_smoothing > 0,
    label_smoothing: py(f(l.label_smoothing)),
    head_layers: py(spec.head.layers.map((x) => ({ units: x.units, activation: TORCH_ACTIVATIONS[x.activation], dropout: f(x.dropout), batch_norm: x.batch_norm, l1: f(x.l1), l2: f(x.l2) }))),
    any_clip: anyClip,
    any_clipvalue: clip('clipvalue'),
    any_clipnorm: clip('clipnorm'),
    any_global_clipnorm: clip('global_clipnorm'),
    phases: py(
      spec.phases.map((p) => ({
        ...phaseBase(spec, p),
        optimizer: TORCH_OPTIMIZERS[p.optimizer.name],
        optimizer_kwargs: torchOptimizerKwargs(p.optimizer),
        ...(anyClip
          ? { clip: { value: fOrNone(p.optimizer.clipvalue), norm: fOrNone(p.optimizer.clipnorm), global_norm: fOrNone(p.optimizer.global_clipnorm) } }
          : {}),
        ...(spec.phases.some((q) => q.optimizer.schedule) ? { schedule: scheduleData(p.optimizer.schedule) } : {}),
      })),
    ),
  };
}

function torchImage(spec: NormalizedSpec, t: TorchvisionConstructor): Ctx {
  const size = loadSize(spec);
  const [weightsModule, weightsMember] = splitEnum(t.weightsEnum);
  return {
    ...common(spec),
    ...torchCommon(spec),
    ...imageData(spec, size),
    ...weightsFlags(spec),
    ...poolFlags(spec, ['avg', 'max', 'flatten']),
    tv_builder: pyIdent(t.builder),
    tv_weights_enum: pyIdent(`${weightsModule}.${weightsMember}`),
    // torchvision calls MobileNet's alpha width_mult (published weights exist for 1.0 only)
    has_width_mult: spec.backbone.alpha !== null && spec.backbone.alpha !== 1,
    width_mult: py(fOrNone(spec.backbone.alpha)),
    weights_path: py(spec.backbone.weights.kind === 'file' ? spec.backbone.weights.path : null),
    weights_description: py(weightsDescription(spec, `ImageNet (torchvision ${t.weightsEnum})`)),
    classifier_attr: py(t.classifier),
    // `features` names the module holding the convolutional layers; without one, the trunk is
    // every child but torchvision's global pooling (`avgpool`) and the classifier
    trunk_is_attribute: t.features !== '',
    trunk_attribute: py(t.features || null),
    trunk_dropped: py(t.features ? null : [t.classifier, 'avgpool']),
    preprocessing: py(t.preprocessing),
    bn_inference: bnInference(spec.backbone.entry, spec),
  };
}

function splitEnum(e: string): [string, string] {
  const dot = e.lastIndexOf('.');
  return [e.slice(0, dot), e.slice(dot + 1)];
}

function torchText(spec: NormalizedSpec, t: TransformersConstructor): Ctx {
  const d = spec.data;
  if (d.type !== 'text_table') throw new TlorcError('TLORC_CODEGEN_TEMPLATE', `the text template got ${d.type} data`);
  const w = spec.backbone.weights;
  const packaged = w.kind !== 'file' && t.packagedIn !== undefined;
  return {
    ...common(spec),
    ...torchCommon(spec),
    ...weightsFlags(spec),
    ...poolFlags(spec, ['cls', 'mean']),
    train_files: py(d.train),
    has_val_files: d.val !== null,
    val_files: py(d.val),
    val_split: py(fOrNone(d.val_split)),
    max_samples: py(d.max_samples),
    table_format: py({ delimiter: d.delimiter, header: d.header, quoting: d.quoting, text_column: d.text_column, label_column: d.label_column }),
    max_length: py(spec.backbone.max_length),
    hf_model_id: py(t.modelId ?? null),
    packaged: packaged,
    packaged_module: py(t.packagedIn?.module ?? null),
    packaged_function: py(t.packagedIn?.pathFunction ?? null),
    packaged_pip: py(t.packagedIn?.pip ?? null),
    weights_path: py(w.kind === 'file' ? w.path : null),
    weights_description: py(weightsDescription(spec, packaged ? `pretrained (${t.packagedIn!.pip} package, else the Hugging Face cache)` : `pretrained (Hugging Face ${t.modelId})`)),
  };
}

// ------------------------------------------------------------------------------------------

/** Which template renders a spec, and its context. Capabilities come from the catalog entry. */
export function buildContext(spec: NormalizedSpec): ScriptPlan {
  const entry = spec.backbone.entry;
  const ctor = entry.frameworks[spec.framework];
  if (!ctor) throw new TlorcError('TLORC_CODEGEN_TEMPLATE', `backbone ${entry.name} has no ${spec.framework} constructor in the catalog`);
  if (spec.framework === 'keras') {
    if (entry.task !== 'image_classification' || 'kind' in ctor)
      throw new TlorcError('TLORC_CODEGEN_TEMPLATE', `no Keras template for ${entry.task} (${entry.name})`);
    return { template: 'keras/image', context: kerasImage(spec, ctor) };
  }
  const torchCtor = ctor as TorchvisionConstructor | TransformersConstructor;
  if (torchCtor.kind === 'torchvision') return { template: 'pytorch/image', context: torchImage(spec, torchCtor) };
  return { template: 'pytorch/text', context: torchText(spec, torchCtor) };
}
