/**
 * Dedup by provider delivery id end to end: a headless bridge with a real executor, webhooks over
 * real HTTP, the real inbox. The plugin appends a line per run to a file, so "not run again" is
 * read from what ran.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { SYSTEM_PYTHON, tempDir } from '../helpers/executor.js';
import { waitFor } from '../helpers/chaos.js';

const counting = (file: string): string => `import os
import time

from webhook_bridge import BasePlugin

RUNS = ${JSON.stringify(file)}


class Plugin(BasePlugin):
    def handle(self, request):
        fd = os.open(RUNS, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (request.arg("tag", "-") + "\\n").encode())
        finally:
            os.close(fd)
        time.sleep(int(request.arg("ms", "0")) / 1000)
        if request.arg("fail"):
            return 500, {"failed": True}
        return {"ran": True}
`;

describe('dedup by provider delivery id (sync plugins)', () => {
  let b: TestBridge;
  let dir: string;
  const runsFile = (plugin: string): string => path.join(dir, `${plugin}.runs`);
  const runs = (plugin: string): string[] => {
    try {
      return readFileSync(runsFile(plugin), 'utf8').split('\n').filter(Boolean);
    } catch {
      return [];
    }
  };
  const github = (plugin: string, delivery: string, query = '') =>
    b.request('POST', `/api/v1/webhook/${plugin}${query}`, { auth: false, body: '{"zen":"x"}', headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': delivery } });

  beforeAll(async () => {
    dir = tempDir('wb-dedup-');
    const plugins = path.join(dir, 'plugins');
    mkdirSync(plugins);
    for (const name of ['gh', 'other']) writeFileSync(path.join(plugins, `${name}.py`), counting(runsFile(name)));
    const config = {
      python: { interpreters: { system: { path: SYSTEM_PYTHON } }, active_interpreter: 'system' },
      plugins: { dirs: [plugins] },
      logging: { level: 'info' },
    };
    b = await startTestBridge({ dir, configText: JSON.stringify(config) });
  });
  afterAll(async () => {
    await b?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a repeat of a delivery that succeeded without running it, naming the original', async () => {
    const first = await github('gh', 'd-ok', '?tag=first');
    expect(first.status).toBe(200);
    const again = await github('gh', 'd-ok', '?tag=again');
    expect(again.status).toBe(200);
    // the original was answered from memory (its record may still be on its way to the store)
    const stored = () => b.bridge.core.inbox.query({ plugin: 'gh', limit: 10 }).items.find((d) => d.provider_delivery_id === 'd-ok');
    await waitFor(() => stored() !== undefined, 20_000, 'the original stored');
    const original = stored();
    expect(again.headers.get('x-webhook-bridge-duplicate-of')).toBe(original?.id);
    expect(again.json).toEqual({ duplicate: true, delivery_id: original?.id, state: 'done', status: 200 });
    expect(runs('gh')).toEqual(['first']);
    // the repeat is not a new delivery
    b.bridge.core.inbox.flush();
    expect(b.bridge.core.inbox.query({ plugin: 'gh', limit: 10 }).items.filter((d) => d.provider_delivery_id === 'd-ok')).toHaveLength(1);
  });

  it('answers a repeat that arrives while the original still runs (state running), and runs the original once', async () => {
    const slow = github('gh', 'd-slow', '?tag=slow&ms=1500');
    await waitFor(() => runs('gh').includes('slow'), 20_000, 'the original to start');
    const again = await github('gh', 'd-slow', '?tag=slow-again');
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ duplicate: true, state: 'running', status: null });
    expect((await slow).status).toBe(200);
    expect(runs('gh').filter((r) => r.startsWith('slow'))).toEqual(['slow']);
  });

  it('runs a repeat of a failed original again', async () => {
    expect((await github('gh', 'd-fail', '?tag=fail1&fail=1')).status).toBe(500);
    const again = await github('gh', 'd-fail', '?tag=fail2');
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ ran: true });
    expect(runs('gh').filter((r) => r.startsWith('fail'))).toEqual(['fail1', 'fail2']);
    // and once that one succeeded, the next repeat is a duplicate of it
    const third = await github('gh', 'd-fail', '?tag=fail3');
    expect(third.json).toMatchObject({ duplicate: true, status: 200 });
    expect(runs('gh').filter((r) => r.startsWith('fail'))).toEqual(['fail1', 'fail2']);
  });

  it('keeps plugins apart, runs deliveries without a provider id every time, and runs everything with the window at 0', async () => {
    expect((await github('other', 'd-ok', '?tag=o1')).json).toEqual({ ran: true });
    for (const tag of ['n1', 'n2']) {
      const r = await b.request('POST', `/api/v1/webhook/other?tag=${tag}`, { auth: false, body: '{}', headers: { 'content-type': 'application/json' } });
      expect(r.json).toEqual({ ran: true });
    }
    await b.bridge.core.config.edit((doc) => doc.setIn(['inbox', 'dedup_window_seconds'], 0));
    expect((await github('gh', 'd-ok', '?tag=off')).json).toEqual({ ran: true });
    expect(runs('other')).toEqual(['o1', 'n1', 'n2']);
    expect(runs('gh')).toContain('off');
  });
});
