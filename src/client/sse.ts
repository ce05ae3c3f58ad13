/**
 * A small Server-Sent Events parser (the WHATWG event-stream format): feed it text as it
 * arrives, in chunks cut anywhere, and it returns the complete events. Lines end with
 * LF, CRLF or CR; `:` lines are comments (heartbeats); `data:` lines of one event are
 * joined with LF; `id:` sets the last event id (kept across events, as EventSource
 * does); `retry:` sets the reconnection delay.
 */
export interface SseEvent {
  /** The event's id, or the last id seen before it. */
  id: string | undefined;
  /** `event:` field; 'message' when absent. */
  event: string;
  data: string;
}

export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private eventType = '';
  private sawField = false;
  private pendingCR = false;
  /** The last event id (sent back as Last-Event-ID when reconnecting). */
  lastEventId: string | undefined;
  /** Reconnection delay the server asked for, in ms. */
  retry: number | undefined;

  /** Feed decoded text; returns the events completed by it. */
  push(chunk: string): SseEvent[] {
    const out: SseEvent[] = [];
    let text = chunk;
    // a CR at the end of the previous chunk may be half of a CRLF
    if (this.pendingCR && text.startsWith('\n')) text = text.slice(1);
    this.pendingCR = false;
    this.buffer += text;
    let start = 0;
    const eol = /[\r\n]/g;
    for (let m = eol.exec(this.buffer); m; m = eol.exec(this.buffer)) {
      const i = m.index;
      const line = this.buffer.slice(start, i);
      if (this.buffer[i] === '\r') {
        if (i + 1 < this.buffer.length) {
          if (this.buffer[i + 1] === '\n') eol.lastIndex = i + 2;
        } else this.pendingCR = true;
      }
      start = eol.lastIndex;
      const ev = this.line(line);
      if (ev) out.push(ev);
    }
    this.buffer = this.buffer.slice(start);
    return out;
  }

  private line(line: string): SseEvent | null {
    if (line === '') {
      if (!this.sawField) return null;
      const ev: SseEvent = { id: this.lastEventId, event: this.eventType || 'message', data: this.data.join('\n') };
      const hadData = this.data.length > 0;
      this.data = [];
      this.eventType = '';
      this.sawField = false;
      return hadData ? ev : null;
    }
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.data.push(value);
        this.sawField = true;
        break;
      case 'event':
        this.eventType = value;
        this.sawField = true;
        break;
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value;
        this.sawField = true;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retry = Number(value);
        break;
      default:
        break; // unknown fields are ignored
    }
    return null;
  }
}
