/**
 * The CLI as a user meets it: the real bin/tlorc.js (built dist), real files, exit codes,
 * messages that name the field, and no run directory left behind by bad input.
 */
import { describe, it, expect } from 'vitest';
import { execa } from 'execa';
import { mkdirSync, writeFileSync, readdirSync, existsSync, copyFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot, tmpDir, sharedData, python } from '../helpers.js';

const bin = path.join(repoRoot, 'bin', 'tlorc.js');
const tlorc = (args: string[], cwd?: string) => execa('node', [bin, ...args], { reject: false, cwd: cwd ?? repoRoot, env: { FORCE_COLOR: '0' } });

function flowersCopy(): string {
  // a tiny image folder: 2 classes x 3 images, from the bundled example
  const root = tmpDir();
  for (const split of ['train', 'val'])
    for (const cls of ['daisy', 'roses']) {
      const src = path.join(repoRoot, 'examples', 'flowers', split, cls);
      mkdirSync(path.join(root, 'data', split, cls), { recursive: true });
      for (const f of readdirSync(src).slice(0, 3)) copyFileSync(path.join(src, f), path.join(root, 'data', split, cls, f));
    }
  return root;
}

const spec = (extra = '', backbone = '{ name: mobilenet, alpha: 0.25, weights: none, input_size: 96 }') => `apiVersion: tlorc/v1
task: image_classification
framework: keras
backbone: ${backbone}
data: { type: image_folder, root: ./data }
batch_size: 4
epochs: 1
output: ./runs
${extra}`;

function write(dir: string, text: string, name = 'spec.yaml'): string {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
}

const runsLeft = (dir: string) => (existsSync(path.join(dir, 'runs')) ? readdirSync(path.join(dir, 'runs')) : []);

describe('tlorc CLI: bad input', () => {
  it('--help lists the commands and the exit codes', async () => {
    const r = await tlorc(['--help']);
    expect(r.exitCode).toBe(0);
    for (const c of ['run', 'validate', 'generate', 'schema', 'catalog', 'setup', 'doctor', 'serve', 'runs']) expect(r.stdout).toContain(c);
    expect(r.stdout).toMatch(/Exit codes: 0 done, 2 invalid input/);
  });

  it('invalid YAML: exit 2, line and column, no stack trace', async () => {
    const dir = tmpDir();
    const r = await tlorc(['run', write(dir, 'apiVersion: tlorc/v1\nbackbone: { name: [oops\n')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/TLORC_SPEC_PARSE/);
    expect(r.stderr).toMatch(/spec\.yaml:\d+:\d+/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('unknown key: names the field, expected, found and "did you mean"', async () => {
    const dir = flowersCopy();
    const r = await tlorc(['validate', write(dir, spec('optimizer: { name: adam, lr: 0.01 }\n'))]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('optimizer.lr');
    expect(r.stderr).toContain('did you mean "learning_rate"');
    expect(r.stderr).toMatch(/expected: one of: name, learning_rate/);
    expect(r.stderr).toMatch(/spec\.yaml:9:\d+/);
  });

  it('wrong type and unknown backbone, with --json giving the same issues as data', async () => {
    const dir = flowersCopy();
    const r = await tlorc(['validate', '--json', write(dir, spec('batch_size: many\n', '{ name: resnet5 }').replace('batch_size: 4\n', ''))]);
    expect(r.exitCode).toBe(2);
    const report = JSON.parse(r.stdout);
    expect(report.ok).toBe(false);
    expect(report.error.code).toBe('TLORC_SPEC_INVALID');
    const paths = report.error.issues.map((i: { path: string[] }) => i.path.join('.'));
    expect(paths).toContain('batch_size');
  });

  it('unknown backbone suggests the closest catalog name', async () => {
    const dir = flowersCopy();
    const r = await tlorc(['validate', write(dir, spec('', '{ name: resnet5 }'))]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('backbone.name');
    expect(r.stderr).toContain('did you mean "resnet50"');
  });

  it('missing data folder: exit 2, TLORC_DATA_NOT_FOUND, no run directory created', async () => {
    const dir = tmpDir();
    const r = await tlorc(['run', write(dir, spec())]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('TLORC_DATA_NOT_FOUND');
    expect(r.stderr).toContain(path.join(dir, 'data'));
    expect(runsLeft(dir)).toEqual([]);
  });

  it('empty class folder: exit 2, names the class', async () => {
    const dir = flowersCopy();
    mkdirSync(path.join(dir, 'data', 'train', 'tulips'));
    const r = await tlorc(['run', write(dir, spec())]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('TLORC_DATA_EMPTY_CLASS');
    expect(r.stderr).toContain('"tulips"');
    expect(runsLeft(dir)).toEqual([]);
  });

  it('weights file missing: exit 2, names backbone.weights', async () => {
    const dir = flowersCopy();
    const r = await tlorc(['run', write(dir, spec('', '{ name: mobilenet, alpha: 0.25, weights: ./nope.h5, input_size: 224 }'))]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('TLORC_WEIGHTS_NOT_FOUND');
    expect(runsLeft(dir)).toEqual([]);
  });

  it('a Keras HDF5 weights file for a PyTorch backbone is refused before anything runs', async () => {
    const dir = flowersCopy();
    const h5 = path.join(repoRoot, 'examples', 'flowers', 'weights', 'mobilenet_2_5_224_tf_no_top.h5');
    const text = spec('', `{ name: mobilenet_v2, weights: ${JSON.stringify(h5)}, input_size: 96 }`).replace('framework: keras', 'framework: pytorch');
    const r = await tlorc(['run', write(dir, text)]);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain('TLORC_WEIGHTS_MISMATCH');
    expect(r.stderr).toContain('HDF5');
    expect(runsLeft(dir)).toEqual([]);
  });

  it('a Keras backend that is not installed: exit 4 before any run directory exists', async () => {
    const dir = flowersCopy();
    const r = await tlorc(['run', write(dir, spec('keras_backend: jax\n'))]);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain('TLORC_PYTHON_PACKAGE_MISSING');
    expect(runsLeft(dir)).toEqual([]);
  });

  it('a Python that cannot start: exit 4 before any run directory exists', async () => {
    const dir = flowersCopy();
    const r = await execa('node', [bin, 'run', write(dir, spec())], { reject: false, env: { FORCE_COLOR: '0', TLORC_PYTHON: '/nonexistent/python3' } });
    expect(r.exitCode, r.stderr).toBe(4);
    expect(r.stderr).toContain('TLORC_PYTHON_NOT_FOUND');
    expect(runsLeft(dir)).toEqual([]);
  });

  it('a run that asks for GPUs on a host without one: exit 4 before any run directory, never a silent CPU run', async () => {
    const cuda = await execa(python(), ['-c', 'import torch; print(torch.cuda.device_count())'], { reject: false });
    const gpus = Number(String(cuda.stdout).trim());
    const dir = flowersCopy();
    const r = await tlorc(['run', write(dir, spec()), '--set', `resources.gpus=${gpus + 1}`]);
    expect(r.exitCode, r.stderr).toBe(4);
    expect(r.stderr).toContain('TLORC_GPU_UNAVAILABLE');
    expect(r.stderr).toContain(`PyTorch sees ${gpus}`);
    expect(r.stderr).toContain('resources.gpus');
    expect(runsLeft(dir)).toEqual([]);
  });

  it('an output path that cannot be a folder is invalid input (exit 2), not a tlorc bug', async () => {
    const dir = flowersCopy();
    writeFileSync(path.join(dir, 'afile'), 'x');
    const run = await tlorc(['run', write(dir, spec()), '-o', path.join(dir, 'afile')]);
    expect(run.exitCode, run.stderr).toBe(2);
    expect(run.stderr).toContain('TLORC_OUTPUT_INVALID');
    expect(run.stderr).toContain('a file is in the way');
    const gen = await tlorc(['generate', write(dir, spec()), '-o', path.join(dir, 'afile', 'train.py')]);
    expect(gen.exitCode, gen.stderr).toBe(2);
    expect(gen.stderr).toContain('TLORC_OUTPUT_INVALID');
    expect(gen.stderr).not.toContain('tlorc bug');
  });

  it('--set/--unset paths that name nothing are errors, and a flag value is not shown at a file line', async () => {
    const dir = flowersCopy();
    const f = write(dir, spec('metrics: [accuracy]\n'));
    const list = await tlorc(['validate', f, '--set', 'metrics.foo=bar']);
    expect(list.exitCode).toBe(2);
    expect(list.stderr).toMatch(/TLORC_OVERRIDE_INVALID: .*metrics is a list/);
    const typo = await tlorc(['validate', f, '--unset', 'optimizr']);
    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toMatch(/no field "optimizr"/);
    const bad = await tlorc(['validate', f, '--set', 'batch_size=-1']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('batch_size');
    expect(bad.stderr).not.toMatch(/spec\.yaml:\d+:\d+/); // batch_size: 4 in the file is not what was wrong
  });

  it('bad --set override: exit 2', async () => {
    const dir = flowersCopy();
    const r = await tlorc(['validate', write(dir, spec()), '--set', 'optimizer.learning_rate']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('TLORC_OVERRIDE_INVALID');
  });

  it('--set is validated like the file: a wrong value names the field', async () => {
    const dir = flowersCopy();
    const r = await tlorc(['validate', write(dir, spec()), '--set', 'optimizer.learning_rate=-1']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('optimizer.learning_rate');
  });
});

describe('tlorc CLI: generate, validate, schema, catalog', () => {
  it('generate -o writes a standalone script and its helper', async () => {
    const dir = flowersCopy();
    const out = path.join(dir, 'gen', 'train.py');
    const r = await tlorc(['generate', write(dir, spec()), '-o', out]);
    expect(r.exitCode).toBe(0);
    expect(existsSync(out)).toBe(true);
    expect(readdirSync(path.dirname(out))).toContain('tlorc_runtime.py');
  });

  it('validate compiles the generated script and reports the data', async () => {
    const dir = flowersCopy();
    const r = await tlorc(['validate', write(dir, spec())]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/valid/);
    expect(r.stdout).toMatch(/2 classes \(daisy, roses\), 6 train \/ 6 val/);
  });

  it('schema prints the JSON Schema derived from zod; catalog lists the backbones', async () => {
    const s = await tlorc(['schema']);
    expect(s.exitCode).toBe(0);
    const schema = JSON.parse(s.stdout);
    expect(schema.properties.optimizer.properties.learning_rate).toBeDefined();
    expect(schema.properties.optimizer.additionalProperties).toBe(false);
    const c = await tlorc(['catalog', '--json']);
    const names = JSON.parse(c.stdout).map((b: { name: string }) => b.name);
    expect(names).toEqual(expect.arrayContaining(['mobilenet', 'mobilenet_v2', 'vgg16', 'resnet50', 'bert-base-uncased', 'all-minilm-l6-v2']));
  });

  it('shared data is reachable for the training tests', () => {
    expect(existsSync(sharedData('hymenoptera', 'train', 'ants'))).toBe(true);
  });
});
