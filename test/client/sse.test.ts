/** The SSE parser: events split anywhere, CR/LF/CRLF, comments, multi-line data, ids, retry. */
import { describe, it, expect } from 'vitest';
import { SseParser } from '../../src/client/sse.js';

const stream = 'retry: 1500\n\n: ping\n\nid: 1\ndata: {"seq":1}\n\nid: 2\nevent: end\ndata: a\ndata: b\n\ndata:no-space\n\nid\ndata: x\n\n';

describe('SseParser', () => {
  it('parses a stream fed in one piece', () => {
    const p = new SseParser();
    const evs = p.push(stream);
    expect(evs).toEqual([
      { id: '1', event: 'message', data: '{"seq":1}' },
      { id: '2', event: 'end', data: 'a\nb' },
      { id: '2', event: 'message', data: 'no-space' },
      { id: '', event: 'message', data: 'x' },
    ]);
    expect(p.retry).toBe(1500);
    expect(p.lastEventId).toBe('');
  });

  it('gives the same events however the stream is cut, with any line ending', () => {
    const want = new SseParser().push(stream);
    for (const eol of ['\n', '\r\n', '\r']) {
      const text = stream.replace(/\n/g, eol);
      for (let cut = 1; cut < 7; cut++) {
        const p = new SseParser();
        const got = [];
        for (let i = 0; i < text.length; i += cut) got.push(...p.push(text.slice(i, i + cut)));
        expect(got, `eol ${JSON.stringify(eol)} cut ${cut}`).toEqual(want);
      }
    }
  });

  it('dispatches nothing for comments or an event without data, and ignores unknown fields', () => {
    const p = new SseParser();
    expect(p.push(': hello\n\nevent: x\n\nfoo: bar\n\nretry: soon\n\n')).toEqual([]);
    expect(p.retry).toBeUndefined();
    expect(p.push('data: partial')).toEqual([]);
    expect(p.push('\n\n')).toEqual([{ id: undefined, event: 'message', data: 'partial' }]);
  });
});
