/**
 * What the engine makes of the runner's container config, read back with inspect from a real
 * engine: read-only data, read-write run dir, no privileges, no network, shm size, user, labels,
 * and the GPU device request exactly as the engine received it (created, never started: this
 * machine has no GPU). Then the same rules seen from inside a running container.
 */
import { describe, it, expect, beforeAll, afterEach } from 'vitest';
import type Docker from 'dockerode';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DockerRunner } from '../../../src/runners/docker/index.js';
import type { PreparedRun } from '../../../src/runners/types.js';
import type { TlorcEvent } from '../../../src/events/protocol.js';
import { fixtureRun, sharedData, tmpDir } from '../../helpers.js';
import { TEST_IMAGE, requireEngine, skipDocker } from './engine.js';

const skip = await skipDocker();

const withResources = (run: PreparedRun, r: Partial<PreparedRun['spec']['resources']>): PreparedRun => ({
  ...run,
  spec: { ...run.spec, resources: { ...run.spec.resources, ...r } },
});

describe.skipIf(skip)('Docker runner: the container as the engine sees it', () => {
  const runner = new DockerRunner({ image: TEST_IMAGE, mountCaches: false });
  const created: Docker.Container[] = [];
  beforeAll(requireEngine);
  afterEach(async () => {
    await Promise.all(created.splice(0).map((c) => c.remove({ force: true }).catch(() => {})));
  });

  const inspect = async (run: PreparedRun) => {
    const c = await runner.create(run);
    created.push(c);
    return c.inspect();
  };

  it('mounts data read-only and the run dir read-write at the same paths, and nothing else', async () => {
    const data = sharedData('flowers3');
    const weights = sharedData('weights', 'mobilenet_2_5_224_tf_no_top.h5');
    const run = { ...fixtureRun('emit.py'), inputPaths: [data, weights] };
    const info = await inspect(run);
    const mounts = info.Mounts.map((m) => ({ type: m.Type, src: m.Source, dst: m.Destination, rw: m.RW })).sort((a, b) => a.dst.localeCompare(b.dst));
    expect(mounts).toEqual(
      [
        { type: 'bind', src: run.runDir, dst: run.runDir, rw: true },
        { type: 'bind', src: data, dst: data, rw: false },
        { type: 'bind', src: weights, dst: weights, rw: false },
      ].sort((a, b) => a.dst.localeCompare(b.dst)),
    );
  });

  it('is not privileged, drops every capability, has no network and a 2 GiB /dev/shm, and is labelled', async () => {
    const run = fixtureRun('emit.py');
    const info = await inspect(run);
    const hc = info.HostConfig;
    expect(hc.Privileged).toBe(false);
    expect(hc.CapDrop).toEqual(['ALL']);
    expect(hc.CapAdd ?? []).toEqual([]);
    expect(hc.SecurityOpt).toEqual(['no-new-privileges:true']);
    expect(hc.NetworkMode).toBe('none');
    expect(hc.ShmSize).toBe(2 * 1024 ** 3);
    expect(hc.Init).toBe(true);
    expect(hc.DeviceRequests ?? []).toEqual([]);
    expect(info.Config.User).not.toMatch(/^0(:|$)/);
    expect(info.Config.Labels['tlorc.managed']).toBe('true');
    expect(info.Config.Labels['tlorc.run-id']).toBe(run.runId);
    expect(info.Config.Env).toContain('PYTHONUNBUFFERED=1');
    expect(info.Config.Cmd).toEqual(['python', '-u', run.scriptPath]);
  });

  it('passes cpu, memory, shm and network settings from the spec', async () => {
    const run = withResources(fixtureRun('emit.py'), { cpus: 1.5, memory: '3g', shm_size: '512m', network: true });
    const hc = (await inspect(run)).HostConfig;
    expect(hc.NanoCpus).toBe(1.5e9);
    expect(hc.Memory).toBe(3 * 1024 ** 3);
    expect(hc.ShmSize).toBe(512 * 1024 ** 2);
    expect(hc.NetworkMode).toBe('bridge');
  });

  it.each([
    ['all', [{ Driver: '', Count: -1, DeviceIDs: null, Capabilities: [['gpu']], Options: {} }]],
    [2, [{ Driver: '', Count: 2, DeviceIDs: null, Capabilities: [['gpu']], Options: {} }]],
    [['0', 'GPU-8d6f3a1e'], [{ Driver: '', Count: 0, DeviceIDs: ['0', 'GPU-8d6f3a1e'], Capabilities: [['gpu']], Options: {} }]],
  ] as const)('hands the GPU request gpus=%j to the engine as device requests', async (gpus, expected) => {
    const run = withResources(fixtureRun('emit.py'), { gpus: gpus as PreparedRun['spec']['resources']['gpus'] });
    const info = await inspect(run);
    expect(info.State.Status).toBe('created');
    const got = (info.HostConfig.DeviceRequests ?? []).map((r) => ({ ...r, Options: r.Options ?? {} }));
    expect(got).toEqual(expected);
  });

  it('from inside: non-root, no capabilities, no-new-privileges, only loopback, 2 GiB shm, data read-only, run dir writable', async () => {
    const data = sharedData('flowers3');
    const base = fixtureRun('whoami.py');
    const run = { ...base, inputPaths: [data], env: { ...base.env, FIXTURE_DATA: data } };
    const handle = await runner.start(run);
    const events: TlorcEvent[] = [];
    for await (const e of handle) events.push(e);
    const result = await handle.result;
    expect(result.status, JSON.stringify(result.error)).toBe('completed');
    const line = events.find((e) => e.type === 'log' && e.message.startsWith('WHOAMI ')) as { message: string } | undefined;
    const info = JSON.parse(line!.message.slice('WHOAMI '.length));
    const hostUid = process.getuid!();
    expect(info.uid).toBe(hostUid === 0 ? 1000 : hostUid);
    expect(info.cap_eff).toBe('0000000000000000');
    expect(info.no_new_privs).toBe('1');
    expect(info.interfaces).toEqual(['lo']);
    expect(info.shm_bytes).toBe(2 * 1024 ** 3);
    expect(info.cwd).toBe(run.runDir);
    expect(info.data_listing).toEqual(['ATTRIBUTIONS.txt', 'PROVENANCE.md', 'SHA256SUMS']);
    expect(info.data_writable).toBe(false);
    expect(info.env).toMatchObject({ PYTHONUNBUFFERED: '1', KERAS_BACKEND: 'torch', HF_HUB_OFFLINE: '1', TLORC_RUNNER: 'docker' });
    // the file the container wrote is in the run dir, and belongs to the host user again
    const written = path.join(run.runDir, 'written-in-container.txt');
    expect(readFileSync(written, 'utf8')).toBe('ok\n');
    const { statSync } = await import('node:fs');
    expect(statSync(written).uid).toBe(hostUid);
  });

  it('mounts the host model caches read-only where the frameworks look, so pretrained weights resolve offline', async () => {
    const home = tmpDir('tlorc-caches-');
    const put = (p: string, text: string) => {
      mkdirSync(path.dirname(p), { recursive: true });
      writeFileSync(p, text);
    };
    put(path.join(home, 'keras', 'models', 'fixture_weights.h5'), 'not really hdf5');
    put(path.join(home, 'torch', 'hub', 'checkpoints', 'fixture.pth'), 'x');
    put(path.join(home, 'hf', 'hub', 'fixture.txt'), 'x');
    const saved = { KERAS_HOME: process.env.KERAS_HOME, TORCH_HOME: process.env.TORCH_HOME, HF_HOME: process.env.HF_HOME };
    Object.assign(process.env, { KERAS_HOME: path.join(home, 'keras'), TORCH_HOME: path.join(home, 'torch'), HF_HOME: path.join(home, 'hf') });
    try {
      const withCaches = new DockerRunner({ image: TEST_IMAGE });
      const handle = await withCaches.start(fixtureRun('caches.py'));
      const events: TlorcEvent[] = [];
      for await (const e of handle) events.push(e);
      const result = await handle.result;
      expect(result.status, JSON.stringify(result.error)).toBe('completed');
      const line = events.find((e) => e.type === 'log' && e.message.startsWith('CACHES ')) as { message: string } | undefined;
      expect(JSON.parse(line!.message.slice('CACHES '.length))).toEqual({
        keras_file: path.join(home, 'keras', 'models', 'fixture_weights.h5'),
        torch_file_exists: true,
        hf_file_exists: true,
        models_writable: false,
        torch_writable: false,
      });
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
});
