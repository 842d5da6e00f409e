/**
 * B5: `GET /api/dashboard/logs` is bounded in bytes, over real HTTP. Before, 1000 lines of 1 MiB
 * made the page a 1 GB string and the answer a 500 (RangeError: Invalid string length).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LOG_LIMITS } from '../../electron/core/logging/logger.js';
import type { LogPage } from '../../shared/dto/logs.js';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';

const MiB = 1024 * 1024;

describe('GET /logs bounded in bytes', () => {
  let b: TestBridge;
  beforeAll(async () => {
    b = await startTestBridge({ configText: 'executor:\n  mode: external\n  port: 1\nlogging:\n  level: info\n' });
  });
  afterAll(() => b.stop());

  it('one 1 MiB line comes back cut, with a marker of its size', async () => {
    b.bridge.core.logger.warn(`one-mib ${'a'.repeat(MiB)}`);
    const res = await b.request('GET', '/api/dashboard/logs?limit=5000');
    expect(res.status).toBe(200);
    const line = (res.json as LogPage).entries.find((e) => e.message.startsWith('one-mib '));
    expect(line?.message).toMatch(/^one-mib a+\.\.\. \[truncated: 1048584 bytes\]$/);
    expect(Buffer.byteLength(line?.message ?? '', 'utf8')).toBeLessThanOrEqual(DEFAULT_LOG_LIMITS.maxEntryBytes);
  });

  it(`1000 lines of 1 MiB: 200, the page within ${DEFAULT_LOG_LIMITS.maxPageBytes} bytes, the newest line last`, { timeout: 120_000 }, async () => {
    const big = 'b'.repeat(MiB);
    for (let i = 1; i <= 1000; i++) b.bridge.core.logger.warn(big);
    const res = await b.request('GET', '/api/dashboard/logs?limit=5000');
    expect(res.status).toBe(200);
    expect(Buffer.byteLength(res.text, 'utf8')).toBeLessThanOrEqual(DEFAULT_LOG_LIMITS.maxPageBytes);
    const page = res.json as LogPage;
    expect(page.entries.length).toBeGreaterThan(1);
    expect(page.entries.every((e) => e.message.startsWith('bbb'))).toBe(true);
    expect(page.entries.at(-1)?.seq).toBe(page.last_seq);
  });
});
