/**
 * A full disk under the inbox: the data folder is a small tmpfs (mounted here; the test is skipped,
 * saying why, when mounting is not allowed). Once it is filled, webhooks keep being answered 200, the
 * connection status says recording is failing with the error, and recording works again once space
 * is freed.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionStatus } from '../../shared/dto/connection.js';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { waitFor } from '../helpers/chaos.js';
import { configYaml, SYSTEM_PYTHON, tempDir } from '../helpers/executor.js';

/** Writes `file` until the filesystem refuses (ENOSPC). */
function fill(file: string): void {
  const chunk = Buffer.alloc(64 * 1024, 0x78);
  try {
    for (;;) writeFileSync(file, chunk, { flag: 'a' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  }
}

describe('the inbox on a full disk', () => {
  let b: TestBridge | undefined;
  let dir: string;
  let data: string;
  let mountError: string | null = null;

  beforeAll(async () => {
    dir = tempDir('wb-inbox-full-');
    data = path.join(dir, 'xdg-data');
    mkdirSync(data);
    const m = spawnSync('/usr/bin/mount', ['-t', 'tmpfs', '-o', 'size=3m,mode=0700', 'tmpfs', data], { encoding: 'utf8' });
    if (m.status !== 0) {
      mountError = `cannot mount a tmpfs here (${(m.stderr || m.error?.message || `exit ${m.status}`).trim()})`;
      return;
    }
    b = await startTestBridge({ dir, configText: configYaml({ interpreters: { system: { path: SYSTEM_PYTHON } }, active: 'system' }) });
  });
  afterAll(async () => {
    await b?.stop();
    if (!mountError) spawnSync('/usr/bin/umount', ['-l', data]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps serving webhooks, says recording is failing, and recovers when space is back', async (ctx) => {
    if (mountError || !b) return ctx.skip(mountError ?? 'no bridge');
    const bridge = b;
    const inboxState = async (): Promise<ConnectionStatus['inbox']> => ((await bridge.request('GET', '/api/dashboard/connection')).json as ConnectionStatus).inbox;
    // noop: a bundled plugin (resources/plugins)
    const first = await bridge.request('POST', '/api/v1/webhook/noop', { auth: false, body: '{}', headers: { 'content-type': 'application/json' } });
    expect(first.status).toBe(200);
    await waitFor(() => bridge.bridge.core.inbox.query({}).items.length === 1, 20_000, 'the first delivery stored');
    expect((await inboxState())?.state).toBe('recording');

    const filler = path.join(data, 'filler');
    fill(filler);
    const big = 'y'.repeat(256 * 1024);
    for (let i = 0; i < 8; i++) {
      const r = await bridge.request('POST', '/api/v1/webhook/noop', { auth: false, body: big, headers: { 'content-type': 'text/plain' } });
      expect(r.status).toBe(200);
    }
    await waitFor(() => bridge.bridge.core.inbox.status().state === 'failing', 20_000, 'recording reported failing');
    const failing = await inboxState();
    expect(failing).toMatchObject({ state: 'failing', error: expect.stringMatching(/full|SQLITE_FULL|disk/i) });
    expect(failing?.dropped).toBeGreaterThan(0);

    rmSync(filler);
    const after = await bridge.request('POST', '/api/v1/webhook/noop', { auth: false, body: '{"after":true}', headers: { 'content-type': 'application/json' } });
    expect(after.status).toBe(200);
    await waitFor(() => bridge.bridge.core.inbox.status().state === 'recording', 20_000, 'recording back');
    expect((await inboxState())?.state).toBe('recording');
    // the state can turn back on an older batch's write; the new delivery follows within a group commit
    await waitFor(() => bridge.bridge.core.inbox.query({ q: '"after":true' }).items.length === 1, 20_000, 'the delivery sent after the space came back stored');
  });
});
