/**
 * A PyTorch (torchvision) image run: MobileNetV2 on the bundled flower photos. No torchvision
 * ImageNet checkpoint can be downloaded here, so this trains from scratch and asserts learning as
 * a falling training loss; the weight-loading paths (a local state dict, the torch hub cache,
 * a file for the wrong architecture) are checked separately.
 */
import { describe, it, expect } from 'vitest';
import { execa } from 'execa';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { repoRoot, tmpDir, python } from '../helpers.js';
import { train, epochs, expectWellFormed, report } from './helpers.js';
import { run } from '../../src/sdk/index.js';

const flowers = path.join(repoRoot, 'examples', 'flowers');
const base = {
  task: 'image_classification' as const,
  framework: 'pytorch' as const,
  head: { dropout: 0.1 },
  optimizer: { name: 'adam' as const, learning_rate: 1e-3 },
  data: { type: 'image_folder' as const, root: flowers, max_per_class: 12 },
  batch_size: 12,
  seed: 2,
};

describe('PyTorch image classification', () => {
  it('trains MobileNetV2 end to end and the training loss falls', async () => {
    const r = await train({ ...base, name: 'torch-mnv2', backbone: { name: 'mobilenet_v2', weights: 'none', input_size: 96 }, freeze: 'none', epochs: 4 });
    expectWellFormed(r.events);
    const ep = epochs(r.events);
    expect(ep).toHaveLength(4);
    const first = ep[0]!.train.loss!;
    const last = ep.at(-1)!.train.loss!;
    report('pytorch mobilenet_v2 scratch flowers 96px', { first_loss: first, last_loss: last, val_acc: r.result.final!.val.accuracy!, seconds: r.seconds });
    expect(last).toBeLessThan(first);
  }, 600_000);

  it('loads a local state dict, resolves `pretrained` from the torch hub cache offline, and rejects a file of the wrong architecture', async () => {
    const dir = tmpDir();
    const hub = path.join(dir, 'torch-home');
    mkdirSync(path.join(hub, 'hub', 'checkpoints'), { recursive: true });
    // real files of the right shape: a freshly initialised torchvision model's state dict
    const mk = `
import sys, torch, torchvision
from torchvision.models import MobileNet_V2_Weights
m = torchvision.models.mobilenet_v2(weights=None)
torch.save(m.state_dict(), sys.argv[1])
cache_name = MobileNet_V2_Weights.IMAGENET1K_V1.url.rsplit('/', 1)[-1]
torch.save(m.state_dict(), sys.argv[2] + '/' + cache_name)
torch.save(torchvision.models.resnet18(weights=None).state_dict(), sys.argv[3])`;
    await execa(python(), ['-c', mk, path.join(dir, 'mnv2.pth'), path.join(hub, 'hub', 'checkpoints'), path.join(dir, 'resnet18.pth')]);

    const file = await train({ ...base, name: 'torch-file', backbone: { name: 'mobilenet_v2', weights: path.join(dir, 'mnv2.pth'), input_size: 64 }, epochs: 1 });
    expect(file.result.status).toBe('completed');

    process.env.TORCH_HOME = hub;
    try {
      const cached = await train({ ...base, name: 'torch-cache', backbone: { name: 'mobilenet_v2', weights: 'imagenet', input_size: 64 }, epochs: 1 });
      expect(cached.result.status).toBe('completed');
    } finally {
      delete process.env.TORCH_HOME;
    }

    const handle = await run({ spec: { apiVersion: 'tlorc/v1', ...base, name: 'torch-wrong', output: dir, backbone: { name: 'mobilenet_v2', weights: path.join(dir, 'resnet18.pth'), input_size: 64 }, epochs: 1 }, baseDir: dir });
    const result = await handle.result;
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('TLORC_WEIGHTS_MISMATCH');
  }, 600_000);
});
