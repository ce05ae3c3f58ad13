/** Helpers for real training runs through the SDK. */
import { run } from '../../src/sdk/index.js';
import type { TlorcEvent } from '../../src/events/protocol.js';
import type { RunResult } from '../../src/runners/types.js';
import type { SpecInput } from '../../src/spec/schema.js';
import { tmpDir } from '../helpers.js';

export interface Trained {
  events: TlorcEvent[];
  result: RunResult;
  seconds: number;
}

/** Run a spec object for real (local runner) and collect every event. */
export async function train(spec: Partial<SpecInput> & Record<string, unknown>, baseDir = tmpDir()): Promise<Trained> {
  const t0 = Date.now();
  const handle = await run({ spec: { apiVersion: 'tlorc/v1', output: baseDir, ...spec }, baseDir });
  const events: TlorcEvent[] = [];
  for await (const e of handle) events.push(e);
  const result = await handle.result;
  if (result.status !== 'completed') {
    const logs = events.filter((e) => e.type === 'log').slice(-30).map((e) => (e as { message: string }).message);
    throw new Error(`run ${result.status}: ${JSON.stringify(result.error)}\n${logs.join('\n')}`);
  }
  return { events, result, seconds: (Date.now() - t0) / 1000 };
}

export const epochs = (events: TlorcEvent[]) => events.filter((e): e is Extract<TlorcEvent, { type: 'epoch' }> => e.type === 'epoch');

/** Every run's events: seq 1..n without gaps, one runId, run_started first, one terminal event last. */
export function expectWellFormed(events: TlorcEvent[]): void {
  const seqs = events.map((e) => e.seq);
  const want = events.map((_, i) => i + 1);
  if (JSON.stringify(seqs) !== JSON.stringify(want)) throw new Error(`seq has gaps or disorder: ${seqs.join(',')}`);
  if (new Set(events.map((e) => e.runId)).size !== 1) throw new Error('more than one runId');
  const types = events.map((e) => e.type);
  if (types.filter((t) => t !== 'log' && t !== 'warning')[0] !== 'run_started') throw new Error(`first event is ${types[0]}`);
  const terminal = types.filter((t) => ['completed', 'failed', 'cancelled'].includes(t));
  if (terminal.length !== 1 || types.at(-1) !== terminal[0]) throw new Error(`terminal events: ${terminal.join(',')}`);
}

/** One line per measured figure, collected into test-results for the README. */
export function report(label: string, figures: Record<string, number | string>): void {
  process.stderr.write(`[figures] ${label}: ${Object.entries(figures).map(([k, v]) => `${k}=${typeof v === 'number' ? v.toFixed(3) : v}`).join(' ')}\n`);
}
