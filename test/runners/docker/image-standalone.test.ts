/**
 * The runtime image on its own: a generated script runs in it with a plain `python train.py`,
 * no tlorc in the loop. This is driven through Testcontainers rather than the runner's own
 * engine client, so the image is checked independently of the code under test elsewhere (a bug
 * in the runner's container config cannot hide a broken image, and vice versa).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { generate } from '../../../src/sdk/index.js';
import { sharedData, tmpDir } from '../../helpers.js';
import { TEST_IMAGE, requireEngine, skipDocker } from './engine.js';

const skip = await skipDocker();

// Testcontainers 11 on this machine: no Ryuk helper image (nothing can be pulled), talk to the
// engine on localhost. Set before the library is loaded (it reads them once).
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
process.env.TESTCONTAINERS_HOST_OVERRIDE ??= 'localhost';

describe.skipIf(skip)('runtime image: a generated script runs standalone (Testcontainers)', () => {
  beforeAll(requireEngine);

  it('python train.py trains, prints protocol events and writes the model next to itself', async () => {
    const { GenericContainer, Wait } = await import('testcontainers');
    const data = sharedData('flowers3');
    const dir = path.join(tmpDir('tlorc-standalone-'), 'job');
    mkdirSync(dir);
    const { files, entry } = generate({
      apiVersion: 'tlorc/v1',
      name: 'standalone',
      task: 'image_classification',
      framework: 'pytorch',
      backbone: { name: 'mobilenet_v2', weights: 'none', input_size: 64 },
      data: { type: 'image_folder', root: data, max_per_class: 3 },
      batch_size: 3,
      epochs: 1,
      seed: 1,
    });
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);

    const uid = process.getuid?.() ?? 1000;
    const gid = process.getgid?.() ?? 1000;
    const container = await new GenericContainer(TEST_IMAGE)
      .withBindMounts([
        { source: dir, target: '/job', mode: 'rw' },
        { source: data, target: data, mode: 'ro' },
      ])
      .withWorkingDir('/job')
      .withUser(`${uid}:${gid}`)
      .withNetworkMode('none')
      .withCommand(['python', '-u', entry])
      .withWaitStrategy(Wait.forOneShotStartup())
      .withStartupTimeout(180_000)
      .start();
    try {
      const logs = await new Promise<string>((resolve, reject) => {
        let text = '';
        container.logs().then(
          (s) => s.on('data', (b: Buffer | string) => (text += b.toString())).on('end', () => resolve(text)).on('error', reject),
          reject,
        );
      });
      const events = logs
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { type: string });
      const types = events.map((e) => e.type);
      expect(types[0], logs.slice(-2000)).toBe('run_started');
      expect(types).toContain('epoch');
      expect(types.at(-1), logs.slice(-2000)).toBe('completed');
    } finally {
      await container.stop({ remove: true }).catch(() => {});
    }
    // written into the script's own folder (no TLORC_RUN_DIR): model, class map, events
    expect(JSON.parse(readFileSync(path.join(dir, 'classes.json'), 'utf8'))).toEqual(readdirSync(path.join(data, 'train')).sort());
    expect(existsSync(path.join(dir, 'model', 'model.pt'))).toBe(true);
  });
});
