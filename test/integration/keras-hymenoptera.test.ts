/**
 * Real transfer learning on real photos: Keras MobileNet v1 (alpha 0.25) with the real ImageNet
 * weights, frozen backbone, ants vs bees. It must clearly beat chance on the validation set and
 * beat the same spec trained from random weights (`weights: none`).
 */
import { describe, it, expect } from 'vitest';
import { sharedData } from '../helpers.js';
import { train, epochs, expectWellFormed, report } from './helpers.js';

const spec = (weights: string) => ({
  name: `hymenoptera-${weights === 'none' ? 'scratch' : 'pretrained'}`,
  task: 'image_classification' as const,
  framework: 'keras' as const,
  backbone: { name: 'mobilenet', alpha: 0.25, input_size: 224, weights },
  freeze: 'all' as const,
  head: { pooling: 'avg' as const, dropout: 0.2 },
  // a linear probe on frozen features takes a high learning rate: few steps (8 batches/epoch) are enough
  optimizer: { name: 'adam' as const, learning_rate: 1e-2 },
  data: { type: 'image_folder' as const, root: sharedData('hymenoptera') },
  batch_size: 32,
  epochs: 3,
  seed: 3,
});

describe('Keras MobileNet on ants vs bees (real weights, real images)', () => {
  it('pretrained frozen backbone beats chance clearly, and beats weights: none', async () => {
    const pretrained = await train(spec(sharedData('weights', 'mobilenet_2_5_224_tf_no_top.h5')));
    expectWellFormed(pretrained.events);
    const accP = pretrained.result.final!.val.accuracy!;
    expect(epochs(pretrained.events)).toHaveLength(3);
    expect(pretrained.events.some((e) => e.type === 'batch')).toBe(true);
    const started = pretrained.events.find((e) => e.type === 'run_started') as Extract<(typeof pretrained.events)[number], { type: 'run_started' }>;
    expect(started.classes).toEqual(['ants', 'bees']);
    expect(started.train_samples).toBe(245);
    expect(started.val_samples).toBe(153);

    const scratch = await train(spec('none'));
    const accS = scratch.result.final!.val.accuracy!;
    report('keras mobilenet0.25 hymenoptera frozen, 3 epochs', { val_acc_pretrained: accP, val_acc_none: accS, seconds_pretrained: pretrained.seconds, seconds_none: scratch.seconds });
    expect(accP).toBeGreaterThan(0.75); // chance is 83/153 = 0.54 (majority class)
    expect(accP - accS).toBeGreaterThan(0.1);
  }, 900_000);
});
