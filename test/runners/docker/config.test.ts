/**
 * The Docker runner's pure parts (no engine needed): stream demultiplexing, sizes, GPU requests,
 * mounts, user choice, model caches and the container config they add up to. What the engine
 * makes of the config is checked against a real engine in container.test.ts.
 */
import { describe, it, expect } from 'vitest';
import path from 'node:path';
import { mkdirSync, realpathSync, symlinkSync } from 'node:fs';
import { LineDemuxer } from '../../../src/runners/docker/demux.js';
import {
  buildContainerConfig, containerUser, deviceRequests, inputMounts, modelCaches, parseSize, ROOT_FALLBACK_USER, type HostIdentity,
} from '../../../src/runners/docker/config.js';
import { exitSignal } from '../../../src/runners/docker/runner.js';
import { isNoGpuRuntimeError } from '../../../src/runners/docker/engine.js';
import { fixtureRun, sharedData, tmpDir } from '../../helpers.js';

const frame = (stream: 1 | 2, text: string | Buffer) => {
  const payload = typeof text === 'string' ? Buffer.from(text) : text;
  const h = Buffer.alloc(8);
  h[0] = stream;
  h.writeUInt32BE(payload.length, 4);
  return Buffer.concat([h, payload]);
};

describe('LineDemuxer', () => {
  it('splits frames into lines per stream, across frame and chunk boundaries', () => {
    const got: [string, string][] = [];
    const d = new LineDemuxer((line, s) => got.push([s, line]));
    const bytes = Buffer.concat([frame(1, 'hello wo'), frame(2, 'err one\nerr '), frame(1, 'rld\n{"v":1}\r\n'), frame(2, 'two\n'), frame(1, 'tail without newline')]);
    // feed in awkward chunk sizes (3 bytes), splitting headers and payloads
    for (let i = 0; i < bytes.length; i += 3) d.write(bytes.subarray(i, i + 3));
    d.end();
    expect(got).toEqual([
      ['stderr', 'err one'],
      ['stdout', 'hello world'],
      ['stdout', '{"v":1}'],
      ['stderr', 'err two'],
      ['stdout', 'tail without newline'],
    ]);
  });

  it('keeps a multi-byte UTF-8 character that a frame boundary cuts in half', () => {
    const got: string[] = [];
    const d = new LineDemuxer((line) => got.push(line));
    const text = Buffer.from('accuracy ≥ 0.9 ✓\n');
    const cut = text.indexOf(Buffer.from('≥')) + 1;
    d.write(Buffer.concat([frame(1, text.subarray(0, cut)), frame(1, text.subarray(cut))]));
    expect(got).toEqual(['accuracy ≥ 0.9 ✓']);
  });
});

describe('container settings', () => {
  it('parses Docker-style sizes', () => {
    expect(parseSize('2g')).toBe(2 * 1024 ** 3);
    expect(parseSize('512m')).toBe(512 * 1024 ** 2);
    expect(parseSize('1.5G')).toBe(1.5 * 1024 ** 3);
    expect(parseSize('1024')).toBe(1024);
    expect(() => parseSize('lots')).toThrow(/Not a size/);
  });

  it('turns resources.gpus into the device requests `docker run --gpus` sends', () => {
    expect(deviceRequests(undefined)).toEqual([]);
    expect(deviceRequests(0)).toEqual([]);
    expect(deviceRequests('all')).toEqual([{ Driver: '', Count: -1, DeviceIDs: null, Capabilities: [['gpu']] }]);
    expect(deviceRequests(2)).toEqual([{ Driver: '', Count: 2, DeviceIDs: null, Capabilities: [['gpu']] }]);
    expect(deviceRequests(['0', 'GPU-3f2a'])).toEqual([{ Driver: '', Count: 0, DeviceIDs: ['0', 'GPU-3f2a'], Capabilities: [['gpu']] }]);
  });

  it('mounts each input once, and nothing inside an input already mounted', () => {
    expect(inputMounts(['/data/a', '/data/a/train', '/data/b/', '/w/x.h5', '/data/a'])).toEqual(['/data/a', '/data/b', '/w/x.h5']);
  });

  it('mounts where a symlinked input leads, so the link resolves inside the container', () => {
    const root = tmpDir();
    mkdirSync(path.join(root, 'store', 'train'), { recursive: true });
    mkdirSync(path.join(root, 'data'));
    symlinkSync(path.join(root, 'store', 'train'), path.join(root, 'data', 'train'));
    const real = realpathSync(path.join(root, 'store', 'train'));
    expect(inputMounts([path.join(root, 'data'), path.join(root, 'data', 'train')])).toEqual([path.join(root, 'data'), real].sort());
  });

  it('runs as the host user, or as uid 1000 when tlorc is root', () => {
    expect(containerUser({ uid: 1234, gid: 100 })).toBe('1234:100');
    expect(containerUser({ uid: 0, gid: 0 })).toBe(ROOT_FALLBACK_USER);
    expect(containerUser({ uid: 0, gid: 0 }, '0:0')).toBe('0:0');
  });

  it('finds the framework caches that exist, honoring KERAS_HOME / TORCH_HOME / HF_HOME / XDG_CACHE_HOME', () => {
    const exists = (p: string) => ['/h/.keras/models', '/x/torch', '/hf'].includes(p);
    expect(modelCaches({ home: '/h', env: { XDG_CACHE_HOME: '/x', HF_HOME: '/hf' } }, exists)).toEqual([
      { dir: '/h/.keras/models', env: { KERAS_HOME: '/h/.keras' }, tmpfsParent: '/h/.keras' },
      { dir: '/x/torch', env: { TORCH_HOME: '/x/torch' } },
      { dir: '/hf', env: { HF_HOME: '/hf' } },
    ]);
    expect(modelCaches({ home: '/h', env: {} }, () => false)).toEqual([]);
  });

  it('reads signal deaths from 128+n exit codes', () => {
    expect(exitSignal(137)).toBe('SIGKILL');
    expect(exitSignal(143)).toBe('SIGTERM');
    expect(exitSignal(1)).toBeNull();
    expect(exitSignal(0)).toBeNull();
    expect(exitSignal(null)).toBeNull();
  });

  it('recognizes Docker\'s no-GPU-runtime message', () => {
    expect(isNoGpuRuntimeError('Error response from daemon: could not select device driver "" with capabilities: [[gpu]]')).toBe(true);
    expect(isNoGpuRuntimeError('No such image')).toBe(false);
  });

  it('builds a locked-down config: same-path mounts, no privileges, no network, 2 GiB shm, labels', () => {
    const run = fixtureRun('emit.py');
    const data = sharedData('flowers3');
    const weights = sharedData('weights', 'mobilenet_2_5_224_tf_no_top.h5');
    const host: HostIdentity = { uid: 0, gid: 0, home: '/nonexistent-home', hostname: 'h1', pid: 4242, env: {} };
    const spec = { ...run.spec, resources: { ...run.spec.resources, gpus: ['1'], cpus: 1.5, memory: '3g' } };
    const cfg = buildContainerConfig(
      { ...run, spec, inputPaths: [data, weights], env: { ...run.env, CUDA_VISIBLE_DEVICES: '1' } },
      { image: 'tlorc/runtime:test', host },
    );
    expect(cfg.Cmd).toEqual(['python', '-u', run.scriptPath]);
    expect(cfg.WorkingDir).toBe(run.runDir);
    expect(cfg.User).toBe('1000:1000');
    expect(cfg.Labels).toMatchObject({ 'tlorc.managed': 'true', 'tlorc.run-id': run.runId, 'tlorc.owner-pid': '4242', 'tlorc.owner-host': 'h1' });
    expect(cfg.Env).toContain('PYTHONUNBUFFERED=1');
    expect(cfg.Env).toContain(`TLORC_RUN_DIR=${run.runDir}`);
    // host ids would not exist inside: the device request selects them and the container counts from 0
    expect(cfg.Env!.some((e) => e.startsWith('CUDA_VISIBLE_DEVICES='))).toBe(false);
    const hc = cfg.HostConfig!;
    expect(hc.Mounts).toEqual([
      { Type: 'bind', Source: path.resolve(data), Target: path.resolve(data), ReadOnly: true },
      { Type: 'bind', Source: path.resolve(weights), Target: path.resolve(weights), ReadOnly: true },
      { Type: 'bind', Source: run.runDir, Target: run.runDir, ReadOnly: false },
    ]);
    expect(hc).toMatchObject({ Privileged: false, CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges:true'], NetworkMode: 'none', ShmSize: 2 * 1024 ** 3, Init: true });
    expect(hc.NanoCpus).toBe(1.5e9);
    expect(hc.Memory).toBe(3 * 1024 ** 3);
    expect(hc.DeviceRequests).toEqual([{ Driver: '', Count: 0, DeviceIDs: ['1'], Capabilities: [['gpu']] }]);
  });
});
