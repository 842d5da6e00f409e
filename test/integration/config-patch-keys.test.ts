/**
 * Issue 11: GET /config names `logging.level`, PATCH wanted `logging_level` and its 400 gave no
 * hint. PATCH now takes the dotted key GET shows as well as the short one, and an unknown field is
 * answered with the fields that are accepted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigView } from '../../shared/dto/config.js';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';

const level = (v: unknown): unknown => (v as ConfigView).values.find((x) => x.key === 'logging.level')?.value;

describe('PATCH /config takes the keys GET /config shows', () => {
  let b: TestBridge;
  beforeAll(async () => {
    b = await startTestBridge({ configText: 'executor:\n  mode: external\n  port: 1\nlogging:\n  level: info\n' });
  });
  afterAll(() => b.stop());

  it('`logging.level` (as GET names it) is accepted and written', async () => {
    const before = await b.request('GET', '/api/dashboard/config');
    expect(level(before.json)).toBe('info');
    const res = await b.request('PATCH', '/api/dashboard/config', { body: { 'logging.level': 'debug' } });
    expect(res.status).toBe(200);
    expect(level(res.json)).toBe('debug');
    expect(b.bridge.core.logger.level).toBe('debug');
  });

  it('`logging_level` keeps working', async () => {
    const res = await b.request('PATCH', '/api/dashboard/config', { body: { logging_level: 'warn' } });
    expect(res.status).toBe(200);
    expect(level(res.json)).toBe('warn');
  });

  it('every field GET shows under its dotted key: `plugins.legacy_envelope` too', async () => {
    const res = await b.request('PATCH', '/api/dashboard/config', { body: { 'plugins.legacy_envelope': false } });
    expect(res.status).toBe(200);
    expect((res.json as ConfigView).values.find((x) => x.key === 'plugins.legacy_envelope')?.value).toBe(false);
  });

  it('both spellings with different values: 400 naming both, nothing written', async () => {
    const res = await b.request('PATCH', '/api/dashboard/config', { body: { logging_level: 'error', 'logging.level': 'debug' } });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.json)).toMatch(/logging\.level.*logging_level/);
    expect(level((await b.request('GET', '/api/dashboard/config')).json)).toBe('warn');
  });

  it('a nested `{"logging":{"level":…}}` is a 400 that names the accepted keys', async () => {
    const res = await b.request('PATCH', '/api/dashboard/config', { body: { logging: { level: 'debug' } } });
    expect(res.status).toBe(400);
    const msg = (res.json as { error: { message: string } }).error.message;
    expect(msg).toContain('unknown field(s): logging');
    expect(msg).toContain('logging.level');
    expect(msg).toContain('logging_level');
  });
});
