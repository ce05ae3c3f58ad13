/**
 * Server-Sent Events over a raw response: headers, frames (`id:` = event seq, one
 * `data:` line of JSON), heartbeats, and backpressure (a slow client makes us wait for
 * 'drain' instead of buffering without bound).
 */
import type { ServerResponse } from 'node:http';

export interface SseFrame {
  id?: number | string;
  event?: string;
  /** One line: JSON never contains a raw newline. */
  data: string;
}

export function frame(f: SseFrame): string {
  return `${f.id !== undefined ? `id: ${f.id}\n` : ''}${f.event ? `event: ${f.event}\n` : ''}data: ${f.data}\n\n`;
}

export class SseStream {
  private closed = false;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly res: ServerResponse,
    heartbeatMs: number,
    headers: Record<string, string> = {},
  ) {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      ...headers,
    });
    res.on('close', () => this.stop());
    // tell EventSource clients to reconnect quickly; they resume with Last-Event-ID
    res.write('retry: 1000\n\n');
    this.heartbeat = setInterval(() => {
      if (!this.closed) res.write(': ping\n\n');
    }, heartbeatMs);
    this.heartbeat.unref();
  }

  get isClosed(): boolean {
    return this.closed || this.res.destroyed;
  }

  /** Write one chunk; resolves when the client can take more. */
  async write(chunk: string): Promise<void> {
    if (this.isClosed) return;
    if (!this.res.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.res.off('drain', done);
          this.res.off('close', done);
          resolve();
        };
        this.res.on('drain', done);
        this.res.on('close', done);
      });
    }
  }

  private stop(): void {
    this.closed = true;
    clearInterval(this.heartbeat);
  }

  end(): void {
    this.stop();
    if (!this.res.writableEnded) this.res.end();
  }
}
