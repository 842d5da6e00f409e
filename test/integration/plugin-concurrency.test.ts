/**
 * `plugins.settings.<name>.max_concurrency` end to end: a headless bridge with a real executor and
 * webhooks over real HTTP. The plugin appends `+` when a call enters and `-` when it leaves to a
 * file, so the test reads how many calls ran at once from what really ran, not from timings.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { SYSTEM_PYTHON, tempDir } from '../helpers/executor.js';
import { waitFor } from '../helpers/chaos.js';

const gate = (file: string, classLimit = 0): string => `import os
import time

from webhook_bridge import BasePlugin

TRACE = ${JSON.stringify(file)}


def mark(sign):
    fd = os.open(TRACE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, sign.encode())
    finally:
        os.close(fd)


class Plugin(BasePlugin):
${classLimit > 0 ? `    max_concurrency = ${classLimit}\n` : ''}
    def handle(self, request):
        mark("+")
        try:
            time.sleep(int(request.arg("ms", "300")) / 1000)
        finally:
            mark("-")
        return {"ok": True}
`;

/** The most calls inside the plugin at once, from the `+`/`-` trace. */
function peak(trace: string): number {
  let now = 0;
  let most = 0;
  for (const c of trace) {
    now += c === '+' ? 1 : -1;
    most = Math.max(most, now);
  }
  return most;
}

describe('max_concurrency per plugin (sync mode)', () => {
  let b: TestBridge;
  let dir: string;
  const traces = new Map<string, string>();
  const trace = (plugin: string): string => {
    try {
      return readFileSync(traces.get(plugin) ?? '', 'utf8');
    } catch {
      return '';
    }
  };
  const fire = (plugin: string, n: number, ms = 300) =>
    Promise.all(Array.from({ length: n }, () => b.request('POST', `/api/v1/webhook/${plugin}?ms=${ms}`, { body: '{}', auth: false, headers: { 'content-type': 'application/json' } })));

  beforeAll(async () => {
    dir = tempDir('wb-limits-');
    const plugins = path.join(dir, 'plugins');
    mkdirSync(plugins);
    // classy: max_concurrency = 1 on the class; overridden: the class says 1, the config 3
    for (const [name, classLimit] of [['two', 0], ['one', 0], ['live', 0], ['classy', 1], ['overridden', 1]] as const) {
      traces.set(name, path.join(dir, `${name}.trace`));
      writeFileSync(path.join(plugins, `${name}.py`), gate(traces.get(name) ?? '', classLimit));
    }
    const config = {
      python: { interpreters: { system: { path: SYSTEM_PYTHON } }, active_interpreter: 'system' },
      executor: { max_restarts: 5, restart_window: 60 },
      plugins: {
        dirs: [plugins],
        settings: { two: { max_concurrency: 2 }, one: { max_concurrency: 1, max_wait_ms: 100 }, live: { max_concurrency: 1 }, overridden: { max_concurrency: 3 } },
      },
      logging: { level: 'warn' },
    };
    b = await startTestBridge({ dir, configText: JSON.stringify(config) });
  });
  afterAll(async () => {
    await b?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs at most 2 of 6 concurrent webhooks at once; the others wait and then run (200)', async () => {
    const replies = await fire('two', 6);
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const t = trace('two');
    expect(t.length).toBe(12);
    expect(peak(t)).toBe(2);
    // the wait shows in the recorded durations: 6 calls of 300 ms two at a time take 3 rounds, so
    // the slowest recorded delivery spans at least two plugin runs
    b.bridge.core.inbox.flush();
    await waitFor(() => b.bridge.core.inbox.query({ plugin: 'two', limit: 10 }).items.length >= 6, 20_000, '6 deliveries stored');
    const durations = b.bridge.core.inbox.query({ plugin: 'two', limit: 10 }).items.map((d) => d.duration_ms ?? 0);
    expect(Math.max(...durations)).toBeGreaterThanOrEqual(600);
  });

  it('answers 503 with Retry-After once the bounded wait runs out, and records the refusal', async () => {
    const replies = await fire('one', 4, 2000);
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    const refused = replies.find((r) => r.status === 503);
    expect(refused?.headers.get('retry-after')).toBe('1');
    expect(refused?.json).toMatchObject({ error: { code: 'UNAVAILABLE', message: expect.stringMatching(/plugin 'one' is at its concurrency limit \(max_concurrency 1/), details: { plugin: 'one', limit: 1 } } });
    expect(peak(trace('one'))).toBe(1);
    // a refused call never reached the plugin
    expect(trace('one').length).toBe(2 * statuses.filter((s) => s === 200).length);
    await waitFor(() => b.bridge.core.inbox.query({ plugin: 'one', limit: 10 }).items.length >= 4, 20_000, '4 deliveries stored');
    const recorded = b.bridge.core.inbox.query({ plugin: 'one', limit: 10 }).items;
    expect(recorded.filter((d) => d.status === 503).length).toBe(statuses.filter((s) => s === 503).length);
    expect(recorded.find((d) => d.status === 503)?.error).toMatch(/concurrency limit/);
  });

  it('follows a config edit live: a raised limit lets more run at once, no restart', async () => {
    const before = await fire('live', 3);
    expect(before.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(peak(trace('live'))).toBe(1);
    const generation = b.bridge.core.executor.status().generation;
    await b.bridge.core.config.edit((doc) => doc.setIn(['plugins', 'settings', 'live', 'max_concurrency'], 4));
    writeFileSync(traces.get('live') ?? '', '');
    const after = await fire('live', 4, 1500);
    expect(after.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(peak(trace('live'))).toBeGreaterThanOrEqual(2);
    expect(peak(trace('live'))).toBeLessThanOrEqual(4);
    expect(b.bridge.core.executor.status().generation).toBe(generation);
  });

  it('takes the plugin class attribute max_concurrency when the config sets none, and the config over it', async () => {
    const classy = await fire('classy', 3);
    expect(classy.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(peak(trace('classy'))).toBe(1);
    const overridden = await fire('overridden', 4, 1500);
    expect(overridden.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(peak(trace('overridden'))).toBeGreaterThanOrEqual(2);
    expect(peak(trace('overridden'))).toBeLessThanOrEqual(3);
  });
});
