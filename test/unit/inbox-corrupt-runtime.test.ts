/**
 * A delivery database that turns corrupt while the app uses it (the file overwritten under a
 * running store): the failing write or read moves it aside with a logged message, a new database
 * is started, and the records being written land in the new one (none dropped). Real SQLite files;
 * the store's page cache is made tiny so every read reaches the damaged file at once (in real use
 * a large database misses the cache the same way).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Settings } from '../../electron/core/config/schema.js';
import { createInbox, type Inbox } from '../../electron/core/inbox/create-inbox.js';
import { idTime } from '../../electron/core/inbox/ids.js';
import type { DeliveryRecord } from '../../electron/core/inbox/types.js';

const dirs: string[] = [];
const inboxes: Inbox[] = [];
afterEach(() => {
  for (const i of inboxes.splice(0)) i.dispose();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const SETTINGS: Settings['inbox'] = { enabled: true, max_deliveries: 100_000, max_bytes: 1024 ** 3, max_age_days: 30, redact_headers: [], dedup_window_seconds: 3600, max_attempts: 8, max_age_seconds: 86_400, retry_initial_ms: 1000, retry_max_ms: 300_000 };

function open() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'wb-corrupt-'));
  dirs.push(dataDir);
  const lines: string[] = [];
  const log = { info: (m: string) => lines.push(`info ${m}`), warn: (m: string) => lines.push(`warn ${m}`), error: (m: string) => lines.push(`error ${m}`) };
  const inbox = createInbox({ dataDir, settings: () => SETTINGS, log, now: () => new Date(), pruneIntervalMs: 3_600_000, cachePages: 8 });
  inboxes.push(inbox);
  return { inbox, lines, dataDir };
}

function record(inbox: Inbox, tag: string): DeliveryRecord {
  const id = inbox.nextId();
  return {
    id, receivedMs: idTime(id), method: 'POST', path: `/api/v1/webhook/${tag}`, query: '', headers: [], body: Buffer.alloc(2000, 97), contentType: null,
    remoteAddress: null, plugin: tag, interpreter: null, executorGeneration: null, executorPid: null, state: 'done', status: 200, durationMs: 1, response: null,
    error: null, signature: 'unknown', provider: null, event: null, providerDeliveryId: null, attempt: 1, replayOf: null, nextAttemptMs: null, attempts: [], logs: [],
  };
}

/** 2,000 deliveries, then every page of the database file overwritten with random bytes (the open connection keeps running). */
function fillAndCorrupt(inbox: Inbox): void {
  for (let b = 0; b < 4; b++) {
    for (let i = 0; i < 500; i++) inbox.record(record(inbox, 'old'));
    inbox.flush();
  }
  expect(inbox.query({ plugin: 'old', limit: 1 }).items).toHaveLength(1);
  const size = statSync(inbox.file).size;
  const fd = openSync(inbox.file, 'r+');
  try {
    for (let off = 0; off < size; off += 4096) writeSync(fd, randomBytes(4096), 0, 4096, off);
  } finally {
    closeSync(fd);
  }
}

const aside = (dataDir: string): string[] => readdirSync(path.join(dataDir, 'inbox')).filter((f) => /^deliveries\.db\.corrupt-[^.]+$/.test(f) && !f.endsWith('-wal') && !f.endsWith('-shm'));

describe('a database that turns corrupt at run time', () => {
  it('on a write: moved aside with a logged message, a new one started, and the batch being written kept', () => {
    const { inbox, lines, dataDir } = open();
    fillAndCorrupt(inbox);
    const batch = [record(inbox, 'new'), record(inbox, 'new'), record(inbox, 'new')];
    for (const r of batch) inbox.record(r);
    inbox.flush();
    expect(inbox.status()).toMatchObject({ state: 'recording', error: null, dropped: 0 });
    expect(aside(dataDir)).toHaveLength(1);
    const message = lines.find((l) => l.includes('became corrupt while in use'));
    expect(message).toMatch(/^error inbox: the delivery database .*deliveries\.db became corrupt while in use \(.*malformed.*\); moved it to .*deliveries\.db\.corrupt-/);
    for (const r of batch) expect(inbox.get(r.id).plugin).toBe('new');
    // the new database holds what came after, and keeps recording
    expect(inbox.query({ limit: 100 }).items.map((d) => d.plugin)).toEqual(['new', 'new', 'new']);
    const later = record(inbox, 'later');
    inbox.record(later);
    inbox.flush();
    expect(inbox.get(later.id).plugin).toBe('later');
    expect(aside(dataDir)).toHaveLength(1);
  });

  it('on a read: moved aside, the read answered from the new (empty) database instead of failing, recording goes on', () => {
    const { inbox, lines, dataDir } = open();
    fillAndCorrupt(inbox);
    expect(inbox.query({ q: 'anything', limit: 10 }).items).toEqual([]);
    expect(aside(dataDir)).toHaveLength(1);
    expect(lines.filter((l) => l.includes('became corrupt while in use'))).toHaveLength(1);
    const r = record(inbox, 'after');
    inbox.record(r);
    inbox.flush();
    expect(inbox.get(r.id).plugin).toBe('after');
    expect(inbox.status().state).toBe('recording');
  });
});

describe('the inbox status (the Connection page shows it)', () => {
  it('names the database file, its size on disk, and the deliveries retention last counted', () => {
    const { inbox } = open();
    expect(inbox.status()).toMatchObject({ state: 'recording', file: inbox.file, deliveries: null });
    for (let i = 0; i < 3; i++) inbox.record(record(inbox, 'p'));
    inbox.flush();
    inbox.prune();
    const s = inbox.status();
    expect(s.deliveries).toBe(3);
    expect(s.size_bytes).toBeGreaterThan(3 * 2000);
  });
});
