/**
 * spec -> a run directory ready to execute: validate, check data and weights,
 * generate the script, write spec + script + state. Shared by every front door
 * (CLI, SDK, server) and every runner.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { stringify as toYaml } from 'yaml';
import { generate } from '../codegen/index.js';
import { checkData, checkWeights, inputPaths, type DataSummary } from '../data/preflight.js';
import { createRunDir, newRunId, RUN_FILES, writeJsonAtomic } from '../runners/run-dir.js';
import type { PreparedRun, RunnerKind } from '../runners/types.js';
import type { NormalizedSpec } from '../spec/normalized.js';

export interface PrepareOptions {
  runner?: RunnerKind;
  dryRun?: boolean;
  /** Directory for run folders; default: the spec's `output` (relative to the spec file). */
  outputDir?: string;
  runId?: string;
}

/** The normalized spec without the catalog entry's functions: what we store as JSON. */
export function specForJson(spec: NormalizedSpec): Record<string, unknown> {
  const { backbone, source: _source, ...rest } = spec;
  const { entry: _entry, ...bb } = backbone;
  return { ...rest, backbone: bb };
}

/** The spec as given, with every path it reads or writes absolute: re-runnable from the run folder. */
export function rerunnableSource(spec: NormalizedSpec): NormalizedSpec['source'] {
  const src = structuredClone(spec.source);
  const d = spec.data;
  if (src.data.type === 'image_folder' && d.type === 'image_folder') src.data.root = d.root; // train/val stay relative to it
  if (src.data.type === 'text_table' && d.type === 'text_table') {
    src.data.train = d.train.length === 1 ? d.train[0]! : [...d.train];
    if (d.val) src.data.val = d.val.length === 1 ? d.val[0]! : [...d.val];
  }
  if (spec.backbone.weights.kind === 'file') src.backbone.weights = spec.backbone.weights.path;
  src.output = spec.output;
  return src;
}

export function runEnv(spec: NormalizedSpec, runId: string, runDir: string, dryRun: boolean): Record<string, string> {
  const env: Record<string, string> = {
    TLORC_RUN_ID: runId,
    TLORC_RUN_DIR: runDir,
    PYTHONUNBUFFERED: '1',
    // pretrained weights come from local caches or files: never hang on a hub download
    HF_HUB_OFFLINE: process.env.HF_HUB_OFFLINE ?? '1',
    TRANSFORMERS_OFFLINE: process.env.TRANSFORMERS_OFFLINE ?? '1',
  };
  if (spec.keras_backend) env.KERAS_BACKEND = spec.keras_backend;
  if (dryRun) env.TLORC_DRY_RUN = '1';
  const gpus = spec.resources.gpus;
  if (spec.resources.device === 'cpu') env.CUDA_VISIBLE_DEVICES = '';
  else if (Array.isArray(gpus)) env.CUDA_VISIBLE_DEVICES = gpus.join(',');
  return env;
}

export interface Prepared extends PreparedRun {
  data: DataSummary;
}

export function prepareRun(spec: NormalizedSpec, options: PrepareOptions = {}): Prepared {
  // everything that can fail on input fails here, before a run directory exists
  checkWeights(spec);
  const data = checkData(spec);
  const script = generate(spec);

  const runId = options.runId ?? newRunId(spec.name);
  const runDir = createRunDir(options.outputDir ?? spec.output, runId);
  writeFileSync(path.join(runDir, RUN_FILES.specYaml), `# spec of run ${runId} as given (after --set overrides), with its paths made absolute so that\n# \`tlorc run\` of this file trains the same run again\n${toYaml(rerunnableSource(spec))}`);
  writeJsonAtomic(path.join(runDir, RUN_FILES.specNormalized), specForJson(spec));
  for (const [name, text] of Object.entries(script.files)) {
    const file = path.join(runDir, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text as string);
  }
  writeJsonAtomic(path.join(runDir, RUN_FILES.state), {
    runId,
    name: spec.name,
    status: 'queued',
    runner: options.runner ?? 'local',
    createdAt: new Date().toISOString(),
  });
  const dryRun = options.dryRun ?? false;
  return {
    runId,
    runDir,
    spec,
    scriptPath: path.join(runDir, script.entry),
    env: runEnv(spec, runId, runDir, dryRun),
    inputPaths: inputPaths(spec),
    dryRun,
    data,
  };
}
