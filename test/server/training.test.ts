/**
 * A real short training run end to end through the server: `tlorc run --server` submits a
 * Keras MobileNet (alpha 0.25, real ImageNet weights from the shared weights folder) on a few
 * flowers3 images; the server prepares, generates, trains, streams events over SSE, and the
 * generated script, events and trained model are downloadable as artifacts.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execa } from 'execa';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot, sharedData, tmpDir } from '../helpers.js';
import { testServer, type TestServer } from './helpers.js';

const spec = `apiVersion: tlorc/v1
name: server-e2e
task: image_classification
framework: keras
backbone: { name: mobilenet, alpha: 0.25, input_size: 224, weights: weights/mobilenet_2_5_224_tf_no_top.h5 }
head: { pooling: avg, dropout: 0.2 }
optimizer: { name: adam, learning_rate: 1.0e-3 }
data: { type: image_folder, root: flowers3, max_per_class: 6 }
batch_size: 8
epochs: 2
seed: 3
`;

describe('real training through the server', () => {
  let s: TestServer;
  beforeAll(async () => {
    // no fixture: the server's own prepareRun generates the real script
    s = await testServer({ prepare: undefined as never });
  });
  afterAll(() => s.close());

  it('trains, streams epoch events live, and serves the artifacts', async () => {
    const file = path.join(tmpDir('tlorc-e2e-'), 'spec.yaml');
    writeFileSync(file, spec);
    const r = await execa(process.execPath, [path.join(repoRoot, 'bin', 'tlorc.js'), 'run', file, '--server', s.url, '--json'], { reject: false });
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(r.exitCode, `${r.stderr}\n${r.stdout.slice(-2000)}`).toBe(0);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]).toMatchObject({ type: 'run_started', framework: 'keras', classes: ['daisy', 'dandelion', 'roses'] });
    const epochs = events.filter((e) => e.type === 'epoch');
    expect(epochs).toHaveLength(2);
    expect(epochs[0].val.accuracy).toEqual(expect.any(Number));
    const done = events.at(-1);
    expect(done.type).toBe('completed');

    const runId = done.runId;
    const run = (await s.json(`/runs/${runId}`)).body;
    expect(run).toMatchObject({ status: 'completed', final: { val: { accuracy: done.final.val.accuracy } } });
    const files = (await s.json(`/runs/${runId}/artifacts`)).body.files.map((f: any) => f.path);
    expect(files).toEqual(expect.arrayContaining(['train.py', 'events.ndjson', 'spec.yaml', 'summary.json', 'run.log']));
    expect(files.some((f: string) => f.startsWith('model/'))).toBe(true);
    const script = await (await s.api(`/runs/${runId}/artifacts/train.py`)).text();
    expect(script).toContain('keras');
    const stored = (await (await s.api(`/runs/${runId}/artifacts/events.ndjson`)).text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(stored).toEqual(events);
  }, 600_000);
});
