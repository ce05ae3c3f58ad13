/**
 * The Docker runner's process handling against a real engine, with the same fixture scripts as
 * the local runner (no training): live events in order, durable event file, failures with exit
 * code / signal / OOM and the stderr tail, cancel that removes the container, leftover cleanup.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import Docker from 'dockerode';
import os from 'node:os';
import path from 'node:path';
import { DockerRunner, cleanupContainers } from '../../../src/runners/docker/index.js';
import { readEventsFile } from '../../../src/events/read-file.js';
import { readRunState, RUN_FILES } from '../../../src/runners/run-dir.js';
import type { TlorcEvent } from '../../../src/events/protocol.js';
import type { PreparedRun } from '../../../src/runners/types.js';
import { emitFixtureStdoutOrder, fixtureRun, stdoutTypes } from '../../helpers.js';
import { TEST_IMAGE, requireEngine, skipDocker } from './engine.js';

const skip = await skipDocker();

async function collect(handle: AsyncIterable<TlorcEvent>): Promise<TlorcEvent[]> {
  const out: TlorcEvent[] = [];
  for await (const e of handle) out.push(e);
  return out;
}

const containersOf = async (docker: Docker, runId: string) =>
  docker.listContainers({ all: true, filters: { label: [`tlorc.run-id=${runId}`] } });

describe.skipIf(skip)('DockerRunner with fixture scripts', () => {
  const runner = new DockerRunner({ image: TEST_IMAGE, mountCaches: false });
  const docker = runner.docker;
  beforeAll(requireEngine);

  it('streams every event in order, the event file holds the same, and the container is removed', async () => {
    const run = fixtureRun('emit.py');
    const handle = await runner.start(run);
    expect(readRunState(run.runDir)?.containerId).toMatch(/^[0-9a-f]{64}$/);
    const events = await collect(handle);
    const result = await handle.result;
    expect(result.status, JSON.stringify(result.error)).toBe('completed');
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(stdoutTypes(events)).toEqual(emitFixtureStdoutOrder());
    expect(events.at(-1)!.type).toBe('completed');
    expect(events.filter((e) => e.type === 'epoch')).toHaveLength(3);
    expect(events.filter((e) => e.type === 'batch')).toHaveLength(9);
    const logs = events.filter((e) => e.type === 'log').map((e) => (e as { message: string }).message);
    expect(logs).toContain('a plain print from user code');
    expect(logs).toContain('some library warning on stderr');
    expect(events.some((e) => e.type === 'warning')).toBe(true);
    expect(readEventsFile(path.join(run.runDir, RUN_FILES.events))).toEqual(events);
    expect(result.final).toEqual({ train: { loss: 1 / 3, accuracy: 0.53 }, val: { loss: 1.1 / 3, accuracy: 0.5 } });
    expect(readRunState(run.runDir)?.status).toBe('completed');
    expect(await containersOf(docker, run.runId)).toEqual([]);
  });

  it('a crash is a failed run with exit code and stderr tail; the events before it are kept', async () => {
    const run = fixtureRun('crash.py');
    const handle = await runner.start(run);
    const events = await collect(handle);
    const result = await handle.result;
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('TLORC_RUN_FAILED');
    expect(result.error?.details?.exit_code).toBe(1);
    expect(String(result.error?.details?.stderr_tail)).toContain('shapes (4, 3) and (5, 3) do not match');
    const failed = events.at(-1)! as Extract<TlorcEvent, { type: 'failed' }>;
    expect(failed.type).toBe('failed');
    expect(failed.exit_code).toBe(1);
    expect(failed.stderr_tail).toContain('Traceback');
    const onDisk = readEventsFile(path.join(run.runDir, RUN_FILES.events));
    // stdout and stderr are separate pipes (in the container as locally): the traceback's log lines
    // may interleave anywhere, but every stdout event is there in order, and failed is last
    expect(onDisk.map((e) => e.type).filter((t) => t !== 'log')).toEqual(['run_started', 'epoch', 'failed']);
    expect(await containersOf(docker, run.runId)).toEqual([]);
  });

  it('a script killed by SIGKILL is a failed run that names the signal', async () => {
    const run = fixtureRun('killed.py');
    const handle = await runner.start(run);
    const result = await handle.result;
    expect(result.status).toBe('failed');
    expect(result.error?.details?.exit_code).toBe(137);
    expect(result.error?.details?.signal).toBe('SIGKILL');
    expect(result.error?.message).toMatch(/killed by SIGKILL/);
    const onDisk = readEventsFile(path.join(run.runDir, RUN_FILES.events));
    expect(onDisk.map((e) => e.type)).toEqual(['run_started', 'epoch', 'failed']);
  });

  it('a script over its memory limit is a failed run reported as OOM-killed', async () => {
    const base = fixtureRun('oom.py');
    const run: PreparedRun = { ...base, spec: { ...base.spec, resources: { ...base.spec.resources, memory: '96m' } } };
    const handle = await runner.start(run);
    const events = await collect(handle);
    const result = await handle.result;
    expect(result.status).toBe('failed');
    expect(result.error?.details?.oom_killed).toBe(true);
    expect(result.error?.message).toMatch(/out of memory/);
    const failed = events.at(-1)! as Extract<TlorcEvent, { type: 'failed' }>;
    expect(failed.oom_killed).toBe(true);
    expect(events.map((e) => e.type).slice(0, 2)).toEqual(['run_started', 'epoch']);
  });

  it('exit 0 without a completed event is not a success; a reported failure keeps its code', async () => {
    const early = await (await runner.start(fixtureRun('exit-zero-early.py'))).result;
    expect(early.status).toBe('failed');
    expect(early.error?.message).toMatch(/without reporting completion/);
    const reported = await (await runner.start(fixtureRun('reported-failure.py'))).result;
    expect(reported.status).toBe('failed');
    expect(reported.error?.code).toBe('TLORC_WEIGHTS_MISMATCH');
  });

  it('cancel mid-run stops and removes the container, and the run ends cancelled', async () => {
    const run = fixtureRun('hang.py');
    const handle = await runner.start(run, { cancelGraceS: 2 });
    for await (const e of handle) if (e.type === 'run_started') break;
    const [c] = await containersOf(docker, run.runId);
    expect(c?.State).toBe('running');
    const t0 = Date.now();
    await handle.cancel('test cancel');
    // hang.py ignores nothing: SIGTERM ends it well within the grace period
    expect(Date.now() - t0).toBeLessThan(10_000);
    const result = await handle.result;
    expect(result.status).toBe('cancelled');
    const events = await collect(handle.events());
    expect(events.at(-1)!.type).toBe('cancelled');
    expect(readRunState(run.runDir)?.status).toBe('cancelled');
    expect(await containersOf(docker, run.runId)).toEqual([]);
  });

  it('removes leftover containers of dead tlorc processes, and never those of live ones', async () => {
    const mk = (pid: number, runId: string) =>
      docker.createContainer({
        Image: TEST_IMAGE,
        Cmd: ['sleep', '60'],
        Labels: { 'tlorc.managed': 'true', 'tlorc.run-id': runId, 'tlorc.owner-pid': String(pid), 'tlorc.owner-host': os.hostname() },
        HostConfig: { NetworkMode: 'none' },
      });
    // a pid that cannot be alive (above pid_max) and pid 1 (alive: another "tlorc")
    const dead = await mk(4_194_305 + 7, 'leftover-dead');
    await dead.start();
    const alive = await mk(1, 'leftover-alive');
    try {
      const report = await cleanupContainers(docker);
      expect(report.removed.map((r) => r.runId)).toContain('leftover-dead');
      expect(report.kept.map((r) => r.runId)).toContain('leftover-alive');
      expect(await containersOf(docker, 'leftover-dead')).toEqual([]);
      expect(await containersOf(docker, 'leftover-alive')).toHaveLength(1);
    } finally {
      await alive.remove({ force: true }).catch(() => {});
      await dead.remove({ force: true }).catch(() => {});
    }
  });
});
