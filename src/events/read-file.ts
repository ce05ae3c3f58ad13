/** Read a run's events file back (tolerating a torn last line from a crash). */
import { readFileSync, existsSync } from 'node:fs';
import { TlorcEvent } from './protocol.js';

export function readEventsFile(file: string): TlorcEvent[] {
  if (!existsSync(file)) return [];
  const out: TlorcEvent[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const parsed = TlorcEvent.safeParse(JSON.parse(line));
      if (parsed.success) out.push(parsed.data);
    } catch {
      /* a torn final line after a crash: skip it */
    }
  }
  return out;
}
