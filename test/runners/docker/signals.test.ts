/**
 * No container outlives the tlorc process that made it. A real tlorc-like Node process (the runner
 * compiled from src, no test framework inside) starts a run in a container, then:
 *  - gets SIGINT (or SIGHUP): its live run is cancelled (stop, remove) and it exits 130 (129);
 *  - gets SIGKILL (nothing can run): the container is left, and the next runner's start-up
 *    cleanup removes it because its owner process is gone.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execa } from 'execa';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupContainers, DockerRunner } from '../../../src/runners/docker/index.js';
import { readRunState } from '../../../src/runners/run-dir.js';
import { fixtureRun, repoRoot } from '../../helpers.js';
import { TEST_IMAGE, requireEngine, skipDocker } from './engine.js';

const skip = await skipDocker();
// inside the repo, so the compiled code resolves dockerode from node_modules
const outDir = path.join(repoRoot, 'node_modules', '.cache', `tlorc-docker-signal-test-${process.pid}`);

const CHILD = `
import { DockerRunner } from './runners/docker/index.js';
const run = JSON.parse(process.env.TLORC_TEST_RUN);
const runner = new DockerRunner({ image: process.env.TLORC_TEST_IMAGE, mountCaches: false });
const handle = await runner.start(run, { cancelGraceS: 2 });
setInterval(() => {}, 1000); // stay alive like a CLI waiting for its run
for await (const e of handle) if (e.type === 'run_started') { process.stdout.write('STARTED\\n'); break; }
`;

function startChild(): { child: ChildProcess; runId: string; runDir: string; started: Promise<void>; exited: Promise<{ code: number | null; signal: string | null }> } {
  const run = fixtureRun('hang.py');
  const child = spawn(process.execPath, [path.join(outDir, 'child.mjs')], {
    env: { ...process.env, TLORC_TEST_RUN: JSON.stringify(run), TLORC_TEST_IMAGE: TEST_IMAGE },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const started = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => String(d).includes('STARTED') && resolve());
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before the run started`)));
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, runId: run.runId, runDir: run.runDir, started, exited };
}

describe.skipIf(skip)('Docker runner: the tlorc process is interrupted', () => {
  const docker = new DockerRunner({ image: TEST_IMAGE }).docker;
  const containersOf = (runId: string) => docker.listContainers({ all: true, filters: { label: [`tlorc.run-id=${runId}`] } });

  beforeAll(async () => {
    await requireEngine();
    const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    await execa(process.execPath, [tsc, '--outDir', outDir, '--rootDir', path.join(repoRoot, 'src'), '--module', 'nodenext', '--moduleResolution', 'nodenext',
      '--target', 'es2022', '--skipLibCheck', '--types', 'node', '--resolveJsonModule', '--esModuleInterop', path.join(repoRoot, 'src/runners/docker/index.ts')], { cwd: repoRoot, reject: false });
    writeFileSync(path.join(outDir, 'child.mjs'), CHILD);
  }, 120_000);
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  // SIGHUP: the terminal closed or the SSH session dropped; it must not leave a container training either
  it.each([['SIGINT', 130], ['SIGHUP', 129]] as const)('%s: the run is cancelled, its container removed, and the process exits %i', async (signal, exitCode) => {
    const c = startChild();
    await c.started;
    expect((await containersOf(c.runId)).map((x) => x.State)).toEqual(['running']);
    c.child.kill(signal);
    const { code } = await c.exited;
    expect(code).toBe(exitCode);
    expect(await containersOf(c.runId)).toEqual([]);
    expect(readRunState(c.runDir)?.status).toBe('cancelled');
  });

  it('SIGKILL: the orphaned container is removed by the next runner start-up cleanup, and its folder handed back', async () => {
    const c = startChild();
    await c.started;
    c.child.kill('SIGKILL');
    await c.exited;
    expect((await containersOf(c.runId)).map((x) => x.State)).toEqual(['running']);
    const report = await cleanupContainers(docker);
    expect(report.removed.map((r) => r.runId)).toContain(c.runId);
    expect(await containersOf(c.runId)).toEqual([]);
    // as root the folder was lent to the container's uid for the run; the cleanup takes it back
    if (process.getuid?.() === 0) expect(statSync(c.runDir).uid).toBe(0);
  });
});
