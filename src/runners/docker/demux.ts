/**
 * The engine's attach stream -> lines per stream. Without a TTY the engine multiplexes stdout and
 * stderr into frames: an 8-byte header [stream, 0, 0, 0, size (uint32 big-endian)] then `size`
 * bytes. Frames split lines anywhere (and chunks split frames anywhere), so bytes are kept per
 * stream until a newline arrives; multi-byte UTF-8 characters split across frames stay intact
 * because decoding happens per complete line.
 */
import type { Readable } from 'node:stream';

export type StreamName = 'stdout' | 'stderr';
export type LineSink = (line: string, stream: StreamName) => void;

const HEADER = 8;
/** A line longer than this is delivered in pieces (a runaway print must not eat memory). */
const MAX_LINE = 1024 * 1024;

export class LineDemuxer {
  private pending: Buffer = Buffer.alloc(0);
  private readonly partial: Record<StreamName, Buffer[]> = { stdout: [], stderr: [] };
  private readonly partialLen: Record<StreamName, number> = { stdout: 0, stderr: 0 };

  constructor(private readonly sink: LineSink) {}

  /** Feed raw bytes from the attach stream. */
  write(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (this.pending.length >= HEADER) {
      const type = this.pending[0]!;
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < HEADER + size) break;
      const payload = this.pending.subarray(HEADER, HEADER + size);
      this.pending = this.pending.subarray(HEADER + size);
      // 0 = stdin (never attached), 1 = stdout, 2 = stderr; anything else: treat as stdout
      this.data(payload, type === 2 ? 'stderr' : 'stdout');
    }
  }

  private data(payload: Buffer, stream: StreamName): void {
    let start = 0;
    for (;;) {
      const nl = payload.indexOf(0x0a, start);
      if (nl < 0) break;
      this.emit(stream, payload.subarray(start, nl));
      start = nl + 1;
    }
    if (start < payload.length) {
      const rest = Buffer.from(payload.subarray(start));
      this.partial[stream].push(rest);
      this.partialLen[stream] += rest.length;
      if (this.partialLen[stream] >= MAX_LINE) this.emit(stream, Buffer.alloc(0));
    }
  }

  private emit(stream: StreamName, tail: Buffer): void {
    const parts = this.partial[stream];
    const line = parts.length ? Buffer.concat([...parts, tail]) : tail;
    this.partial[stream] = [];
    this.partialLen[stream] = 0;
    this.sink(line.toString('utf8').replace(/\r$/, ''), stream);
  }

  /** End of stream: deliver unterminated last lines (a crash may leave half a line). */
  end(): void {
    for (const s of ['stdout', 'stderr'] as const) if (this.partialLen[s] > 0) this.emit(s, Buffer.alloc(0));
    this.pending = Buffer.alloc(0);
  }
}

/** Pump a multiplexed stream into `sink`; resolves when the stream ends, errors or closes. */
export function pumpMultiplexed(stream: Readable, sink: LineSink): Promise<void> {
  const demux = new LineDemuxer(sink);
  return new Promise<void>((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      demux.end();
      resolve();
    };
    stream.on('data', (c: Buffer) => demux.write(c));
    stream.on('end', finish);
    stream.on('close', finish);
    stream.on('error', finish);
  });
}
