import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';

describe('event stream', () => {
  let b: TestBridge;
  beforeAll(async () => {
    b = await startTestBridge({ configText: 'executor:\n  mode: external\n  port: 1\n' });
  });
  afterAll(() => b.stop());

  it('pushes contract events to a reader as server-sent events', async () => {
    const res = await fetch(`${b.url}/api/dashboard/events`, { headers: { authorization: `Bearer ${b.token}` } });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    b.bridge.core.logger.warn('marker line for the stream');
    let text = '';
    while (!text.includes('marker line for the stream')) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toMatch(/event: logAppended\ndata: \{.*"message":"marker line for the stream"/);
    await reader.cancel();
  });

  it('serialises an event once for all clients (three real streams, one toJSON)', async () => {
    const readers = await Promise.all(
      [1, 2, 3].map(async () => (await fetch(`${b.url}/api/dashboard/events`, { headers: { authorization: `Bearer ${b.token}` } })).body!.getReader()),
    );
    for (const r of readers) await r.read(); // ': connected'
    let serialised = 0;
    const plain = { instance: 'x', seq: 1, time: new Date().toISOString(), level: 'warn' as const, source: 'test', message: 'once for all' };
    b.bridge.core.events.emit('logAppended', Object.assign({ ...plain }, { toJSON: () => (serialised++, plain) }));
    for (const r of readers) {
      let text = '';
      while (!text.includes('once for all')) text += new TextDecoder().decode((await r.read()).value);
      await r.cancel();
    }
    expect(serialised).toBe(1);
  });

  it('drops a client that stopped reading instead of buffering without bound', async () => {
    const { port } = new URL(b.url);
    const socket = net.connect(Number(port), '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write(`GET /api/dashboard/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${b.token}\r\n\r\n`);
    await new Promise((r) => socket.once('data', r));
    socket.pause(); // never read again
    const closed = new Promise<boolean>((resolve) => socket.once('close', () => resolve(true)));
    const big = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 400; i++) b.bridge.core.logger.warn(big); // ~26 MB of events
    const result = await Promise.race([closed, new Promise((r) => setTimeout(() => r(false), 10_000))]);
    socket.destroy();
    expect(result).toBe(true);
    expect((await b.request('GET', '/health', { auth: false })).status).toBeLessThan(600);
  });
});
