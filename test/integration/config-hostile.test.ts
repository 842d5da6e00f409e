/**
 * Hostile config files through the real API (issue 12, B1 and B2): an alias bomb, a file over the
 * size cap, tens of thousands of keys, deep nesting, a huge string. Each starts degraded (never
 * exit 1), shows `valid: false` with the reason, and every edit answers 409 with it, never 500.
 * The large ones are parsed off the event loop (a worker thread), so /health answers meanwhile.
 */
import { promises as fs } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_CONFIG_BYTES } from '../../electron/core/config/validate.js';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';

const running: TestBridge[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((b) => b.stop()));
});

const BOMB = ['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdefgh'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(', ')}]`), ''].join('\n');

function nearCap(line: (i: number) => string, head = 'extra:\n'): string {
  const parts = [head];
  let size = head.length;
  for (let i = 0; ; i++) {
    const l = line(i);
    if (size + l.length > MAX_CONFIG_BYTES - 64) break;
    parts.push(l);
    size += l.length;
  }
  return parts.join('');
}

const HOSTILE: Array<{ what: string; text: string; reason: RegExp }> = [
  { what: 'an alias bomb (B1)', text: BOMB, reason: /alias expansions/ },
  { what: 'a file over 1 MiB (B2)', text: `extra: "${'x'.repeat(MAX_CONFIG_BYTES + 10)}"\n`, reason: /at most 1048576 bytes/ },
  { what: 'keys up to the cap (B2)', text: nearCap((i) => `  k${i}: 1\n`), reason: /more than 5000 keys and values/ },
  { what: 'deep nesting up to the cap (B2)', text: `extra: ${'['.repeat(MAX_CONFIG_BYTES / 2 - 16)}${']'.repeat(MAX_CONFIG_BYTES / 2 - 16)}\n`, reason: /nested more than 64 levels/ },
];

describe('hostile config files', () => {
  for (const h of HOSTILE) {
    it(`${h.what}: degraded start, the reason in GET config, 409 on edits and validate`, async () => {
      const b = await startTestBridge({ configText: h.text });
      running.push(b);
      const health = await b.request('GET', '/health');
      expect(health.status).toBe(503); // degraded, but answering
      expect(health.json).toMatchObject({ status: 'degraded', config_valid: false });
      const view = (await b.request('GET', '/api/dashboard/config')).json as { valid: boolean; errors: Array<{ message: string }> };
      expect(view.valid).toBe(false);
      expect(view.errors.map((e) => e.message).join('; ')).toMatch(h.reason);
      const patch = await b.request('PATCH', '/api/dashboard/config', { body: { logging_level: 'debug' } });
      expect(patch.status).toBe(409);
      expect(patch.text).toMatch(h.reason);
      const validate = await b.request('POST', '/api/dashboard/interpreters/default/validate');
      expect([404, 409]).toContain(validate.status);
      expect(await fs.readFile(b.configFile, 'utf8')).toBe(h.text); // never rewritten
    });
  }

  it('a long string up to the cap is a valid config, read off the event loop', async () => {
    const text = `server: { port: 8000 }\nextra: "${'x'.repeat(MAX_CONFIG_BYTES - 64)}"\n`;
    const b = await startTestBridge({ configText: text });
    running.push(b);
    const view = (await b.request('GET', '/api/dashboard/config')).json as { valid: boolean; warnings: Array<{ path: string }> };
    expect(view.valid).toBe(true);
    expect(view.warnings.map((w) => w.path)).toContain('extra');
    const patch = await b.request('PATCH', '/api/dashboard/config', { body: { logging_level: 'debug' } });
    expect(patch.status).toBe(200);
    expect(await fs.readFile(b.configFile, 'utf8')).toContain('level: debug');
  });
});
