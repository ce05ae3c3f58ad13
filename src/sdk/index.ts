/**
 * The programmatic SDK: what the CLI and the server call, exported as the package's API.
 *
 *   import { run, validate, generate, schema } from 'tlorc';
 *   const handle = await run('spec.yaml');
 *   for await (const e of handle) if (e.type === 'epoch') console.log(e.val);
 *   const result = await handle.result;
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { generate as generateScript, compileCheck, type GeneratedScript } from '../codegen/index.js';
import { checkData, checkWeights, type DataSummary } from '../data/preflight.js';
import { toTlorcError, type ErrorBody } from '../errors/index.js';
import { getRunner, type RunnerOptions } from '../runners/registry.js';
import type { RunHandle, RunnerKind, RunResult, StartOptions } from '../runners/types.js';
import { ensurePythonEnv } from '../python/env.js';
import { specJsonSchema } from '../spec/json-schema.js';
import type { NormalizedSpec } from '../spec/normalized.js';
import { BACKBONES, frameworksOf } from '../catalog/backbones.js';
import { loadSpec, checkSpecLike, type SpecLike, type SpecOptions } from './spec-input.js';
import { prepareRun, specForJson, type PrepareOptions } from './prepare.js';

export interface RunOptions extends SpecOptions, StartOptions, RunnerOptions {
  runner?: RunnerKind;
  /** Directory for run folders (default: the spec's `output`). */
  outputDir?: string;
  dryRun?: boolean;
}

/** Validate, generate, and start a run. Input errors throw a TlorcError before any run directory exists. */
export async function run(spec: SpecLike, options: RunOptions = {}): Promise<RunHandle> {
  const normalized = loadSpec(spec, options);
  const kind = options.runner ?? 'local';
  const runner = await getRunner(kind, options);
  const prepareOptions: PrepareOptions = { runner: kind, dryRun: options.dryRun ?? false, ...(options.outputDir ? { outputDir: options.outputDir } : {}) };
  // environment problems (no Python, no engine, missing image, no GPU) surface before the run dir is made
  await runner.preflight(normalized);
  const prepared = prepareRun(normalized, prepareOptions);
  return runner.start(prepared, options);
}

export interface ValidationReport {
  ok: boolean;
  /** Set when ok is false: the error with every spec issue (field path, expected, found). */
  error?: ErrorBody;
  spec?: Record<string, unknown>;
  data?: DataSummary;
  /** Files of the generated script, when generation got that far. */
  files?: string[];
  /** Set with dryRun: the result of one batch forward and backward. */
  dryRun?: RunResult;
  /** Warnings the dry run's script reported (e.g. a freeze pattern that matches no layer). */
  warnings?: { message: string; code?: string }[];
}

export interface ValidateOptions extends SpecOptions {
  /** Also build the model and run one batch forward and backward (needs Python, takes seconds). */
  dryRun?: boolean;
  /** Compile the generated script with Python (default true). */
  compile?: boolean;
  onSetupProgress?: (line: string) => void;
  /** Aborting it stops a dry run under way (its process is killed, its temporary folder removed). */
  signal?: AbortSignal;
}

/** Check a spec, its data and its generated script. Never throws for bad input: see `ok` and `error`. */
export async function validate(spec: SpecLike, options: ValidateOptions = {}): Promise<ValidationReport> {
  const report: ValidationReport = { ok: false };
  try {
    const normalized = loadSpec(spec, options);
    report.spec = specForJson(normalized);
    checkWeights(normalized);
    report.data = checkData(normalized);
    const script = generateScript(normalized);
    report.files = Object.keys(script.files);
    if (options.compile !== false) {
      const { python } = await ensurePythonEnv({ onProgress: options.onSetupProgress });
      await compileCheck(script.files, python);
    }
    if (options.dryRun) {
      const tmp = mkdtempSync(path.join(os.tmpdir(), 'tlorc-dry-'));
      try {
        const handle = await run(spec, { ...options, dryRun: true, outputDir: tmp, runner: 'local' });
        const stop = () => void handle.cancel('validation interrupted', { force: true });
        if (options.signal?.aborted) stop();
        options.signal?.addEventListener('abort', stop, { once: true });
        const warnings: NonNullable<ValidationReport['warnings']> = [];
        const collecting = (async () => {
          for await (const e of handle) if (e.type === 'warning') warnings.push({ message: e.message, ...(e.code ? { code: e.code } : {}) });
        })();
        report.dryRun = await handle.result;
        await collecting;
        if (warnings.length) report.warnings = warnings;
        options.signal?.removeEventListener('abort', stop);
        if (report.dryRun.status !== 'completed') {
          const e = report.dryRun.error;
          const generic = !e || e.code === 'TLORC_RUN_FAILED'; // a cancel keeps TLORC_RUN_CANCELLED (exit 130)
          report.error = {
            code: generic ? 'TLORC_DRY_RUN_FAILED' : e.code,
            message: `Dry run failed: ${e?.message ?? 'unknown reason'}`,
            hint: generic ? 'The model could not run one batch forward and backward; see the Python error (often a shape or label mismatch).' : e.hint,
            ...(e?.path ? { path: e.path } : {}),
            ...(e?.details ? { details: e.details } : {}),
          };
          return report;
        }
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    }
    report.ok = true;
  } catch (e) {
    report.error = toTlorcError(e).toJSON();
  }
  return report;
}

/** Generate the training script (and its helper module) without running it. */
export function generate(spec: SpecLike, options: SpecOptions = {}): GeneratedScript & { spec: NormalizedSpec } {
  const normalized = loadSpec(spec, options);
  return { ...generateScript(normalized), spec: normalized };
}

/** The JSON Schema of the spec (derived from the zod schema). */
export const schema = (): Record<string, unknown> => specJsonSchema();

/** The backbone catalog, as plain data. */
export function catalog() {
  return BACKBONES.map((b) => ({
    name: b.name,
    aliases: b.aliases,
    task: b.task,
    description: b.description,
    frameworks: frameworksOf(b),
    features: b.features,
    normalization: b.normalization,
    input: b.input,
    options: b.options,
    params: b.params,
  }));
}

export { checkSpecLike as checkSpec, loadSpec };
export { prepareRun } from './prepare.js';
export { ensurePythonEnv } from '../python/env.js';
export { TlorcClient, RemoteRunHandle, runRemote, type ClientOptions, type RemoteRun, type RemoteSpec, type SubmitOptions } from './remote.js';
export { TlorcError, isTlorcError } from '../errors/index.js';
export type { ErrorBody, ErrorCode } from '../errors/index.js';
export type { RunHandle, RunResult, RunnerKind, RunStatus, PreparedRun } from '../runners/types.js';
export type { TlorcEvent, EventType, EventOf } from '../events/protocol.js';
export type { NormalizedSpec } from '../spec/normalized.js';
export type { SpecInput, SpecParsed } from '../spec/schema.js';
export type { Issue } from '../spec/issues.js';
export type { SpecLike, SpecSource } from './spec-input.js';
