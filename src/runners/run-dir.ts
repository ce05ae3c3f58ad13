/**
 * The run directory: one folder per run holding the spec, the generated script,
 * events, logs, the trained model and a summary. `run.json` tells its state; a run
 * is only `completed` when the process exited 0 AND reported completion, so nothing
 * half-written ever looks like a success.
 */
import { mkdirSync, writeFileSync, renameSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { RunStatus, RunnerKind, FinalMetrics } from './types.js';
import type { ErrorBody } from '../errors/index.js';
import { makeDirs, outputError } from './output-dir.js';

export const RUN_FILES = {
  state: 'run.json',
  specYaml: 'spec.yaml',
  specNormalized: 'spec.normalized.json',
  events: 'events.ndjson',
  log: 'run.log',
  summary: 'summary.json',
  model: 'model',
} as const;

export interface RunState {
  runId: string;
  name: string;
  status: RunStatus;
  runner: RunnerKind;
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  pid?: number;
  containerId?: string;
  final?: FinalMetrics;
  error?: ErrorBody;
}

export function newRunId(name: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const safe = name.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 40);
  return `${stamp}-${safe}-${randomBytes(3).toString('hex')}`;
}

/** Atomic JSON write: readers see the old or the new file, never half of one. */
export function writeJsonAtomic(file: string, value: unknown): void {
  const tmp = `${file}.${process.pid}.${randomBytes(3).toString('hex')}.tmp`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  renameSync(tmp, file);
}

export function writeTextAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

export function createRunDir(outputDir: string, runId: string): string {
  const dir = path.join(outputDir, runId);
  makeDirs(outputDir, ['output']);
  try {
    mkdirSync(dir); // throws if it exists: a run id is never reused
  } catch (e) {
    throw outputError(dir, e, ['output']);
  }
  return dir;
}

export function readRunState(runDir: string): RunState | undefined {
  const f = path.join(runDir, RUN_FILES.state);
  if (!existsSync(f)) return undefined;
  try {
    return JSON.parse(readFileSync(f, 'utf8')) as RunState;
  } catch {
    return undefined;
  }
}

export function updateRunState(runDir: string, patch: Partial<RunState>): RunState {
  const cur = readRunState(runDir);
  const next = { ...(cur as RunState), ...patch };
  writeJsonAtomic(path.join(runDir, RUN_FILES.state), next);
  return next;
}
