/**
 * A single-producer, multi-consumer event channel: every consumer that starts
 * iterating gets every event from the first one (history is kept in memory for the
 * run's lifetime), then live ones, and the iteration ends after the terminal event.
 */
import type { TlorcEvent } from './protocol.js';
import { isTerminal } from './protocol.js';

export class EventChannel implements AsyncIterable<TlorcEvent> {
  private readonly history: TlorcEvent[] = [];
  private readonly waiters = new Set<() => void>();
  private done = false;

  push(e: TlorcEvent): void {
    if (this.done) return;
    this.history.push(e);
    if (isTerminal(e)) this.done = true;
    for (const w of [...this.waiters]) w();
  }

  /** Ends iteration without a terminal event (used when a producer dies unexpectedly). */
  end(): void {
    this.done = true;
    for (const w of [...this.waiters]) w();
  }

  get events(): readonly TlorcEvent[] {
    return this.history;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<TlorcEvent> {
    let i = 0;
    for (;;) {
      while (i < this.history.length) yield this.history[i++]!;
      if (this.done) return;
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          resolve();
        };
        this.waiters.add(wake);
      });
    }
  }
}
