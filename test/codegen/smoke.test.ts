/**
 * Generated scripts really run: tiny training runs (random weights, a few synthetic images or
 * sentences, one epoch per phase) through every template with most optional sections switched
 * on, plus dry runs. They check the script's side of the contract: events that parse with the
 * protocol's schemas and end with `completed`, the files it writes, no frozen weight changed.
 * (Learning on real data is tested by the integration tests.)
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkSpec } from '../../src/spec/index.js';
import { generate } from '../../src/codegen/index.js';
import { Payloads, type EventType } from '../../src/events/protocol.js';
import { HAS_PYTHON, PYTHON } from './python.js';

const MAKE_DATA = `
import os, sys
from PIL import Image
root = sys.argv[1]
colors = {"red": (200, 30, 30), "green": (30, 200, 30), "blue": (30, 30, 200)}
for split, n in (("train", 6), ("val", 3)):
    for name, c in colors.items():
        os.makedirs(os.path.join(root, "images", split, name), exist_ok=True)
        for i in range(n):
            im = Image.new("RGB", (48 + i, 40), tuple(max(0, v - 10 * i) for v in c))
            fmt = "GIF" if i == 0 else "JPEG"
            im.save(os.path.join(root, "images", split, name, f"img {i}.{'gif' if i == 0 else 'jpg'}"), fmt)
lines = [f"{w} good \\"fine\\t1\\n" if k % 2 else f"{w} bad\\u0085 awful\\t0\\n" for k, w in enumerate(["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"] * 3)]
with open(os.path.join(root, "sentences.tsv"), "w", encoding="utf-8", newline="") as f:
    f.write("".join(lines))
`;

let root = '';

function script(raw: Record<string, unknown>, dir: string): string {
  const r = checkSpec({ value: raw, baseDir: root });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  const g = generate(r.spec);
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(g.files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

async function runScript(dir: string, env: Record<string, string> = {}) {
  const { stdout, stderr } = await promisify(execFile)(PYTHON, ['train.py'], {
    cwd: dir,
    env: { ...process.env, TLORC_RUN_ID: 'smoke', TLORC_RUN_DIR: path.join(dir, 'run'), ...env },
    timeout: 240_000,
    maxBuffer: 64 * 1024 * 1024,
  }).catch((e: { stdout: string; stderr: string; code: number }) => {
    throw new Error(`exit ${e.code}\n${e.stdout.slice(-3000)}\n${e.stderr.slice(-3000)}`);
  });
  const events = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { type: EventType } & Record<string, unknown>);
  for (const e of events) {
    expect(e.v).toBe(1);
    const { v: _v, type, ts: _ts, ...payload } = e;
    const parsed = Payloads[type].safeParse(payload);
    if (!parsed.success) throw new Error(`${type}: ${parsed.error.message}`);
  }
  return { events, stderr };
}

const image = (over: Record<string, unknown>) => ({
  apiVersion: 'tlorc/v1',
  task: 'image_classification',
  data: { type: 'image_folder', root: 'images', augment: { horizontal_flip: true } },
  batch_size: 4,
  batch_events_every: 2,
  ...over,
});

const CASES: [string, Record<string, unknown>][] = [
  ['keras mobilenet, two phases, cosine, early stopping, dense head with bn/l2', image({
    framework: 'keras',
    backbone: { name: 'mobilenet', alpha: 0.25, weights: 'none', input_size: 32 },
    head: { layers: [{ units: 8, batch_norm: true, dropout: 0.1, l2: 1e-4 }], dropout: 0.1 },
    optimizer: { name: 'adam', clipnorm: 1 },
    loss: { name: 'sparse_categorical_crossentropy', label_smoothing: 0.1 },
    metrics: ['accuracy', 'f1'],
    phases: [
      { name: 'head', epochs: 1, freeze: 'all' },
      { name: 'top', epochs: 2, freeze: { until: 'conv_pw_11_relu' }, optimizer: { learning_rate: 1e-4, schedule: { type: 'cosine' } } },
    ],
    early_stopping: { monitor: 'val_accuracy', patience: 1 },
    resources: { device: 'cpu', num_workers: 2, cpus: 1 },
  })],
  ['pytorch mobilenet_v2, freeze first N, sgd, clipping, plateau, logits', image({
    framework: 'pytorch',
    backbone: { name: 'mobilenet_v2', weights: 'none', input_size: 32 },
    freeze: { first: 10 },
    head: { pooling: 'max', layers: [{ units: 8, batch_norm: true, dropout: 0.2, l1: 1e-5 }], output_activation: 'linear' },
    loss: { name: 'categorical_crossentropy', from_logits: true, label_smoothing: 0.1 },
    optimizer: { name: 'sgd', momentum: 0.9, nesterov: true, clipvalue: 1, global_clipnorm: 5, schedule: { type: 'reduce_on_plateau', patience: 0 } },
    metrics: ['accuracy', 'precision', 'recall'],
    epochs: 2,
    early_stopping: { patience: 3 },
    resources: { num_workers: 1, cpus: 1 },
  })],
  ['pytorch minilm, binary sigmoid, pattern freeze, val split', {
    apiVersion: 'tlorc/v1',
    task: 'text_classification',
    framework: 'pytorch',
    backbone: { name: 'minilm', max_length: 16 },
    freeze: { pattern: 'encoder.layer.[0-4].*' },
    head: { pooling: 'mean', output_activation: 'sigmoid' },
    loss: { name: 'binary_crossentropy', label_smoothing: 0.05 },
    optimizer: { name: 'adamw', weight_decay: 0.01, clipnorm: 1, schedule: { type: 'step', step_size: 1 } },
    data: { type: 'text_table', train: 'sentences.tsv', val_split: 0.2, max_samples: 16 },
    batch_size: 8,
    phases: [{ name: 'top', epochs: 1 }, { name: 'all', epochs: 1, freeze: 'none', optimizer: { learning_rate: 1e-5 } }],
    resources: { cpus: 1 },
  }],
];

describe.skipIf(!HAS_PYTHON)('generated scripts run', () => {
  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), 'tlorc-smoke-'));
    execFileSync(PYTHON, ['-c', MAKE_DATA, root]);
  });

  it.each(CASES)('%s', async (_label, raw) => {
    const dir = script(raw, path.join(root, String(CASES.findIndex((c) => c[1] === raw))));
    const { events } = await runScript(dir);
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('run_started');
    expect(types.at(-1)).toBe('completed');
    expect(types).not.toContain('failed');
    expect(events.filter((e) => e.type === 'warning').map((e) => e.code)).not.toContain('TLORC_FROZEN_CHANGED');
    const phases = (raw.phases as unknown[] | undefined)?.length ?? 1;
    expect(types.filter((t) => t === 'phase_started')).toHaveLength(phases);
    const done = events.at(-1)!;
    expect(existsSync(done.model_path as string)).toBe(true);
    expect(readdirSync(done.model_path as string)).toEqual(expect.arrayContaining(['classes.json', 'model_info.json']));
    expect(readdirSync(path.join(dir, 'run')).filter((n) => n.includes('.tmp-'))).toEqual([]);
    if (phases > 1) expect(readdirSync(path.join(dir, 'run', 'checkpoints'))).toHaveLength(phases);
  }, 300_000);

  it('a dry run builds, runs one batch and writes nothing', async () => {
    const dir = script(image({ framework: 'pytorch', backbone: { name: 'resnet50', weights: 'none', input_size: 32 }, epochs: 5, resources: { cpus: 1 } }), path.join(root, 'dry'));
    const { events } = await runScript(dir, { TLORC_DRY_RUN: '1' });
    expect(events.map((e) => e.type)).toEqual(['run_started', 'log', 'completed']);
    expect(events.at(-1)!.epochs_run).toBe(0);
    expect(existsSync(path.join(dir, 'run')) ? readdirSync(path.join(dir, 'run')) : []).toEqual([]);
  }, 300_000);
});
