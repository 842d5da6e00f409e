/** The delivery store on real SQLite files in temp folders: ids, provider facts, queries, retention, unusable files, permissions, group commit. */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Value } from 'typebox/value';
import { DeliverySchema, DeliveryPageSchema } from '../../shared/dto/deliveries.js';
import { createInbox, type Inbox } from '../../electron/core/inbox/create-inbox.js';
import { idFloor, IdGenerator, idTime } from '../../electron/core/inbox/ids.js';
import { detectProvider } from '../../electron/core/inbox/provider.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../electron/core/inbox/schema-sql.js';
import type { DeliveryRecord } from '../../electron/core/inbox/types.js';
import type { Settings } from '../../electron/core/config/schema.js';

const dirs: string[] = [];
const inboxes: Inbox[] = [];
afterEach(() => {
  for (const i of inboxes.splice(0)) i.dispose();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function temp(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'wb-inbox-'));
  dirs.push(d);
  return d;
}

const SETTINGS: Settings['inbox'] = { enabled: true, max_deliveries: 10_000, max_bytes: 256 * 1024 * 1024, max_age_days: 30, redact_headers: ['Authorization', 'Cookie'], dedup_window_seconds: 86_400, max_attempts: 8, max_age_seconds: 86_400, retry_initial_ms: 1000, retry_max_ms: 300_000 };

function open(dataDir = temp(), settings: Partial<Settings['inbox']> = {}, now = () => new Date()) {
  const lines: string[] = [];
  const log = { info: (m: string) => lines.push(`info ${m}`), warn: (m: string) => lines.push(`warn ${m}`), error: (m: string) => lines.push(`error ${m}`) };
  const s = { ...SETTINGS, ...settings };
  const inbox = createInbox({ dataDir, settings: () => s, log, now, pruneIntervalMs: 3_600_000 });
  inboxes.push(inbox);
  return { inbox, lines, dataDir, settings: s };
}

function record(inbox: Inbox, over: Partial<DeliveryRecord> = {}): DeliveryRecord {
  const id = over.id ?? inbox.nextId();
  return {
    id, receivedMs: idTime(id), method: 'POST', path: '/api/v1/webhook/echo', query: '', headers: [['Content-Type', 'application/json']],
    body: Buffer.from('{"hello":"world"}'), contentType: 'application/json', remoteAddress: '127.0.0.1', plugin: 'echo', interpreter: 'sys',
    executorGeneration: 1, executorPid: 123, state: 'done', status: 200, durationMs: 3, response: { headers: [], body: Buffer.from('ok'), size: 2, contentType: 'text/plain' },
    error: null, signature: 'not_checked', provider: null, event: null, providerDeliveryId: null, attempt: 1, replayOf: null, nextAttemptMs: null,
    attempts: [], logs: [], series: null, ...over,
  };
}

describe('ids', () => {
  it('sort by time and stay increasing within one millisecond and when the clock steps back', () => {
    let t = 1_700_000_000_000;
    const gen = new IdGenerator(() => t);
    const ids = [gen.next(), gen.next(), gen.next()];
    t -= 5;
    ids.push(gen.next());
    t += 100;
    ids.push(gen.next());
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(idTime(ids[4] ?? '')).toBe(t);
    expect(idFloor(t) <= (ids[4] ?? '')).toBe(true);
    for (const id of ids) expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
  });
});

describe('provider detection', () => {
  const b = (o: unknown): Buffer => Buffer.from(JSON.stringify(o));
  it('reads GitHub, GitLab, Stripe, Slack, Standard Webhooks and Shopify', () => {
    expect(detectProvider([['X-GitHub-Event', 'push'], ['X-GitHub-Delivery', 'abc']], Buffer.alloc(0))).toEqual({ provider: 'github', event: 'push', deliveryId: 'abc' });
    expect(detectProvider([['X-Gitlab-Event', 'Push Hook'], ['X-Gitlab-Event-UUID', 'u-1']], Buffer.alloc(0))).toEqual({ provider: 'gitlab', event: 'Push Hook', deliveryId: 'u-1' });
    expect(detectProvider([['Stripe-Signature', 't=1,v1=x']], b({ id: 'evt_1', type: 'charge.succeeded' }))).toEqual({ provider: 'stripe', event: 'charge.succeeded', deliveryId: 'evt_1' });
    expect(detectProvider([['Stripe-Signature', 't=1,v1=x']], Buffer.from('not json'))).toEqual({ provider: 'stripe', event: null, deliveryId: null });
    expect(detectProvider([['X-Slack-Retry-Num', '1'], ['X-Slack-Signature', 'v0=x']], b({ event_id: 'Ev1', event: { type: 'app_mention' } }))).toEqual({ provider: 'slack', event: 'app_mention', deliveryId: 'Ev1' });
    expect(detectProvider([['webhook-id', 'msg_1']], Buffer.alloc(0))).toEqual({ provider: 'standard-webhooks', event: null, deliveryId: 'msg_1' });
    expect(detectProvider([['X-Shopify-Topic', 'orders/create'], ['X-Shopify-Webhook-Id', 'sh-1']], Buffer.alloc(0))).toEqual({ provider: 'shopify', event: 'orders/create', deliveryId: 'sh-1' });
    expect(detectProvider([['Content-Type', 'application/json']], b({ id: 'x' }))).toEqual({ provider: null, event: null, deliveryId: null });
  });
});

describe('the store', () => {
  it('makes the file 0600 in WAL mode at the current schema version', () => {
    const { inbox } = open();
    inbox.record(record(inbox));
    inbox.flush();
    expect(statSync(inbox.file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(inbox.file)).mode & 0o777).toBe(0o700);
    const wal = `${inbox.file}-wal`;
    expect(existsSync(wal)).toBe(true);
    expect(statSync(wal).mode & 0o777).toBe(0o600);
    const db = new Database(inbox.file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    db.close();
  });

  it('migrates a version-1 database, keeping its rows (sync deliveries: no series)', () => {
    const dataDir = temp();
    mkdirSync(path.join(dataDir, 'inbox'), { recursive: true });
    const v1 = new Database(path.join(dataDir, 'inbox', 'deliveries.db'));
    v1.exec(MIGRATIONS[0] ?? '');
    v1.pragma('user_version = 1');
    v1.prepare("INSERT INTO deliveries (id, received_ms, method, path, query, headers, body, plugin, state, signature, attempt, attempts, logs, search, bytes) VALUES ('01JD0000000000000000000000', 1, 'POST', '/x', '', '[]', x'', 'echo', 'done', 'unknown', 1, '[]', '[]', '', 1)").run();
    v1.close();
    const { inbox } = open(dataDir);
    expect(inbox.get('01JD0000000000000000000000').state).toBe('done');
    const queued = record(inbox, { state: 'queued', series: { sinceMs: 5, fromAttempt: 2 } });
    inbox.writeNow(queued);
    expect(inbox.load(queued.id)?.series).toEqual({ sinceMs: 5, fromAttempt: 2 });
    expect(inbox.load('01JD0000000000000000000000')?.series).toBeNull();
  });

  it('gives back a whole delivery: header repeats, binary bodies, and a schema-valid DTO', () => {
    const { inbox } = open();
    const r = record(inbox, { headers: [['X-Tag', 'a'], ['X-Tag', 'b']], body: Buffer.from([0xff, 0x00, 0x01]), logs: [{ attempt: 1, level: 'INFO', message: 'hi', at_ms: 1 }] });
    inbox.record(r);
    inbox.flush();
    const d = inbox.get(r.id);
    expect(Value.Errors(DeliverySchema, d)).toEqual([]);
    expect(d.request.headers).toEqual([['X-Tag', 'a'], ['X-Tag', 'b']]);
    expect(d.request.body).toEqual({ encoding: 'base64', data: Buffer.from([0xff, 0x00, 0x01]).toString('base64'), size: 3, truncated: false });
    expect(d.response?.body).toEqual({ encoding: 'utf8', data: 'ok', size: 2, truncated: false });
    expect(d.logs).toEqual([{ attempt: 1, level: 'INFO', message: 'hi', at_ms: 1 }]);
    expect(() => inbox.get(inbox.nextId())).toThrow(/no delivery/);
  });

  it('filters by plugin, status class, provider/event, text and time, newest first, with a cursor', () => {
    let t = Date.parse('2026-01-01T00:00:00Z');
    const { inbox } = open(temp(), {}, () => new Date(t));
    const made: DeliveryRecord[] = [];
    for (let i = 0; i < 25; i++) {
      const r = record(inbox, {
        plugin: i % 2 ? 'odd' : 'even',
        status: i % 5 === 0 ? 500 : 200,
        provider: i === 3 ? 'github' : null,
        event: i === 3 ? 'push' : null,
        body: Buffer.from(i === 7 ? '{"needle":"Findme"}' : '{}'),
        ...(i === 9 ? { status: 503, response: null, error: { code: 'UNAVAILABLE', message: 'down' } } : {}),
      });
      made.push(r);
      inbox.record(r);
    }
    inbox.flush();
    t += 1;
    const all = made.map((r) => r.id).reverse();
    const page1 = inbox.query({ limit: 10 });
    expect(Value.Check(DeliveryPageSchema, page1)).toBe(true);
    expect(page1.items.map((i) => i.id)).toEqual(all.slice(0, 10));
    const page2 = inbox.query({ limit: 10, cursor: page1.next_cursor ?? '' });
    const page3 = inbox.query({ limit: 10, cursor: page2.next_cursor ?? '' });
    expect([...page1.items, ...page2.items, ...page3.items].map((i) => i.id)).toEqual(all);
    expect(page3.next_cursor).toBeNull();
    expect(inbox.query({ plugin: 'odd' }).items).toHaveLength(12);
    expect(inbox.query({ status: '5xx' }).items).toHaveLength(6);
    expect(inbox.query({ status: 'error' }).items.map((i) => i.error)).toEqual(['down']);
    expect(inbox.query({ provider: 'github', event: 'push' }).items.map((i) => i.id)).toEqual([made[3]?.id]);
    expect(inbox.query({ q: 'findME' }).items.map((i) => i.id)).toEqual([made[7]?.id]);
    expect(inbox.query({ q: "'; DROP TABLE deliveries; --" }).items).toEqual([]);
    expect(inbox.query({ since: new Date(idTime(made[20]?.id ?? '')).toISOString() }).items.length).toBeGreaterThanOrEqual(5);
    expect(inbox.query({ until: '2000-01-01T00:00:00Z' }).items).toEqual([]);
    expect(() => inbox.query({ cursor: 'garbage' })).toThrow(/cursor/);
    expect(inbox.delete({ plugin: 'even' })).toEqual({ deleted: 13 });
    expect(inbox.query({}).items).toHaveLength(12);
  });
});

describe('retention', () => {
  it('prunes by count, then by bytes, then by age, in bounded steps, never a queued delivery', () => {
    let t = Date.parse('2026-03-01T00:00:00Z');
    const { inbox, settings } = open(temp(), { max_deliveries: 50 }, () => new Date(t));
    const queued = record(inbox, { state: 'queued', status: null, response: null });
    inbox.record(queued);
    for (let i = 0; i < 120; i++) inbox.record(record(inbox));
    inbox.flush();
    expect(inbox.prune()).toBe(71);
    const left = inbox.query({ limit: 500 }).items;
    expect(left).toHaveLength(50);
    expect(left.map((i) => i.id)).toContain(queued.id);

    settings.max_deliveries = 10_000;
    settings.max_bytes = 1024 * 1024;
    for (let i = 0; i < 10; i++) inbox.record(record(inbox, { body: Buffer.alloc(200 * 1024, 0x61) }));
    inbox.flush();
    inbox.prune();
    const sizes = inbox.query({ limit: 500 }).items.map((i) => i.request_size);
    expect(sizes.reduce((a, n) => a + n, 0)).toBeLessThanOrEqual(1024 * 1024);
    expect(sizes.filter((n) => n > 1000).length).toBeGreaterThan(0);

    settings.max_age_days = 1;
    t += 2 * 86_400_000;
    const fresh = record(inbox, { id: new IdGenerator(() => t).next() });
    inbox.record(fresh);
    inbox.flush();
    inbox.prune();
    expect(inbox.query({ limit: 500 }).items.map((i) => i.id).sort()).toEqual([queued.id, fresh.id].sort());
  });
});

describe('an unusable database file', () => {
  it('a corrupt one is moved aside with a timestamp and a new one started', () => {
    const dataDir = temp();
    mkdirSync(path.join(dataDir, 'inbox'), { recursive: true });
    writeFileSync(path.join(dataDir, 'inbox', 'deliveries.db'), Buffer.alloc(8192, 0x5a));
    const { inbox, lines } = open(dataDir);
    expect(inbox.status().state).toBe('recording');
    const aside = readdirSync(path.join(dataDir, 'inbox')).filter((f) => f.startsWith('deliveries.db.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(lines.join('\n')).toMatch(/cannot be used \(it is corrupt.*moved it to .*deliveries\.db\.corrupt-/);
    inbox.record(record(inbox));
    inbox.flush();
    expect(inbox.query({}).items).toHaveLength(1);
  });

  it('one from a newer schema version is moved aside, not altered', () => {
    const dataDir = temp();
    mkdirSync(path.join(dataDir, 'inbox'), { recursive: true });
    const file = path.join(dataDir, 'inbox', 'deliveries.db');
    const db = new Database(file);
    db.exec('CREATE TABLE future (x)');
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const { inbox, lines } = open(dataDir);
    const aside = readdirSync(path.join(dataDir, 'inbox')).filter((f) => f.startsWith('deliveries.db.newer-') && !f.endsWith('-wal') && !f.endsWith('-shm'));
    expect(aside).toHaveLength(1);
    expect(lines.join('\n')).toContain(`newer version of the app: its schema version ${SCHEMA_VERSION + 1} is newer than this app's (${SCHEMA_VERSION})`);
    const old = new Database(path.join(dataDir, 'inbox', aside[0] ?? ''), { readonly: true });
    expect(old.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1);
    old.close();
    expect(inbox.query({}).items).toEqual([]);
  });

  it('a folder that cannot hold it leaves recording failing with the reason, and queries answer 503', () => {
    const dataDir = temp();
    writeFileSync(path.join(dataDir, 'inbox'), 'a file where the folder should be');
    const { inbox, lines } = open(dataDir);
    expect(inbox.status()).toMatchObject({ state: 'failing', error: expect.stringMatching(/cannot open/) });
    expect(lines.join('\n')).toMatch(/webhooks are still served/);
    expect(() => inbox.query({})).toThrow(/not available/);
    inbox.record(record(inbox));
    inbox.flush();
    expect(inbox.status()).toMatchObject({ state: 'failing', dropped: 1 });
  });
});

describe('group commit', () => {
  it('writes many records in few transactions, and `enabled: false` says off', () => {
    const { inbox, settings } = open();
    for (let i = 0; i < 600; i++) inbox.record(record(inbox));
    inbox.flush();
    const c = inbox.counters();
    expect(c.rows).toBe(600);
    expect(c.transactions).toBeLessThanOrEqual(3);
    settings.enabled = false;
    expect(inbox.status().state).toBe('off');
  });
});
