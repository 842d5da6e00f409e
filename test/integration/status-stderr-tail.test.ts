/**
 * The executor's stderr tail in the connection status (sent whole in every connectionChanged event)
 * stays small when a plugin prints huge lines: each line is cut to 2 KiB, the tail is 64 KiB at most.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TAIL_LINE_MAX_BYTES, TAIL_TOTAL_MAX_BYTES } from '../../electron/core/executor/stderr-tail.js';
import { configYaml, startCore, SYSTEM_PYTHON, waitUntil, type CoreWithExecutor } from '../helpers/executor.js';

let c: CoreWithExecutor;
beforeAll(async () => {
  c = await startCore(configYaml({ interpreters: { sys: { path: SYSTEM_PYTHON } }, active: 'sys' }));
});
afterAll(async () => {
  await c.stop();
});

describe('stderr_tail in the connection status', () => {
  it('is cut per line and in all after a plugin prints 60 lines of 100 kB', async () => {
    const res = await c.executor.execute({ plugin: 'flood', method: 'GET', path: '/api/v1/webhook/flood', headers: {}, query: 'mode=lines&count=60&size=100000', body: Buffer.alloc(0), contentType: '' });
    expect(res.status).toBe(200);
    await waitUntil(() => c.executor.status().stderr_tail.filter((l) => l.startsWith('fff')).length >= 10, 15_000, 'the flood in the tail');
    const tail = c.executor.status().stderr_tail;
    for (const line of tail) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(TAIL_LINE_MAX_BYTES);
    expect(tail.reduce((n, l) => n + Buffer.byteLength(l), 0)).toBeLessThanOrEqual(TAIL_TOTAL_MAX_BYTES);
    expect(tail.filter((l) => l.startsWith('fff')).at(-1)).toMatch(/^f+ … \[line cut: 100000 bytes\]$/);
  });
});
