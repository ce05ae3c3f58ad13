/**
 * A real (tiny) training run inside the test image: the generated Keras script, real ImageNet
 * weights from shared/data, real flower photos mounted read-only. Events must arrive live (the
 * first epoch before the run ends) and the run must end with the same final-metrics shape as a
 * local run of the same spec.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import path from 'node:path';
import { run } from '../../../src/sdk/index.js';
import type { TlorcEvent } from '../../../src/events/protocol.js';
import { sharedData, tmpDir } from '../../helpers.js';
import { TEST_IMAGE, requireEngine, skipDocker } from './engine.js';

const skip = await skipDocker();

const tinySpec = (out: string) => `apiVersion: tlorc/v1
name: docker-tiny
task: image_classification
framework: keras
backbone:
  name: mobilenet
  alpha: 0.25
  input_size: 128
  weights: ${JSON.stringify(sharedData('weights', 'mobilenet_2_5_224_tf_no_top.h5'))}
data: { type: image_folder, root: ${JSON.stringify(sharedData('flowers3'))}, max_per_class: 4 }
batch_size: 4
epochs: 2
seed: 3
output: ${JSON.stringify(out)}
`;

interface Observed {
  events: TlorcEvent[];
  /** event types seen while the run was still going */
  beforeEnd: string[];
}

async function observe(handle: Awaited<ReturnType<typeof run>>): Promise<Observed> {
  let ended = false;
  void handle.result.then(() => (ended = true));
  const events: TlorcEvent[] = [];
  const beforeEnd: string[] = [];
  for await (const e of handle) {
    events.push(e);
    if (!ended) beforeEnd.push(e.type);
  }
  return { events, beforeEnd };
}

describe.skipIf(skip)('Docker runner: a real training run', () => {
  beforeAll(requireEngine);

  it('streams epoch events live and ends like a local run of the same spec', async () => {
    const out = tmpDir('tlorc-docker-train-');
    const text = tinySpec(out);
    const docker = await run({ text, baseDir: out }, { runner: 'docker', image: TEST_IMAGE, cancelGraceS: 2 });
    const seen = await observe(docker);
    const result = await docker.result;
    expect(result.status, JSON.stringify(result.error, null, 2)).toBe('completed');
    expect(path.dirname(result.runDir)).toBe(out);
    // live: both epoch events were delivered while the container was still running
    expect(seen.beforeEnd.filter((t) => t === 'epoch')).toHaveLength(2);
    const types = seen.events.map((e) => e.type).filter((t) => t !== 'log' && t !== 'warning');
    expect(types[0]).toBe('run_started');
    expect(types.at(-1)).toBe('completed');

    const local = await run({ text, baseDir: out }, { runner: 'local' });
    const localSeen = await observe(local);
    const localResult = await local.result;
    expect(localResult.status, JSON.stringify(localResult.error, null, 2)).toBe('completed');

    // same shape: same metric names, same number of epochs, same kinds of events in the same order
    const keys = (r: typeof result) => ({ train: Object.keys(r.final!.train).sort(), val: Object.keys(r.final!.val).sort() });
    expect(keys(result)).toEqual(keys(localResult));
    expect(result.epochsRun).toBe(localResult.epochsRun);
    const structural = (evs: TlorcEvent[]) => evs.map((e) => e.type).filter((t) => t !== 'log' && t !== 'warning' && t !== 'batch');
    expect(structural(seen.events)).toEqual(structural(localSeen.events));
    // same pinned packages, same seed, same script: the numbers agree too (loosely: BLAS threading may differ)
    for (const split of ['train', 'val'] as const)
      for (const [k, v] of Object.entries(result.final![split])) expect(v, `${split}.${k}`).toBeCloseTo(localResult.final![split][k] as number, 1);
  }, 300_000);
});
