/** Test helpers: temp dirs, a PreparedRun around a fixture script, paths to shared data. */
import { mkdtempSync, copyFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSpecText } from '../src/spec/load.js';
import { parseSpec } from '../src/spec/validate.js';
import { createRunDir, newRunId, writeJsonAtomic, RUN_FILES } from '../src/runners/run-dir.js';
import type { PreparedRun } from '../src/runners/types.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const fixture = (name: string) => path.join(repoRoot, 'test', 'fixtures', name);
/** ../shared/data next to the repo (tests may read it; it is never copied into the repo). */
export const sharedData = (...p: string[]) => {
  const candidates = [path.resolve(repoRoot, '..', 'shared', 'data'), '/work/shared/data'];
  const root = candidates.find((c) => existsSync(c)) ?? candidates[0]!;
  return path.join(root, ...p);
};
export const tmpDir = (prefix = 'tlorc-test-') => mkdtempSync(path.join(os.tmpdir(), prefix));
export const python = () => process.env.TLORC_TEST_PYTHON ?? path.join(os.homedir(), '.tlorc', 'venv', 'bin', 'python');

export const tinySpecYaml = (root: string) => `apiVersion: tlorc/v1
task: image_classification
framework: pytorch
backbone: { name: mobilenet_v2, weights: none }
data: { type: image_folder, root: ${JSON.stringify(root)} }
epochs: 1
`;

/** A run directory whose "generated script" is a fixture: for process-level runner tests. */
export function fixtureRun(script: string, args: { dir?: string } = {}): PreparedRun {
  const out = args.dir ?? tmpDir();
  const spec = parseSpec(parseSpecText(tinySpecYaml(out), out));
  const runId = newRunId('fixture');
  const runDir = createRunDir(out, runId);
  const scriptPath = path.join(runDir, 'train.py');
  copyFileSync(fixture(script), scriptPath);
  writeJsonAtomic(path.join(runDir, RUN_FILES.state), { runId, name: 'fixture', status: 'queued', runner: 'local', createdAt: new Date().toISOString() });
  return { runId, runDir, spec, scriptPath, env: { TLORC_RUN_ID: runId, TLORC_RUN_DIR: runDir }, inputPaths: [], dryRun: false };
}

/**
 * The event types fixtures/emit.py produces on stdout, in order. stderr is a separate pipe (in a
 * container as locally), so its log lines may arrive anywhere, even before run_started: the
 * order is a promise for stdout only.
 */
export function emitFixtureStdoutOrder(epochs = 3): string[] {
  const perEpoch = ['batch', 'batch', 'batch', 'epoch'];
  return ['run_started', 'phase_started', 'log', 'log', 'warning', ...Array.from({ length: epochs }, () => perEpoch).flat(), 'completed'];
}

/** The event types of everything but stderr's log lines, in arrival order. */
export const stdoutTypes = (events: readonly { type: string; stream?: string }[]): string[] =>
  events.filter((e) => !(e.type === 'log' && e.stream === 'stderr')).map((e) => e.type);
