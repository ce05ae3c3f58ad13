/**
 * The tlorc spec, defined once. TypeScript types (z.infer), the published JSON Schema
 * (`tlorc schema`), API validation and docs/spec.md all derive from this file.
 * Every object is strict: an unknown key is an error with a "did you mean".
 * Descriptions live in `.meta()` so the JSON Schema and the docs carry them.
 */
import { z } from 'zod';

export const API_VERSION = 'tlorc/v1' as const;

const positiveInt = z.number().int().positive();
const nonNegative = z.number().nonnegative();
const fraction = z.number().gt(0).lt(1);

export const Task = z
  .enum(['image_classification', 'text_classification'])
  .meta({ description: 'What the model learns: single-label image or text classification.' });

export const Framework = z
  .enum(['keras', 'pytorch'])
  .meta({ description: 'Runtime of the generated script: Keras 3 or PyTorch (torchvision / transformers).' });

export const KerasBackend = z
  .enum(['torch', 'jax', 'tensorflow'])
  .meta({ description: 'Keras 3 backend. `torch` (default) means one Python install serves both frameworks.' });

// ---------- backbone ----------
export const Weights = z
  .string()
  .min(1)
  .meta({
    description:
      '`imagenet` (or `pretrained`) loads the framework\'s published weights from its local cache (downloaded there if the network allows); `none` trains from scratch; anything else is a path to a local weights file (Keras .h5/.keras/.weights.h5, PyTorch .pt/.pth state dict, or a Hugging Face model folder).',
  });

export const InputSize = z
  .union([positiveInt, z.tuple([positiveInt, positiveInt]), z.null()])
  .meta({ description: 'Image input size: N (square), [height, width], or null for a variable size (not with a Flatten head). Defaults to the backbone\'s native size.' });

export const Backbone = z
  .strictObject({
    name: z.string().min(1).meta({ description: 'A backbone from the catalog (`tlorc catalog`), e.g. mobilenet, mobilenet_v2, vgg16, resnet50, bert-base-uncased, all-minilm-l6-v2.' }),
    weights: Weights.default('imagenet'),
    alpha: z.number().positive().optional().meta({ description: 'Width multiplier of MobileNet v1/v2 (e.g. 0.25, 0.5, 0.75, 1.0).' }),
    input_size: InputSize.optional(),
    max_length: positiveInt.max(4096).optional().meta({ description: 'Text backbones: maximum tokens per example (default 128).' }),
    batchnorm: z
      .enum(['inference', 'train'])
      .default('inference')
      .meta({
        description:
          'Normalization layers of the UNFROZEN part of the backbone: `inference` (default, the standard fine-tuning recipe: statistics never change) or `train`. Normalization layers of frozen parts are always in inference mode.',
      }),
  })
  .meta({ description: 'The pretrained network to start from.' });

// ---------- freezing ----------
export const Freeze = z
  .union([
    z.enum(['all', 'none']),
    z.strictObject({ first: z.number().int().nonnegative().meta({ description: 'Freeze the first N layers of the backbone.' }) }),
    z.strictObject({ until: z.string().min(1).meta({ description: 'Freeze every backbone layer up to and including this named layer.' }) }),
    z.strictObject({ pattern: z.string().min(1).meta({ description: 'Freeze backbone layers whose name matches this glob (`*`, `?`), e.g. `conv_dw_*` or `encoder.layer.[0-3].*`.' }) }),
  ])
  .meta({
    description:
      'Which backbone layers are frozen: `all`, `none`, {first: N}, {until: layer}, {pattern: glob}. Frozen means no weight and no normalization statistic changes. The head is always trainable.',
  });

// ---------- head ----------
export const DenseLayer = z.strictObject({
  units: positiveInt,
  activation: z.enum(['relu', 'gelu', 'tanh', 'sigmoid', 'swish', 'elu', 'linear']).default('relu'),
  dropout: z.number().min(0).lt(1).default(0).meta({ description: 'Dropout after this layer.' }),
  batch_norm: z.boolean().default(false).meta({ description: 'BatchNormalization after the dense layer, before the activation.' }),
  l1: nonNegative.default(0),
  l2: nonNegative.default(0),
});

export const Head = z
  .strictObject({
    pooling: z
      .enum(['avg', 'max', 'flatten', 'cls', 'mean'])
      .optional()
      .meta({ description: 'Images: avg (default), max, flatten. Text: cls (default) or mean over tokens.' }),
    layers: z.array(DenseLayer).default([]).meta({ description: 'Hidden dense layers, in order.' }),
    dropout: z.number().min(0).lt(1).default(0).meta({ description: 'Dropout right before the output layer.' }),
    output_activation: z
      .enum(['softmax', 'sigmoid', 'linear'])
      .default('softmax')
      .meta({ description: 'Output layer activation; `linear` outputs logits (then use a loss with from_logits: true).' }),
    units: positiveInt.optional().meta({ description: 'Output units. Derived from the data\'s classes when omitted; when given it must match them.' }),
  })
  .meta({ description: 'The new classifier on top of the backbone.' });

// ---------- optimizer ----------
export const Schedule = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('step'), step_size: positiveInt.meta({ description: 'Epochs between decays.' }), gamma: fraction.default(0.1) }),
  z.strictObject({ type: z.literal('cosine'), min_learning_rate: nonNegative.default(0) }),
  z.strictObject({
    type: z.literal('reduce_on_plateau'),
    monitor: z.enum(['val_loss', 'val_accuracy']).default('val_loss'),
    factor: fraction.default(0.1),
    patience: z.number().int().nonnegative().default(2),
    min_learning_rate: nonNegative.default(0),
  }),
]).meta({ description: 'Learning-rate schedule, stepped once per epoch.' });

/** Optimizer fields without defaults: a phase's override names only what it changes. */
const optimizerOverrideFields = {
  name: z.enum(['adam', 'adamw', 'sgd', 'rmsprop']).optional(),
  learning_rate: z.number().positive().max(10).optional().meta({ description: 'Learning rate (Keras 3 and PyTorch both call it this; `lr` is not accepted).' }),
  weight_decay: nonNegative.optional(),
  momentum: z.number().min(0).lt(1).optional().meta({ description: 'sgd and rmsprop only.' }),
  nesterov: z.boolean().optional().meta({ description: 'sgd only.' }),
  clipvalue: z.number().positive().optional().meta({ description: 'Clip each gradient element to [-clipvalue, clipvalue].' }),
  clipnorm: z.number().positive().optional().meta({ description: 'Clip each gradient tensor to this L2 norm.' }),
  global_clipnorm: z.number().positive().optional().meta({ description: 'Clip all gradients together to this global L2 norm.' }),
  schedule: Schedule.optional(),
};

/**
 * A phase may override some optimizer fields; every field it does not name comes from the
 * top-level optimizer (no defaults here, or they would silently replace the top-level values).
 */
export const OptimizerOverride = z.strictObject(optimizerOverrideFields);

export const Optimizer = z
  .strictObject({
    ...optimizerOverrideFields,
    name: optimizerOverrideFields.name.unwrap().default('adam'),
    learning_rate: z.number().positive().max(10).default(1e-3).meta({ description: 'Learning rate (Keras 3 and PyTorch both call it this; `lr` is not accepted).' }),
    weight_decay: nonNegative.default(0),
  })
  .meta({ description: 'How weights are updated.' });

export const EarlyStopping = z.strictObject({
  monitor: z.enum(['val_loss', 'val_accuracy']).default('val_loss'),
  patience: positiveInt.default(3),
  min_delta: nonNegative.default(0),
  restore_best: z.boolean().default(true).meta({ description: 'Restore the best weights seen when stopping.' }),
});

// ---------- loss and metrics ----------
export const LossName = z.enum(['categorical_crossentropy', 'sparse_categorical_crossentropy', 'binary_crossentropy']);
export const Loss = z
  .union([
    LossName,
    z.strictObject({
      name: LossName,
      from_logits: z.boolean().default(false).meta({ description: 'true when the output layer is linear (logits).' }),
      label_smoothing: z.number().min(0).lt(1).default(0),
    }),
  ])
  .meta({ description: 'Loss name, or {name, from_logits, label_smoothing}.' });

export const Metric = z.enum(['accuracy', 'precision', 'recall', 'f1']).meta({ description: 'precision/recall/f1 are macro-averaged over classes, on validation.' });

// ---------- data ----------
export const ImageFolderData = z.strictObject({
  type: z.literal('image_folder'),
  root: z.string().min(1).meta({ description: 'Folder holding <train>/<class>/*.jpg (and <val>/<class>/ unless val_split is set). Relative to the spec file.' }),
  train: z.string().min(1).default('train'),
  val: z.string().min(1).default('val'),
  val_split: fraction.optional().meta({ description: 'Hold out this fraction of train for validation (stratified, seeded) instead of a val folder.' }),
  augment: z
    .strictObject({ horizontal_flip: z.boolean().default(false) })
    .default({ horizontal_flip: false })
    .meta({ description: 'Training-time augmentation.' }),
  max_per_class: positiveInt.optional().meta({ description: 'Use at most N images per class and split (seeded, for quick runs).' }),
});

const Column = z.union([z.number().int().nonnegative(), z.string().min(1)]);
const FileList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

export const TextTableData = z.strictObject({
  type: z.literal('text_table'),
  train: FileList.meta({ description: 'One or more CSV/TSV files (relative to the spec file).' }),
  val: FileList.optional(),
  val_split: fraction.optional(),
  delimiter: z.string().length(1).default('\t'),
  header: z.boolean().default(false).meta({ description: 'true when the first line names the columns.' }),
  quoting: z
    .enum(['none', 'csv'])
    .default('none')
    .meta({ description: '`none`: quotes are plain characters (right for the UCI sentiment files); `csv`: RFC 4180 quoting.' }),
  text_column: Column.default(0),
  label_column: Column.default(1),
  max_samples: positiveInt.optional().meta({ description: 'Use at most N training examples (seeded, stratified).' }),
});

export const Data = z.discriminatedUnion('type', [ImageFolderData, TextTableData]).meta({ description: 'Where the examples come from.' });

// ---------- phases, resources ----------
export const Phase = z.strictObject({
  name: z.string().min(1).max(64).optional(),
  epochs: positiveInt,
  freeze: Freeze.optional().meta({ description: 'Overrides the top-level freeze for this phase.' }),
  optimizer: OptimizerOverride.optional().meta({ description: 'Overrides fields of the top-level optimizer for this phase (e.g. a lower learning_rate).' }),
});

export const Resources = z
  .strictObject({
    gpus: z
      .union([z.literal('all'), z.number().int().nonnegative(), z.array(z.string().min(1)).min(1)])
      .optional()
      .meta({ description: '`all`, a count, or device ids. Docker: passed as device requests; local: sets CUDA_VISIBLE_DEVICES for ids.' }),
    cpus: z.number().positive().optional(),
    memory: z.string().regex(/^\d+(\.\d+)?[kmgKMG]?$/).optional().meta({ description: 'Memory limit, e.g. 8g.' }),
    shm_size: z.string().regex(/^\d+(\.\d+)?[kmgKMG]?$/).default('2g').meta({ description: 'Docker /dev/shm size (64m default of Docker crashes multi-worker loading).' }),
    network: z.boolean().default(false).meta({ description: 'Docker: allow network access from the container.' }),
    image: z.string().min(1).optional().meta({ description: 'Docker image to run in (`--image` overrides it; without either: TLORC_DOCKER_IMAGE, else tlorc/runtime:<framework>-<tlorc version>; see docker/README.md).' }),
    num_workers: z.number().int().nonnegative().default(0).meta({ description: 'Data-loader worker processes.' }),
    device: z.enum(['auto', 'cpu', 'cuda']).default('auto').meta({ description: '`auto`: the GPU when there is one, else the CPU; with `gpus` set, `auto` means `cuda`: a run that asked for GPUs fails clearly on a host without one, never trains on the CPU unnoticed.' }),
  })
  .meta({ description: 'Where and with what the run executes.' });

// ---------- the spec ----------
export const Spec = z
  .strictObject({
    apiVersion: z.literal(API_VERSION).meta({ description: 'Spec format version.' }),
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, . _ - (max 64)')
      .optional()
      .meta({ description: 'Run name (used in run ids and directories).' }),
    task: Task,
    framework: Framework,
    keras_backend: KerasBackend.optional(),
    backbone: Backbone,
    freeze: Freeze.default('all'),
    head: Head.default({ layers: [], dropout: 0, output_activation: 'softmax' }),
    optimizer: Optimizer.default({ name: 'adam', learning_rate: 1e-3, weight_decay: 0 }),
    loss: Loss.default('sparse_categorical_crossentropy'),
    metrics: z.array(Metric).min(1).default(['accuracy']),
    data: Data,
    batch_size: positiveInt.max(65536).default(32),
    epochs: positiveInt.optional().meta({ description: 'Epochs of the single phase when `phases` is not given.' }),
    phases: z.array(Phase).min(1).max(16).optional().meta({ description: 'Training phases in order (e.g. head on a frozen backbone, then fine-tuning with a lower learning rate).' }),
    early_stopping: EarlyStopping.optional(),
    seed: z.number().int().nonnegative().default(42),
    batch_events_every: positiveInt.default(1).meta({ description: 'Emit a batch metrics event every N batches (throttling).' }),
    output: z.string().min(1).default('runs').meta({ description: 'Directory under which each run gets its own folder. Relative to the spec file.' }),
    resources: Resources.default({ shm_size: '2g', network: false, num_workers: 0, device: 'auto' }),
  })
  .meta({ title: 'tlorc spec', description: 'A transfer-learning job: backbone, freezing, head, optimizer, data and phases.' });

export type SpecInput = z.input<typeof Spec>;
export type SpecParsed = z.output<typeof Spec>;
export type FreezeRule = z.output<typeof Freeze>;
export type OptimizerConfig = z.output<typeof Optimizer>;
export type HeadConfig = z.output<typeof Head>;
export type DataConfig = z.output<typeof Data>;
export type ResourcesConfig = z.output<typeof Resources>;
