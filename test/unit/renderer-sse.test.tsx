// @vitest-environment jsdom
import { describe, expect, it, vi } from 'vitest';
import { SseParser, type SseMessage } from '../../renderer/src/api/sse';
import { createHttpTransport } from '../../renderer/src/api/http-transport';
import type { AppEvent, StreamState } from '../../renderer/src/api/transport';

const STREAM =
  ': connected\n\n' +
  'id: 1\nevent: logAppended\ndata: {"seq":1,"message":"héllo ✓"}\n\n' +
  'id: 2\r\nevent: configChanged\r\ndata: {"revision":4,\r\ndata: "valid":true}\r\n\r\n' +
  ': ping\n\n' +
  'event: connectionChanged\rdata: {"revision":9}\r\r';

const EXPECTED: SseMessage[] = [
  { event: 'logAppended', data: '{"seq":1,"message":"héllo ✓"}', id: '1' },
  { event: 'configChanged', data: '{"revision":4,\n"valid":true}', id: '2' },
  { event: 'connectionChanged', data: '{"revision":9}', id: '2' },
];

function feed(chunks: string[]): SseMessage[] {
  const p = new SseParser();
  return chunks.flatMap((c) => p.push(c));
}

describe('SseParser', () => {
  it('parses a whole stream at once (LF, CRLF and CR line ends, comments, multi-line data)', () => {
    expect(feed([STREAM])).toEqual(EXPECTED);
  });

  it('gives the same messages whatever the chunk boundaries', () => {
    for (let i = 0; i <= STREAM.length; i++) {
      expect(feed([STREAM.slice(0, i), STREAM.slice(i)]), `split at ${i}`).toEqual(EXPECTED);
    }
    for (let i = 1; i < STREAM.length; i += 7) {
      for (let j = i; j < STREAM.length; j += 11) {
        expect(feed([STREAM.slice(0, i), STREAM.slice(i, j), STREAM.slice(j)]), `split at ${i}/${j}`).toEqual(EXPECTED);
      }
    }
    expect(feed([...STREAM])).toEqual(EXPECTED);
  });

  it('does not count a CR LF split across chunks as two line ends', () => {
    expect(feed(['data: a\r', '\n', 'data: b\r', '\n\r', '\n'])).toEqual([{ event: 'message', data: 'a\nb', id: null }]);
  });

  it('ignores messages without data, unknown fields and keeps retry', () => {
    const p = new SseParser();
    expect(p.push('event: x\n\nfoo: bar\nretry: 2500\ndata\n\n')).toEqual([{ event: 'message', data: '', id: null }]);
    expect(p.retryMs).toBe(2500);
  });

  it('keeps a half-read message until its blank line arrives', () => {
    const p = new SseParser();
    expect(p.push('event: logAppended\ndata: {"se')).toEqual([]);
    expect(p.push('q":2}\n')).toEqual([]);
    expect(p.push('\n')).toEqual([{ event: 'logAppended', data: '{"seq":2}', id: null }]);
  });
});

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    start(ctl) {
      for (const c of chunks) ctl.enqueue(enc.encode(c));
      ctl.close();
    },
  });
}

describe('HTTP event stream', () => {
  it('reads events from fetch with the bearer token, across byte chunks, and reconnects when the stream ends', async () => {
    const body = 'event: logAppended\ndata: {"seq":7}\n\nevent: nope\ndata: {}\n\nevent: configChanged\ndata: not json\n\nevent: jobUpdated\ndata: {"id":"j","revision":2}\n\n';
    // split inside a multi-byte character and inside a field name
    const bytes = new TextEncoder().encode(`: hi ✓\n\n${body}`);
    const chunks = [bytes.slice(0, 7), bytes.slice(7, 25), bytes.slice(25)];
    const fetch = vi.fn(async (_url: RequestInfo | URL, _init?: RequestInit) => {
      const s = new ReadableStream<Uint8Array>({
        start(ctl) {
          for (const c of chunks) ctl.enqueue(c);
          ctl.close();
        },
      });
      return new Response(s, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
    });
    const events: AppEvent[] = [];
    const states: StreamState[] = [];
    const t = createHttpTransport({ getToken: () => 'tok', fetch, backoff: { initialMs: 5, maxMs: 10 } });
    const stop = t.subscribe({ onEvent: (e) => events.push(e), onState: (s) => states.push(s) });
    await vi.waitFor(() => expect(fetch.mock.calls.length).toBeGreaterThanOrEqual(2));
    stop();
    expect(events.slice(0, 2)).toEqual([
      { name: 'logAppended', payload: { seq: 7 } },
      { name: 'jobUpdated', payload: { id: 'j', revision: 2 } },
    ]);
    const [url, init] = fetch.mock.calls[0] ?? [];
    expect(String(url)).toBe('/api/dashboard/events');
    expect((init?.headers as Record<string, string>)['Authorization']).toBe('Bearer tok');
    expect(states.slice(0, 4)).toEqual(['connecting', 'open', 'offline', 'connecting']);
  });

  it('backs off while the server is down and stops on 401', async () => {
    let n = 0;
    const fetch = vi.fn(async () => {
      n++;
      if (n <= 2) throw new TypeError('connection refused');
      if (n === 3) return new Response(streamOf(['event: logAppended\ndata: {"seq":1}\n\n']), { status: 200 });
      return new Response(JSON.stringify({ error: { code: 'UNAUTHORIZED', message: 'no' } }), { status: 401 });
    });
    const onUnauthorized = vi.fn();
    const states: StreamState[] = [];
    const t = createHttpTransport({ getToken: () => 'tok', fetch, onUnauthorized, backoff: { initialMs: 2, maxMs: 4 } });
    t.subscribe({ onEvent: () => undefined, onState: (s) => states.push(s) });
    await vi.waitFor(() => expect(states.at(-1)).toBe('unauthorized'));
    expect(fetch).toHaveBeenCalledTimes(4);
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    expect(states).toEqual(['connecting', 'offline', 'connecting', 'offline', 'connecting', 'open', 'offline', 'connecting', 'unauthorized']);
  });

  it('does not pile up abort listeners on the subscription signal across reconnects', async () => {
    let owner = new AbortController().signal as object;
    while (!Object.prototype.hasOwnProperty.call(owner, 'addEventListener')) owner = Object.getPrototypeOf(owner) as object;
    const target = owner as EventTarget;
    const add = target.addEventListener;
    const remove = target.removeEventListener;
    const live = new Map<EventTarget, Set<unknown>>();
    const addSpy = vi.spyOn(target, 'addEventListener').mockImplementation(function (this: EventTarget, type, listener, options) {
      if (type === 'abort' && this instanceof AbortSignal) {
        const set = live.get(this) ?? new Set();
        set.add(listener);
        live.set(this, set);
      }
      add.call(this, type, listener, options);
    });
    const removeSpy = vi.spyOn(target, 'removeEventListener').mockImplementation(function (this: EventTarget, type, listener, options) {
      if (type === 'abort') live.get(this)?.delete(listener);
      remove.call(this, type, listener, options);
    });
    try {
      const fetch = vi.fn(async () => {
        throw new TypeError('connection refused');
      });
      const t = createHttpTransport({ getToken: () => 'tok', fetch, backoff: { initialMs: 1, maxMs: 1 } });
      const stop = t.subscribe({ onEvent: () => undefined, onState: () => undefined });
      await vi.waitFor(() => expect(fetch.mock.calls.length).toBeGreaterThanOrEqual(12));
      const most = Math.max(...[...live.values()].map((s) => s.size));
      stop();
      // at most one wait (sleep) or one stream is pending at a time
      expect(most).toBeLessThanOrEqual(1);
    } finally {
      addSpy.mockRestore();
      removeSpy.mockRestore();
    }
  });

  it('restarts a stream that went silent (no ping) and stops when unsubscribed', async () => {
    const fetch = vi.fn(async (_u: RequestInfo | URL, init?: RequestInit) => {
      const s = new ReadableStream<Uint8Array>({
        start(ctl) {
          init?.signal?.addEventListener('abort', () => ctl.error(new DOMException('aborted', 'AbortError')));
        },
      });
      return new Response(s, { status: 200 });
    });
    const t = createHttpTransport({ getToken: () => 'tok', fetch, idleTimeoutMs: 20, backoff: { initialMs: 1, maxMs: 2 } });
    const stop = t.subscribe({ onEvent: () => undefined, onState: () => undefined });
    await vi.waitFor(() => expect(fetch.mock.calls.length).toBeGreaterThanOrEqual(2));
    stop();
    const count = fetch.mock.calls.length;
    await new Promise((r) => setTimeout(r, 60));
    expect(fetch.mock.calls.length).toBe(count);
  });
});
