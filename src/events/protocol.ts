/**
 * The tlorc event protocol, version 1 (documented in docs/events.md).
 *
 * A run produces a sequence of events. On the wire and on disk each is one JSON line:
 *   {"v":1,"type":"epoch","runId":"...","seq":7,"ts":"2026-12-03T18:00:00.000Z", ...payload}
 * `seq` starts at 1 and increases by exactly 1 per event of a run: a gap means a lost event.
 * The Python side emits the same objects without runId/seq (see `emit` in python/tlorc_runtime.py);
 * the runner stamps them, so every event source (Python, the runner itself) shares one sequence.
 */
import { z } from 'zod';

export const PROTOCOL_VERSION = 1 as const;

const metrics = z.record(z.string(), z.number().nullable()).meta({ description: 'Metric name -> value (loss, accuracy, ...). null when not computable (NaN).' });

export const Payloads = {
  run_started: z.object({
    framework: z.string(),
    backbone: z.string(),
    task: z.string(),
    phases: z.array(z.object({ name: z.string(), epochs: z.number().int() })),
    classes: z.array(z.string()).optional(),
    train_samples: z.number().int().optional(),
    val_samples: z.number().int().optional(),
    device: z.string().optional(),
    pid: z.number().int().optional(),
  }),
  phase_started: z.object({
    phase: z.number().int(),
    name: z.string(),
    epochs: z.number().int(),
    learning_rate: z.number(),
    trainable_params: z.number().int(),
    frozen_params: z.number().int(),
    trainable_layers: z.number().int().optional(),
  }),
  batch: z.object({
    phase: z.number().int(),
    epoch: z.number().int().meta({ description: '1-based within the phase' }),
    batch: z.number().int().meta({ description: '1-based within the epoch' }),
    batches: z.number().int(),
    metrics,
  }),
  epoch: z.object({
    phase: z.number().int(),
    epoch: z.number().int(),
    epochs: z.number().int(),
    train: metrics,
    val: metrics,
    learning_rate: z.number().optional(),
    duration_s: z.number(),
  }),
  checkpoint: z.object({ path: z.string(), phase: z.number().int().optional(), epoch: z.number().int().optional(), kind: z.string().optional() }),
  log: z.object({ level: z.enum(['debug', 'info', 'warn', 'error']).default('info'), stream: z.enum(['stdout', 'stderr', 'runner']).default('stdout'), message: z.string() }),
  warning: z.object({ message: z.string(), code: z.string().optional() }),
  completed: z.object({
    final: z.object({ train: metrics, val: metrics }),
    epochs_run: z.number().int(),
    duration_s: z.number(),
    model_path: z.string().optional(),
    stopped_early: z.boolean().optional(),
  }),
  failed: z.object({
    reason: z.string(),
    code: z.string().meta({ description: 'A tlorc error code, e.g. TLORC_RUN_FAILED, TLORC_WEIGHTS_MISMATCH' }),
    exit_code: z.number().int().nullable().optional(),
    signal: z.string().nullable().optional(),
    stderr_tail: z.string().optional(),
    oom_killed: z.boolean().optional(),
    path: z.array(z.union([z.string(), z.number()])).optional().meta({ description: 'spec field path when the failure is about a field' }),
  }),
  cancelled: z.object({ reason: z.string() }),
} as const;

export type EventType = keyof typeof Payloads;
export const EVENT_TYPES = Object.keys(Payloads) as EventType[];
export const TERMINAL_TYPES: readonly EventType[] = ['completed', 'failed', 'cancelled'];

const envelope = {
  v: z.literal(PROTOCOL_VERSION),
  runId: z.string(),
  seq: z.number().int().positive(),
  ts: z.string(),
};

const P = Payloads;
export const TlorcEvent = z.discriminatedUnion('type', [
  P.run_started.extend({ ...envelope, type: z.literal('run_started') }),
  P.phase_started.extend({ ...envelope, type: z.literal('phase_started') }),
  P.batch.extend({ ...envelope, type: z.literal('batch') }),
  P.epoch.extend({ ...envelope, type: z.literal('epoch') }),
  P.checkpoint.extend({ ...envelope, type: z.literal('checkpoint') }),
  P.log.extend({ ...envelope, type: z.literal('log') }),
  P.warning.extend({ ...envelope, type: z.literal('warning') }),
  P.completed.extend({ ...envelope, type: z.literal('completed') }),
  P.failed.extend({ ...envelope, type: z.literal('failed') }),
  P.cancelled.extend({ ...envelope, type: z.literal('cancelled') }),
]).meta({ title: 'tlorc event v1' });

export type TlorcEvent = z.output<typeof TlorcEvent>;
export type EventOf<T extends EventType> = Extract<TlorcEvent, { type: T }>;
/** An event before the runner stamps it (what Python emits, what runners synthesize). */
export type RawEvent = { [T in EventType]: { type: T } & z.input<(typeof Payloads)[T]> }[EventType] & { ts?: string };

export const isTerminal = (e: { type: string }): boolean => (TERMINAL_TYPES as readonly string[]).includes(e.type);
