/**
 * One line of process output -> a raw event. Lines that are not tlorc events
 * (a user's print, a library warning, garbage, half a line) become `log` events:
 * the reader never crashes on input.
 */
import { Payloads, PROTOCOL_VERSION, type EventType, type RawEvent } from './protocol.js';

export function parseLine(line: string, stream: 'stdout' | 'stderr'): RawEvent | null {
  const text = line.replace(/\r$/, '');
  if (text.trim() === '') return null;
  if (stream === 'stdout' && text.startsWith('{')) {
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch {
      obj = undefined;
    }
    if (obj && typeof obj === 'object' && (obj as { v?: unknown }).v === PROTOCOL_VERSION) {
      const { type, ts, v: _v, runId: _r, seq: _s, ...payload } = obj as Record<string, unknown>;
      if (typeof type === 'string' && type in Payloads) {
        const parsed = Payloads[type as EventType].safeParse(payload);
        if (parsed.success) return { type, ...(parsed.data as object), ...(typeof ts === 'string' ? { ts } : {}) } as RawEvent;
        return { type: 'warning', code: 'TLORC_EVENT_MALFORMED', message: `Malformed ${type} event ignored: ${parsed.error.issues[0]?.message ?? ''}: ${text.slice(0, 300)}` };
      }
    }
  }
  return { type: 'log', level: stream === 'stderr' ? 'warn' : 'info', stream, message: text };
}
