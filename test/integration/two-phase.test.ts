/**
 * The classic two-phase recipe, checked where it matters: after phase 1 (frozen backbone) no
 * backbone weight and no BatchNorm statistic has changed; after phase 2 (unfrozen from a named
 * layer) the unfrozen layers changed and the still-frozen ones did not. Checked independently of
 * tlorc: a Python script compares the phase checkpoints with the original weights file.
 */
import { describe, it, expect } from 'vitest';
import { execa } from 'execa';
import path from 'node:path';
import { repoRoot, fixture, python } from '../helpers.js';
import { train, epochs, expectWellFormed, report } from './helpers.js';

const WEIGHTS = path.join(repoRoot, 'examples', 'flowers', 'weights', 'mobilenet_2_5_224_tf_no_top.h5');

describe('two-phase fine-tuning (Keras MobileNet, bundled flowers)', () => {
  it('frozen weights unchanged through phase 1, unfrozen ones changed in phase 2', async () => {
    const run = await train({
      name: 'two-phase',
      task: 'image_classification',
      framework: 'keras',
      // batchnorm: train, so unfrozen BN layers would update their statistics: the frozen ones still must not
      backbone: { name: 'mobilenet', alpha: 0.25, input_size: 224, weights: WEIGHTS, batchnorm: 'train' },
      head: { dropout: 0.1 },
      data: { type: 'image_folder', root: path.join(repoRoot, 'examples', 'flowers'), max_per_class: 12 },
      batch_size: 12,
      phases: [
        { name: 'head', epochs: 1, freeze: 'all' },
        { name: 'finetune', epochs: 1, freeze: { until: 'conv_pw_11_relu' }, optimizer: { learning_rate: 1e-3 } },
      ],
      seed: 5,
    });
    expectWellFormed(run.events);
    expect(epochs(run.events)).toHaveLength(2);
    const phases = run.events.filter((e) => e.type === 'phase_started') as Extract<(typeof run.events)[number], { type: 'phase_started' }>[];
    expect(phases.map((p) => p.name)).toEqual(['head', 'finetune']);
    expect(phases[1]!.trainable_params).toBeGreaterThan(phases[0]!.trainable_params);
    expect(run.events.some((e) => e.type === 'warning' && /frozen/i.test((e as { message: string }).message))).toBe(false);

    const ckpt = (name: string) => path.join(run.result.runDir, 'checkpoints', name, 'model.keras'); // checkpoints/<n>-<phase name>/
    const r = await execa(python(), [fixture('compare_keras_weights.py'), WEIGHTS, '224', '0.25', ckpt('1-head'), ckpt('2-finetune')], {
      env: { KERAS_BACKEND: 'torch' },
    });
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { order: string[]; checkpoints: { changed: string[]; missing: string[] }[] };
    const [p1, p2] = out.checkpoints;
    expect(p1!.missing).toEqual([]);
    expect(p1!.changed).toEqual([]); // phase 1: nothing of the backbone moved, BN statistics included
    const cut = out.order.indexOf('conv_pw_11_bn'); // last weighted layer up to conv_pw_11_relu
    const frozen = out.order.slice(0, cut + 1);
    const unfrozen = out.order.slice(cut + 1);
    expect(p2!.changed.filter((n) => frozen.includes(n))).toEqual([]);
    expect(p2!.changed.length).toBeGreaterThan(0);
    expect(p2!.changed.every((n) => unfrozen.includes(n))).toBe(true);
    report('two-phase keras mobilenet flowers', { frozen_layers: frozen.length, changed_in_phase2: p2!.changed.length, of_unfrozen: unfrozen.length, seconds: run.seconds });
  }, 600_000);
});
