/**
 * Preflight errors before anything starts, and `tlorc doctor`'s Docker section, against a real
 * engine (and, for "unreachable", a socket where none listens). The GPU cases run on this GPU-less
 * machine: the engine's refusal must become TLORC_DOCKER_NO_GPU_RUNTIME, never a CPU run. On an
 * engine that can give GPUs to containers the same tests check that the request goes through.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { DockerRunner, dockerDoctor } from '../../../src/runners/docker/index.js';
import { formatDockerDoctor } from '../../../src/runners/docker/doctor.js';
import { TlorcError } from '../../../src/errors/index.js';
import { readEventsFile } from '../../../src/events/read-file.js';
import { RUN_FILES } from '../../../src/runners/run-dir.js';
import type { PreparedRun } from '../../../src/runners/types.js';
import path from 'node:path';
import { fixtureRun } from '../../helpers.js';
import { TEST_IMAGE, requireEngine, skipDocker } from './engine.js';

const skip = await skipDocker();

async function preflightError(runner: DockerRunner, spec: PreparedRun['spec']): Promise<TlorcError> {
  try {
    await runner.preflight(spec);
  } catch (e) {
    expect(e).toBeInstanceOf(TlorcError);
    return e as TlorcError;
  }
  throw new Error('preflight did not fail');
}

describe('DockerRunner preflight without an engine', () => {
  it('an unreachable engine is TLORC_DOCKER_UNREACHABLE with a hint to start one', async () => {
    const runner = new DockerRunner({ docker: { socketPath: '/nonexistent/docker.sock' }, image: TEST_IMAGE });
    const err = await preflightError(runner, fixtureRun('emit.py').spec);
    expect(err.code).toBe('TLORC_DOCKER_UNREACHABLE');
    expect(err.message).toContain('/nonexistent/docker.sock');
    expect(err.hint).toMatch(/dockerd|DOCKER_HOST/);
    const doctor = await dockerDoctor({ docker: { socketPath: '/nonexistent/docker.sock' } });
    expect(doctor.ok).toBe(false);
    expect(doctor.problems[0]?.hint).toMatch(/dockerd|DOCKER_HOST/);
  });
});

describe.skipIf(skip)('DockerRunner preflight with a real engine', () => {
  beforeAll(requireEngine);
  const gpuSpec = (gpus: PreparedRun['spec']['resources']['gpus']) => {
    const spec = fixtureRun('emit.py').spec;
    return { ...spec, resources: { ...spec.resources, gpus } };
  };

  it('a missing image is TLORC_DOCKER_IMAGE_MISSING and says how to build it', async () => {
    const spec = fixtureRun('emit.py').spec;
    const err = await preflightError(new DockerRunner(), { ...spec, resources: { ...spec.resources, image: undefined } });
    expect(err.code).toBe('TLORC_DOCKER_IMAGE_MISSING');
    expect(err.message).toMatch(/tlorc\/runtime:pytorch-\d+\.\d+\.\d+/);
    expect(err.hint).toMatch(/docker\/build\.sh pytorch/);
    const custom = await preflightError(new DockerRunner({ image: 'example.org/nope:1' }), spec);
    expect(custom.code).toBe('TLORC_DOCKER_IMAGE_MISSING');
    expect(custom.hint).toMatch(/docker pull example\.org\/nope:1/);
  });

  it('passes for the test image and a CPU spec', async () => {
    await new DockerRunner({ image: TEST_IMAGE }).preflight(fixtureRun('emit.py').spec);
  });

  it('CPU and memory limits the engine would refuse are spec errors naming the field, before any run folder', async () => {
    const runner = new DockerRunner({ image: TEST_IMAGE });
    const base = fixtureRun('emit.py').spec;
    const cpus = await preflightError(runner, { ...base, resources: { ...base.resources, cpus: 4096 } });
    expect(cpus).toMatchObject({ code: 'TLORC_SPEC_INVALID', path: ['resources', 'cpus'] });
    expect(cpus.message).toMatch(/the Docker engine has \d+ CPUs/);
    const memory = await preflightError(runner, { ...base, resources: { ...base.resources, memory: '1m' } });
    expect(memory).toMatchObject({ code: 'TLORC_SPEC_INVALID', path: ['resources', 'memory'] });
  });

  it('GPUs requested: TLORC_DOCKER_NO_GPU_RUNTIME on an engine without a GPU runtime (never a CPU fallback)', async () => {
    const doctor = await dockerDoctor({ images: [TEST_IMAGE] });
    const runner = new DockerRunner({ image: TEST_IMAGE });
    if (doctor.gpu.usable) {
      await runner.preflight(gpuSpec('all'));
      return;
    }
    for (const gpus of ['all', 1, ['0']] as const) {
      const err = await preflightError(runner, gpuSpec(gpus as PreparedRun['spec']['resources']['gpus']));
      expect(err.code).toBe('TLORC_DOCKER_NO_GPU_RUNTIME');
      expect(err.message).toMatch(/no GPU runtime/);
      expect(err.message).toMatch(/does not fall back to CPU/);
      expect(err.hint).toMatch(/NVIDIA Container Toolkit/);
      expect(err.path).toEqual(['resources', 'gpus']);
      expect(String(err.details.engine_message)).toContain('could not select device driver "" with capabilities: [[gpu]]');
    }
  });

  it('GPUs requested with the probe skipped: the start fails as a run with the same code, and no container is left', async () => {
    const doctor = await dockerDoctor({ images: [TEST_IMAGE] });
    if (doctor.gpu.usable) return;
    const runner = new DockerRunner({ image: TEST_IMAGE, skipGpuProbe: true });
    const base = fixtureRun('emit.py');
    const run = { ...base, spec: gpuSpec(1) };
    const handle = await runner.start(run);
    const result = await handle.result;
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('TLORC_DOCKER_NO_GPU_RUNTIME');
    const events = readEventsFile(path.join(run.runDir, RUN_FILES.events));
    expect(events.at(-1)).toMatchObject({ type: 'failed', code: 'TLORC_DOCKER_NO_GPU_RUNTIME' });
    const left = await runner.docker.listContainers({ all: true, filters: { label: [`tlorc.run-id=${run.runId}`] } });
    expect(left).toEqual([]);
  });

  it('doctor reports the engine, its runtimes, the images and whether GPUs work in containers', async () => {
    const r = await dockerDoctor({ images: [TEST_IMAGE] });
    expect(r.ok).toBe(true);
    expect(r.serverVersion).toMatch(/^\d+\.\d+/);
    expect(r.runtimes).toContain('runc');
    expect(r.images).toEqual([{ image: TEST_IMAGE, present: true }]);
    expect(typeof r.gpu.usable).toBe('boolean');
    if (!r.gpu.usable) expect(r.gpu.detail).toContain('could not select device driver');
    const text = formatDockerDoctor(r).join('\n');
    expect(text).toMatch(/Docker engine: reachable/);
    expect(text).toMatch(/GPUs in containers: (usable|NOT usable)/);
  });
});
