/**
 * Stamps raw events with runId, seq and ts, appends each to the run's events file
 * (the durable record, written before anyone else sees the event), then hands it on.
 * Every event source of a run goes through one sequencer, so seq has no gaps.
 */
import { appendFileSync, openSync, closeSync, fsyncSync } from 'node:fs';
import { PROTOCOL_VERSION, type RawEvent, type TlorcEvent, isTerminal } from './protocol.js';

export class EventSequencer {
  private seq: number;
  private fd: number | null;
  private terminal = false;

  constructor(
    readonly runId: string,
    private readonly file: string | null,
    private readonly onEvent: (e: TlorcEvent) => void,
    startSeq = 0,
  ) {
    this.seq = startSeq;
    this.fd = file ? openSync(file, 'a') : null;
  }

  get lastSeq(): number {
    return this.seq;
  }

  get ended(): boolean {
    return this.terminal;
  }

  /** Stamp, persist, deliver. After a terminal event further events are dropped (a run ends once). */
  push(raw: RawEvent): TlorcEvent | null {
    if (this.terminal) return null;
    const { ts, ...rest } = raw as RawEvent & { ts?: string };
    const event = { v: PROTOCOL_VERSION, runId: this.runId, seq: ++this.seq, ts: ts ?? new Date().toISOString(), ...rest } as TlorcEvent;
    if (this.fd !== null) appendFileSync(this.fd, JSON.stringify(event) + '\n');
    if (isTerminal(event)) {
      this.terminal = true;
      this.close();
    }
    this.onEvent(event);
    return event;
  }

  close(): void {
    if (this.fd !== null) {
      try {
        fsyncSync(this.fd);
      } catch {
        /* fsync can fail on some filesystems; the data is written */
      }
      closeSync(this.fd);
      this.fd = null;
    }
  }
}
