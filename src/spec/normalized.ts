/**
 * The normalized spec: every default applied, every alias resolved, phases expanded,
 * paths absolute. Codegen, runners and the API consume only this shape.
 */
import type { BackboneEntry } from '../catalog/backbones.js';
import type { SpecParsed, FreezeRule, OptimizerConfig, HeadConfig, ResourcesConfig } from './schema.js';

export type LossName = 'categorical_crossentropy' | 'sparse_categorical_crossentropy' | 'binary_crossentropy';

export interface NormalizedLoss {
  name: LossName;
  from_logits: boolean;
  label_smoothing: number;
  /** How labels are encoded for this loss: class index, one-hot vector, or a 0/1 float. */
  label_encoding: 'index' | 'one_hot' | 'binary';
}

export type NormalizedWeights =
  | { kind: 'pretrained' }
  | { kind: 'none' }
  | { kind: 'file'; path: string };

export interface NormalizedPhase {
  index: number;
  name: string;
  epochs: number;
  freeze: FreezeRule;
  optimizer: OptimizerConfig;
}

export type NormalizedData =
  | {
      type: 'image_folder';
      root: string;
      train: string;
      /** absolute path of the val folder, or null when val_split is used */
      val: string | null;
      val_split: number | null;
      augment: { horizontal_flip: boolean };
      max_per_class: number | null;
    }
  | {
      type: 'text_table';
      train: string[];
      val: string[] | null;
      val_split: number | null;
      delimiter: string;
      header: boolean;
      quoting: 'none' | 'csv';
      text_column: number | string;
      label_column: number | string;
      max_samples: number | null;
    };

export interface NormalizedSpec {
  apiVersion: 'tlorc/v1';
  name: string;
  task: SpecParsed['task'];
  framework: SpecParsed['framework'];
  /** Keras backend (keras only; 'torch' by default). */
  keras_backend: 'torch' | 'jax' | 'tensorflow' | null;
  backbone: {
    entry: BackboneEntry;
    name: string;
    weights: NormalizedWeights;
    alpha: number | null;
    /** [height, width] for images, null for a variable size; null for text. */
    input_size: [number, number] | null;
    /** tokens, text only */
    max_length: number | null;
    batchnorm: 'inference' | 'train';
  };
  head: Omit<HeadConfig, 'pooling'> & { pooling: 'avg' | 'max' | 'flatten' | 'cls' | 'mean' };
  loss: NormalizedLoss;
  metrics: SpecParsed['metrics'];
  data: NormalizedData;
  batch_size: number;
  phases: NormalizedPhase[];
  early_stopping: SpecParsed['early_stopping'] | null;
  seed: number;
  batch_events_every: number;
  /** absolute directory under which run folders are created */
  output: string;
  resources: ResourcesConfig;
  /** the spec as the user wrote it, after parsing (kept in the run directory) */
  source: SpecParsed;
}
