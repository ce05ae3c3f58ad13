/**
 * The local runner's process handling, with fixture scripts (real Python processes,
 * no training): events in order without gaps, durable event file, failures with
 * exit code and stderr tail, cancel that stops the whole process group.
 */
import { describe, it, expect } from 'vitest';
import { execa } from 'execa';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { LocalRunner } from '../../src/runners/local.js';
import { readEventsFile } from '../../src/events/read-file.js';
import { readRunState, RUN_FILES } from '../../src/runners/run-dir.js';
import type { TlorcEvent } from '../../src/events/protocol.js';
import { emitFixtureStdoutOrder, fixture, fixtureRun, python, stdoutTypes } from '../helpers.js';

async function waitFor(ok: () => boolean, timeoutMs = 30_000): Promise<void> {
  for (const end = Date.now() + timeoutMs; !ok(); ) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const runner = () => new LocalRunner({ python: python() });

async function collect(handle: AsyncIterable<TlorcEvent>): Promise<TlorcEvent[]> {
  const out: TlorcEvent[] = [];
  for await (const e of handle) out.push(e);
  return out;
}

/** Running, and not a zombie waiting for a reaper (a container's PID 1 may not reap). */
const alive = (pid: number) => {
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe('LocalRunner', () => {
  it('streams every event in order with no gaps, and the event file holds the same events', async () => {
    const run = fixtureRun('emit.py');
    const handle = await runner().start(run);
    const events = await collect(handle);
    const result = await handle.result;
    expect(result.status).toBe('completed');
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(new Set(events.map((e) => e.runId))).toEqual(new Set([run.runId]));
    expect(stdoutTypes(events)).toEqual(emitFixtureStdoutOrder());
    expect(events.at(-1)!.type).toBe('completed');
    expect(events.filter((e) => e.type === 'epoch')).toHaveLength(3);
    expect(events.filter((e) => e.type === 'batch')).toHaveLength(9);
    // user prints and garbage became log events; the malformed event a warning; nothing crashed
    const logs = events.filter((e) => e.type === 'log').map((e) => (e as { message: string }).message);
    expect(logs).toContain('a plain print from user code');
    expect(logs).toContain('{not json at all');
    expect(logs).toContain('some library warning on stderr');
    expect(events.some((e) => e.type === 'warning')).toBe(true);
    expect(readEventsFile(path.join(run.runDir, RUN_FILES.events))).toEqual(events);
    expect(result.final?.val.accuracy).toBe(0.5);
    expect(readRunState(run.runDir)?.status).toBe('completed');
    expect(existsSync(path.join(run.runDir, RUN_FILES.summary))).toBe(true);
  });

  it('a second consumer that starts late still sees every event from the first', async () => {
    const handle = await runner().start(fixtureRun('emit.py'));
    const first = await collect(handle);
    const late = await collect(handle.events());
    expect(late).toEqual(first);
  });

  it('a crash mid-epoch is a failed run with exit code, stderr tail, and the events before it kept', async () => {
    const run = fixtureRun('crash.py');
    const handle = await runner().start(run);
    const events = await collect(handle);
    const result = await handle.result;
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('TLORC_RUN_FAILED');
    expect(result.error?.details?.exit_code).toBe(1);
    expect(String(result.error?.details?.stderr_tail)).toContain('shapes (4, 3) and (5, 3) do not match');
    const failed = events.at(-1)!;
    expect(failed.type).toBe('failed');
    const onDisk = readEventsFile(path.join(run.runDir, RUN_FILES.events));
    expect(onDisk.map((e) => e.type)).toContain('epoch');
    expect(onDisk.at(-1)!.type).toBe('failed');
    expect(readRunState(run.runDir)?.status).toBe('failed');
  });

  it('exit 0 without a completed event is not a success', async () => {
    const handle = await runner().start(fixtureRun('exit-zero-early.py'));
    const result = await handle.result;
    expect(result.status).toBe('failed');
    expect(result.error?.message).toMatch(/without reporting completion/);
  });

  it('a failure the script reports keeps its precise code', async () => {
    const handle = await runner().start(fixtureRun('reported-failure.py'));
    const result = await handle.result;
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('TLORC_WEIGHTS_MISMATCH');
    const events = await collect(handle);
    expect(events.filter((e) => e.type === 'failed')).toHaveLength(1);
  });

  it('cancel stops the process and its children, and the run ends cancelled', async () => {
    const run = fixtureRun('hang.py');
    const handle = await runner().start(run, { cancelGraceS: 2 });
    for await (const e of handle) if (e.type === 'run_started') break;
    const childPid = Number(readFileSync(path.join(run.runDir, 'child.pid'), 'utf8'));
    expect(alive(childPid)).toBe(true);
    await handle.cancel('test cancel');
    const result = await handle.result;
    expect(result.status).toBe('cancelled');
    const events = await collect(handle.events());
    expect(events.at(-1)!.type).toBe('cancelled');
    await new Promise((r) => setTimeout(r, 200));
    expect(alive(childPid)).toBe(false);
    expect(readRunState(run.runDir)?.status).toBe('cancelled');
  });

  it('a forced cancel kills a script deaf to SIGTERM at once, and the run still ends cancelled', async () => {
    const run = fixtureRun('ignores-sigterm.py');
    const handle = await runner().start(run, { cancelGraceS: 120 });
    for await (const e of handle) if (e.type === 'run_started') break;
    void handle.cancel('graceful first'); // SIGTERM, ignored by the script; SIGKILL only after 120 s
    await new Promise((r) => setTimeout(r, 500));
    expect(readRunState(run.runDir)?.status).toBe('running');
    const forced = Date.now();
    await handle.cancel('then forced', { force: true });
    const result = await handle.result;
    expect(Date.now() - forced).toBeLessThan(30_000); // long before the 120 s grace period
    expect(result.status).toBe('cancelled');
    expect(result.error?.code).toBe('TLORC_RUN_CANCELLED');
    expect((await collect(handle.events())).at(-1)!.type).toBe('cancelled');
    expect(readRunState(run.runDir)?.status).toBe('cancelled');
  });

  it('Ctrl-C twice in the terminal: the run is killed now, recorded cancelled, and tlorc exits 130', async () => {
    const child = execa('node', [fixture('follow-child.mjs'), 'ignores-sigterm.py', python(), '120'], { reject: false, buffer: true });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += String(d)));
    child.stderr!.on('data', (d: Buffer) => (stderr += String(d)));
    // followRun is listening once it has printed the first event
    await waitFor(() => stdout.includes('"run_started"'));
    const { runDir } = JSON.parse(stdout.split('\n')[0]!) as { runDir: string };
    child.kill('SIGINT');
    await waitFor(() => stderr.includes('cancelling run'));
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/stopping run .* now/);
    expect(readRunState(runDir)?.status).toBe('cancelled');
    const events = readEventsFile(path.join(runDir, RUN_FILES.events));
    expect(events.at(-1)!.type).toBe('cancelled');
    expect(existsSync(path.join(runDir, RUN_FILES.summary))).toBe(true);
  });

  it('the training process inherits the environment but not tlorc\'s API token', async () => {
    const run = fixtureRun('env-dump.py');
    const before = process.env.TLORC_TOKEN;
    process.env.TLORC_TOKEN = 'secret-token-for-the-server-only';
    try {
      const result = await (await runner().start(run)).result;
      expect(result.status, JSON.stringify(result.error)).toBe('completed');
    } finally {
      if (before === undefined) delete process.env.TLORC_TOKEN;
      else process.env.TLORC_TOKEN = before;
    }
    const names = JSON.parse(readFileSync(path.join(run.runDir, 'env.json'), 'utf8')) as string[];
    expect(names).toContain('PATH');
    expect(names).toContain('TLORC_RUN_DIR');
    expect(names).not.toContain('TLORC_TOKEN');
  });

  it('SIGHUP (the terminal went away) cancels a followed run and records it, like SIGTERM', async () => {
    const child = execa('node', [fixture('follow-child.mjs'), 'ignores-sigterm.py', python(), '1'], { reject: false });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += String(d)));
    await waitFor(() => out.includes('"run_started"'));
    child.kill('SIGHUP');
    expect((await child).exitCode).toBe(130);
    const { runDir } = JSON.parse(out.split('\n')[0]!) as { runDir: string };
    expect(readRunState(runDir)?.status).toBe('cancelled');
  });

  it('a missing interpreter is a failed run, not a crash of tlorc', async () => {
    const handle = await new LocalRunner({ python: '/nonexistent/python3' }).start(fixtureRun('emit.py'));
    const result = await handle.result;
    expect(result.status).toBe('failed');
    expect(result.error?.message).toMatch(/nonexistent/);
  });
});
