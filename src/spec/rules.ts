/**
 * Cross-field rules: contradictions that each field alone cannot show. Each rule
 * returns issues with the path of the field to change, never throws.
 */
import { findBackbone, frameworksOf, backboneNames } from '../catalog/backbones.js';
import type { Issue } from './issues.js';
import type { SpecParsed } from './schema.js';
import { suggest } from './suggest.js';

type Rule = (s: SpecParsed) => Issue[];

const issue = (path: (string | number)[], message: string, expected?: string, found?: string, code = 'contradiction'): Issue => ({
  code,
  path,
  message,
  ...(expected ? { expected } : {}),
  ...(found ? { found } : {}),
});

const lossOf = (s: SpecParsed) => (typeof s.loss === 'string' ? { name: s.loss, from_logits: false } : s.loss);
const lossPath = (s: SpecParsed) => (typeof s.loss === 'string' ? ['loss'] : ['loss', 'from_logits']);

const backboneRules: Rule = (s) => {
  const entry = findBackbone(s.backbone.name);
  if (!entry) {
    const sug = suggest(s.backbone.name, backboneNames());
    return [{
      code: 'unknown_backbone',
      path: ['backbone', 'name'],
      message: `Unknown backbone "${s.backbone.name}"${sug ? ` (did you mean "${sug}"?)` : ''}.`,
      expected: 'a name from `tlorc catalog`',
      found: `"${s.backbone.name}"`,
      ...(sug ? { suggestion: sug } : {}),
    }];
  }
  const out: Issue[] = [];
  if (entry.task !== s.task)
    out.push(issue(['backbone', 'name'], `Backbone "${entry.name}" is for ${entry.task}, but task is ${s.task}.`, `a ${s.task} backbone`, entry.name));
  const fws = frameworksOf(entry);
  if (!fws.includes(s.framework))
    out.push(issue(['framework'], `Backbone "${entry.name}" is not offered by ${s.framework}.`, fws.map((f) => `"${f}"`).join(' or '), `"${s.framework}"`));
  if (s.backbone.alpha !== undefined) {
    const alpha = entry.options.alpha;
    if (!alpha) out.push(issue(['backbone', 'alpha'], `Backbone "${entry.name}" has no width multiplier.`, 'no alpha', String(s.backbone.alpha)));
    else if (!alpha.values.includes(s.backbone.alpha))
      out.push(issue(['backbone', 'alpha'], `alpha ${s.backbone.alpha} does not exist for ${entry.name}.`, `one of ${alpha.values.join(', ')}`, String(s.backbone.alpha)));
  }
  const isImage = entry.task === 'image_classification';
  if (!isImage && s.backbone.input_size !== undefined)
    out.push(issue(['backbone', 'input_size'], 'input_size is for image backbones; text backbones use max_length.', 'max_length', 'input_size'));
  if (isImage && s.backbone.max_length !== undefined)
    out.push(issue(['backbone', 'max_length'], 'max_length is for text backbones; image backbones use input_size.', 'input_size', 'max_length'));
  if (isImage && s.backbone.input_size !== undefined) {
    const size = s.backbone.input_size;
    if (size === null && !entry.input.variable)
      out.push(issue(['backbone', 'input_size'], `${entry.name} needs a fixed input size.`, 'N or [height, width]', 'null'));
    const dims = size === null ? [] : typeof size === 'number' ? [size, size] : size;
    if (dims.some((d) => d < entry.input.min))
      out.push(issue(['backbone', 'input_size'], `${entry.name} needs inputs of at least ${entry.input.min}px.`, `>= ${entry.input.min}`, JSON.stringify(size)));
    const pretrained = ['imagenet', 'pretrained'].includes(s.backbone.weights);
    if (pretrained && entry.input.pretrainedSizes && s.framework === 'keras' && dims.length &&
        (dims[0] !== dims[1] || !entry.input.pretrainedSizes.includes(dims[0]!)))
      out.push(issue(['backbone', 'input_size'], `Published ${entry.name} weights exist only for square inputs of ${entry.input.pretrainedSizes.join(', ')}px.`,
        entry.input.pretrainedSizes.join(' | '), JSON.stringify(size)));
  }
  if (s.keras_backend !== undefined && s.framework !== 'keras')
    out.push(issue(['keras_backend'], 'keras_backend applies only to framework: keras.', 'no keras_backend', s.keras_backend));
  return out;
};

const headRules: Rule = (s) => {
  const out: Issue[] = [];
  const isText = s.task === 'text_classification';
  const p = s.head.pooling;
  if (p && isText && !['cls', 'mean'].includes(p))
    out.push(issue(['head', 'pooling'], `Pooling "${p}" is for images; text heads pool tokens.`, '"cls" or "mean"', `"${p}"`));
  if (p && !isText && ['cls', 'mean'].includes(p))
    out.push(issue(['head', 'pooling'], `Pooling "${p}" is for text; image heads pool feature maps.`, '"avg", "max" or "flatten"', `"${p}"`));
  if (p === 'flatten' && s.backbone.input_size === null)
    out.push(issue(['head', 'pooling'], 'A Flatten head needs a fixed input size (its output size depends on it).', 'backbone.input_size set, or pooling avg/max', 'input_size: null'));
  return out;
};

const lossRules: Rule = (s) => {
  const out: Issue[] = [];
  const loss = lossOf(s);
  const act = s.head.output_activation;
  if (loss.from_logits && act !== 'linear')
    out.push(issue(lossPath(s), `from_logits: true expects raw logits, but the output layer applies ${act}.`, 'head.output_activation: linear, or from_logits: false', `output_activation: ${act}`));
  if (!loss.from_logits && act === 'linear')
    out.push(issue(['head', 'output_activation'], 'A linear output gives logits; the loss must be told (from_logits: true).', 'loss {name, from_logits: true}, or softmax/sigmoid', 'output_activation: linear with from_logits: false'));
  if (loss.name === 'binary_crossentropy') {
    if (act === 'softmax')
      out.push(issue(['head', 'output_activation'], 'binary_crossentropy needs one sigmoid output (or linear logits), not softmax.', '"sigmoid" or "linear"', '"softmax"'));
    if (s.head.units !== undefined && s.head.units !== 1)
      out.push(issue(['head', 'units'], 'binary_crossentropy on single-label data uses one output unit.', '1', String(s.head.units)));
  } else if (act === 'sigmoid') {
    out.push(issue(['head', 'output_activation'], `${loss.name} expects a probability distribution over classes; sigmoid outputs are independent.`, '"softmax" (or "linear" with from_logits)', '"sigmoid"'));
  }
  return out;
};

const dataRules: Rule = (s) => {
  const out: Issue[] = [];
  const want = s.task === 'image_classification' ? 'image_folder' : 'text_table';
  if (s.data.type !== want)
    out.push(issue(['data', 'type'], `Task ${s.task} reads ${want} data.`, `"${want}"`, `"${s.data.type}"`));
  if (s.data.type === 'text_table' && s.data.val !== undefined && s.data.val_split !== undefined)
    out.push(issue(['data', 'val_split'], 'Give either val files or val_split, not both.', 'one of data.val, data.val_split', 'both'));
  if (s.data.type === 'text_table' && s.data.text_column === s.data.label_column)
    // the model would learn to read its own label
    out.push(issue(['data', 'label_column'], 'The label column is the text column.', `a column other than ${JSON.stringify(s.data.text_column)}`, JSON.stringify(s.data.label_column)));
  return out;
};

const scheduleRules = (opt: { name?: string | undefined; momentum?: number | undefined; nesterov?: boolean | undefined; clipnorm?: number | undefined; global_clipnorm?: number | undefined }, base: (string | number)[], name: string): Issue[] => {
  const out: Issue[] = [];
  if (opt.momentum !== undefined && !['sgd', 'rmsprop'].includes(name))
    out.push(issue([...base, 'momentum'], `${name} has no momentum parameter.`, 'optimizer sgd or rmsprop', name));
  if (opt.nesterov !== undefined && name !== 'sgd')
    out.push(issue([...base, 'nesterov'], `nesterov applies to sgd only.`, 'optimizer sgd', name));
  if (opt.nesterov && !opt.momentum)
    out.push(issue([...base, 'momentum'], 'Nesterov momentum needs momentum > 0.', '> 0', String(opt.momentum ?? 0)));
  if (opt.clipnorm !== undefined && opt.global_clipnorm !== undefined)
    out.push(issue([...base, 'global_clipnorm'], 'Use clipnorm (per tensor) or global_clipnorm (all together), not both.', 'one of them', 'both'));
  return out;
};

const optimizerRules: Rule = (s) => {
  const out = scheduleRules(s.optimizer, ['optimizer'], s.optimizer.name);
  (s.phases ?? []).forEach((ph, i) => {
    if (!ph.optimizer) return;
    // what the phase really trains with: its overrides on top of the top-level optimizer
    const override = Object.fromEntries(Object.entries(ph.optimizer).filter(([, v]) => v !== undefined));
    const merged = { ...s.optimizer, ...override };
    for (const found of scheduleRules(merged, ['phases', i, 'optimizer'], merged.name)) {
      const field = found.path[found.path.length - 1] as string;
      out.push(field in override ? found : { ...found, message: `${found.message} (${field} is inherited from the top-level optimizer)` });
    }
  });
  return out;
};

const phaseRules: Rule = (s) => {
  if (s.epochs !== undefined && s.phases !== undefined)
    return [issue(['epochs'], 'Give epochs per phase when phases are listed, not at the top level.', 'phases[].epochs', 'both epochs and phases')];
  if (s.epochs === undefined && s.phases === undefined)
    return [issue(['epochs'], 'Say how long to train: epochs, or a list of phases.', 'epochs: N or phases: [...]', 'neither', 'missing_field')];
  const names = (s.phases ?? []).map((p) => p.name).filter((n): n is string => !!n);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  return dup ? [issue(['phases'], `Phase name "${dup}" is used twice.`, 'unique phase names', dup)] : [];
};

const resourceRules: Rule = (s) => {
  const g = s.resources.gpus;
  const wantsGpu = g !== undefined && g !== 0;
  if (wantsGpu && s.resources.device === 'cpu')
    return [issue(['resources', 'device'], 'GPUs are requested but device is cpu.', '"auto" or "cuda"', '"cpu"')];
  if (Array.isArray(g)) {
    const dup = g.find((id, i) => g.indexOf(id) !== i);
    if (dup !== undefined) return [issue(['resources', 'gpus'], `GPU "${dup}" is listed twice.`, 'distinct device ids', JSON.stringify(g))];
  }
  return [];
};

export const RULES: readonly Rule[] = [backboneRules, headRules, lossRules, dataRules, optimizerRules, phaseRules, resourceRules];

export const checkRules = (s: SpecParsed): Issue[] => RULES.flatMap((r) => r(s));
