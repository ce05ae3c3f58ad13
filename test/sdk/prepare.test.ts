/** prepareRun: the run folder's spec.yaml is the spec as given, re-runnable from the run folder. */
import { describe, it, expect } from 'vitest';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { prepareRun } from '../../src/sdk/prepare.js';
import { loadSpec } from '../../src/sdk/spec-input.js';
import { checkData } from '../../src/data/preflight.js';
import { RUN_FILES } from '../../src/runners/run-dir.js';
import { repoRoot, tmpDir } from '../helpers.js';

describe('prepareRun', () => {
  it('writes spec.yaml with absolute paths, so the run folder\'s spec trains the same data again', () => {
    const dir = tmpDir();
    for (const split of ['train', 'val']) cpSync(path.join(repoRoot, 'examples', 'flowers', split), path.join(dir, 'flowers', split), { recursive: true });
    mkdirSync(path.join(dir, 'w'));
    cpSync(path.join(repoRoot, 'examples', 'flowers', 'weights', 'mobilenet_2_5_224_tf_no_top.h5'), path.join(dir, 'w', 'm.h5'));
    writeFileSync(path.join(dir, 'spec.yaml'), `apiVersion: tlorc/v1
task: image_classification
framework: keras
backbone: { name: mobilenet, alpha: 0.25, weights: ./w/m.h5 }
data: { type: image_folder, root: ./flowers, max_per_class: 2 }
epochs: 1
output: ./runs
`);
    const spec = loadSpec(path.join(dir, 'spec.yaml'), { overrides: ['batch_size=4'] });
    const run = prepareRun(spec);
    const saved = readFileSync(path.join(run.runDir, RUN_FILES.specYaml), 'utf8');
    expect(parseYaml(saved)).toMatchObject({ batch_size: 4, data: { root: path.join(dir, 'flowers'), train: 'train' }, backbone: { weights: path.join(dir, 'w', 'm.h5') }, output: path.join(dir, 'runs') });
    // read from the run folder, where ./flowers and ./w do not exist
    const again = loadSpec(path.join(run.runDir, RUN_FILES.specYaml));
    expect(checkData(again)).toEqual(checkData(spec));
    expect(again.backbone.weights).toEqual(spec.backbone.weights);
    expect(again.output).toBe(spec.output);
  });
});
