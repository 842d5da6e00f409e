import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Settings } from '../../electron/core/config/schema.js';
import { createInbox, type Inbox } from '../../electron/core/inbox/create-inbox.js';
import { DedupIndex, runsAgain, type DuplicateOf } from '../../electron/core/inbox/dedup.js';
import { IdGenerator, idTime } from '../../electron/core/inbox/ids.js';
import { toRow } from '../../electron/core/inbox/rows.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../electron/core/inbox/schema-sql.js';
import type { DeliveryRecord } from '../../electron/core/inbox/types.js';

const dirs: string[] = [];
const inboxes: Inbox[] = [];
afterEach(() => {
  for (const i of inboxes.splice(0)) i.dispose();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const SETTINGS: Settings['inbox'] = { enabled: true, max_deliveries: 10_000, max_bytes: 256 * 1024 * 1024, max_age_days: 30, redact_headers: [], dedup_window_seconds: 3600, max_attempts: 8, max_age_seconds: 86_400, retry_initial_ms: 1000, retry_max_ms: 300_000 };

function open(settings: Partial<Settings['inbox']> = {}, clock = { t: Date.now() }) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'wb-dedup-'));
  dirs.push(dataDir);
  const s = { ...SETTINGS, ...settings };
  const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const inbox = createInbox({ dataDir, settings: () => s, log, now: () => new Date(clock.t), pruneIntervalMs: 3_600_000 });
  inboxes.push(inbox);
  return { inbox, settings: s, clock, dataDir };
}

function record(inbox: Inbox, over: Partial<DeliveryRecord>): DeliveryRecord {
  const id = over.id ?? inbox.nextId();
  return {
    id, receivedMs: idTime(id), method: 'POST', path: '/api/v1/webhook/p', query: '', headers: [], body: Buffer.from('{}'), contentType: 'application/json',
    remoteAddress: null, plugin: 'p', interpreter: null, executorGeneration: null, executorPid: null, state: 'done', status: 200, durationMs: 1, response: null,
    error: null, signature: 'unknown', provider: 'github', event: 'push', providerDeliveryId: 'gh-1', attempt: 1, replayOf: null, nextAttemptMs: null,
    attempts: [], logs: [], ...over,
  };
}

describe('runsAgain: which repeats run', () => {
  const dup = (state: DuplicateOf['state'], status: number | null): DuplicateOf => ({ id: 'x', state, status, receivedMs: 0 });
  it('not while the original is queued or running, nor after a 2xx/3xx; again after a failure or dead', () => {
    expect(runsAgain(dup('queued', null))).toBe(false);
    expect(runsAgain(dup('running', null))).toBe(false);
    expect(runsAgain(dup('done', 200))).toBe(false);
    expect(runsAgain(dup('done', 204))).toBe(false);
    expect(runsAgain(dup('done', 302))).toBe(false);
    expect(runsAgain(dup('done', 400))).toBe(true);
    expect(runsAgain(dup('done', 500))).toBe(true);
    expect(runsAgain(dup('done', 503))).toBe(true);
    expect(runsAgain(dup('done', null))).toBe(true);
    expect(runsAgain(dup('dead', 500))).toBe(true);
  });
});

describe('inbox.findDuplicate (real SQLite)', () => {
  it('finds the newest delivery of the same plugin, provider and provider id within the window', () => {
    const { inbox } = open();
    const first = record(inbox, { status: 500 });
    const second = record(inbox, { status: 200 });
    inbox.record(first);
    inbox.record(second);
    inbox.record(record(inbox, { plugin: 'other', providerDeliveryId: 'gh-2' }));
    inbox.flush();
    expect(inbox.findDuplicate({ plugin: 'p', provider: 'github', providerDeliveryId: 'gh-1' })).toEqual({ id: second.id, state: 'done', status: 200, receivedMs: second.receivedMs });
    expect(inbox.findDuplicate({ plugin: 'other', provider: 'github', providerDeliveryId: 'gh-1' })).toBeNull();
    expect(inbox.findDuplicate({ plugin: 'p', provider: 'stripe', providerDeliveryId: 'gh-1' })).toBeNull();
    expect(inbox.findDuplicate({ plugin: 'p', provider: 'github', providerDeliveryId: 'gh-9' })).toBeNull();
  });

  it('forgets a delivery older than dedup_window_seconds, and finds nothing with 0 (off)', () => {
    const { inbox, settings, clock } = open({ dedup_window_seconds: 60 });
    inbox.record(record(inbox, {}));
    inbox.flush();
    const key = { plugin: 'p', provider: 'github', providerDeliveryId: 'gh-1' } as const;
    expect(inbox.findDuplicate(key)).not.toBeNull();
    clock.t += 59_000;
    expect(inbox.findDuplicate(key)).not.toBeNull();
    clock.t += 2_000;
    expect(inbox.findDuplicate(key)).toBeNull();
    clock.t -= 2_000;
    settings.dedup_window_seconds = 0;
    expect(inbox.findDuplicate(key)).toBeNull();
  });

  it('uses the dedup index (no table scan)', () => {
    const { inbox } = open();
    const db = new Database(inbox.file, { readonly: true });
    try {
      const plan = db.prepare('EXPLAIN QUERY PLAN SELECT id, state, status FROM deliveries WHERE plugin = ? AND provider = ? AND provider_delivery_id = ? AND id >= ? ORDER BY id DESC LIMIT 1').all('p', 'github', 'x', '0') as Array<{ detail: string }>;
      expect(plan.map((r) => r.detail).join('; ')).toMatch(/USING (COVERING )?INDEX deliveries_dedup/);
    } finally {
      db.close();
    }
  });

  it('migrates a version-1 database: its rows stay, the dedup index is added, the table becomes a rowid table', () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'wb-dedup-'));
    dirs.push(dataDir);
    mkdirSync(path.join(dataDir, 'inbox'));
    const file = path.join(dataDir, 'inbox', 'deliveries.db');
    const old = new Database(file);
    old.exec(MIGRATIONS[0] ?? '');
    old.pragma('user_version = 1');
    const ids = new IdGenerator(() => Date.now());
    const kept = Array.from({ length: 3 }, (_, i) => {
      const id = ids.next();
      return { ...record({ nextId: () => id } as Inbox, {}), providerDeliveryId: `old-${i}` };
    });
    // rows as schema 1 stored them: only its columns
    const v1 = (old.prepare("SELECT name FROM pragma_table_info('deliveries')").all() as Array<{ name: string }>).map((c) => c.name);
    const insert = old.prepare(`INSERT INTO deliveries (${v1.join(', ')}) VALUES (${v1.map((c) => `@${c}`).join(', ')})`);
    for (const r of kept) {
      const row = toRow(r) as unknown as Record<string, unknown>;
      insert.run(Object.fromEntries(v1.map((c) => [c, row[c]])));
    }
    old.close();
    const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const inbox = createInbox({ dataDir, settings: () => SETTINGS, log, now: () => new Date(), pruneIntervalMs: 3_600_000 });
    inboxes.push(inbox);
    for (const r of kept) expect(inbox.get(r.id).provider_delivery_id).toBe(r.providerDeliveryId);
    expect(inbox.findDuplicate({ plugin: 'p', provider: 'github', providerDeliveryId: 'old-2' })?.id).toBe(kept[2]?.id);
    inbox.record(record(inbox, {}));
    inbox.flush();
    expect(inbox.findDuplicate({ plugin: 'p', provider: 'github', providerDeliveryId: 'gh-1' })).not.toBeNull();
    expect(inbox.query({ limit: 10 }).items).toHaveLength(4);
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(2);
      expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'deliveries_dedup'").get()).toEqual({ name: 'deliveries_dedup' });
      // migration 4: a rowid table now (WITHOUT ROWID kept whole rows in the B-tree's interior pages)
      expect((db.prepare("SELECT sql FROM sqlite_master WHERE name = 'deliveries'").get() as { sql: string }).sql).not.toMatch(/WITHOUT ROWID/i);
      expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(4);
    } finally {
      db.close();
    }
  });
});

describe('DedupIndex: deliveries not yet committed', () => {
  it('answers from memory while the original runs and until its record is committed, then asks the store', () => {
    let stored: DuplicateOf | null = null;
    const asked: string[] = [];
    const idx = new DedupIndex({ lookup: (k) => { asked.push(k.providerDeliveryId); return stored; }, windowMs: () => 60_000, now: () => 1_000_000 });
    const key = { plugin: 'p', provider: 'github', providerDeliveryId: 'd' } as const;
    idx.started(key, 'id1', 999_000);
    expect(idx.find(key)).toMatchObject({ id: 'id1', state: 'running', status: null });
    idx.finished('id1', 201);
    expect(idx.find(key)).toMatchObject({ id: 'id1', state: 'done', status: 201 });
    expect(asked).toEqual([]);
    stored = { id: 'id1', state: 'done', status: 201, receivedMs: 999_000 };
    idx.committed(['id1']);
    expect(idx.size()).toBe(0);
    expect(idx.find(key)).toEqual(stored);
    expect(asked).toEqual(['d']);
  });

  it('runs a delivery whose store lookup throws (an unreadable store must not stop webhooks)', () => {
    const idx = new DedupIndex({ lookup: () => { throw new Error('SQLITE_CORRUPT'); }, windowMs: () => 60_000, now: () => 0 });
    expect(idx.find({ plugin: 'p', provider: 'github', providerDeliveryId: 'd' })).toBeNull();
  });
});
