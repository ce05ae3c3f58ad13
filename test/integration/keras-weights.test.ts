/**
 * Keras weights the way users have them: `imagenet` resolved from the Keras cache
 * ($KERAS_HOME/models, offline), and a weights file of the wrong architecture (the with-top
 * 128px classifier file given to a no-top 224px backbone) failing with TLORC_WEIGHTS_MISMATCH,
 * exit code 3 from the CLI and no run marked completed.
 */
import { describe, it, expect } from 'vitest';
import { execa } from 'execa';
import { mkdirSync, copyFileSync, writeFileSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot, tmpDir, sharedData } from '../helpers.js';
import { train } from './helpers.js';

const flowers = path.join(repoRoot, 'examples', 'flowers');
const base = {
  task: 'image_classification' as const,
  framework: 'keras' as const,
  data: { type: 'image_folder' as const, root: flowers, max_per_class: 4 },
  batch_size: 8,
  epochs: 1,
};

describe('Keras weights resolution', () => {
  it('weights: imagenet loads from the Keras cache without network', async () => {
    const home = tmpDir();
    mkdirSync(path.join(home, 'models'));
    copyFileSync(sharedData('weights', 'mobilenet_2_5_224_tf_no_top.h5'), path.join(home, 'models', 'mobilenet_2_5_224_tf_no_top.h5'));
    process.env.KERAS_HOME = home;
    try {
      const r = await train({ ...base, name: 'keras-cache', backbone: { name: 'mobilenet', alpha: 0.25, input_size: 224, weights: 'imagenet' } });
      expect(r.result.status).toBe('completed');
    } finally {
      delete process.env.KERAS_HOME;
    }
  }, 300_000);

  it('a weights file of the wrong architecture: TLORC_WEIGHTS_MISMATCH, exit 3, run not completed', async () => {
    const dir = tmpDir();
    const spec = path.join(dir, 'spec.yaml');
    writeFileSync(spec, `apiVersion: tlorc/v1
task: image_classification
framework: keras
backbone: { name: mobilenet, alpha: 0.25, input_size: 224, weights: ${JSON.stringify(sharedData('weights', 'mobilenet_2_5_128_tf.h5'))} }
data: { type: image_folder, root: ${JSON.stringify(flowers)}, max_per_class: 4 }
epochs: 1
output: ./runs
`);
    const r = await execa('node', [path.join(repoRoot, 'bin', 'tlorc.js'), 'run', spec], { reject: false });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain('TLORC_WEIGHTS_MISMATCH');
    const runs = readdirSync(path.join(dir, 'runs'));
    expect(runs).toHaveLength(1);
    const state = JSON.parse(readFileSync(path.join(dir, 'runs', runs[0]!, 'run.json'), 'utf8'));
    expect(state.status).toBe('failed');
    expect(existsSync(path.join(dir, 'runs', runs[0]!, 'model'))).toBe(false);
  }, 300_000);
});
