// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from 'vitest';
import { setApi } from '../../renderer/src/api/runtime';
import { useConfig } from '../../renderer/src/stores/config';
import { useConnection } from '../../renderer/src/stores/connection';
import { useInterpreters } from '../../renderer/src/stores/interpreters';
import { useJobs } from '../../renderer/src/stores/jobs';
import { dispatchEvent, startLive } from '../../renderer/src/stores/live';
import { MAX_LOG_LINES, mergeLogs, useLogs } from '../../renderer/src/stores/logs';
import { useStream } from '../../renderer/src/stores/stream';
import { shouldAccept } from '../../renderer/src/stores/versioned';
import type { Job } from '../../shared/dto/jobs';
import { configView, connection, deferred, fakeApi, interpList, logEntry, type FakeApi } from './renderer-helpers';

let fake: FakeApi;

beforeEach(() => {
  fake = fakeApi();
  setApi(fake.api);
  useStream.setState({ state: 'connecting', epoch: 0 });
  useInterpreters.setState({ data: null, epoch: 0, loaded: false, loading: false, error: null, validations: {}, activation: null });
  useConnection.setState({ data: null, epoch: 0, loaded: false, loading: false, error: null });
  useConfig.setState({ data: null, epoch: 0, loaded: false, loading: false, error: null });
  useLogs.setState({ entries: [], lastSeq: 0, instance: null, loaded: false, loading: false, error: null });
  useJobs.setState({ jobs: {} });
});

describe('revision guard', () => {
  it('accepts newer or equal revisions within an epoch, and lets a newer epoch win', () => {
    const cur = { data: { revision: 5 }, epoch: 1 };
    expect(shouldAccept(cur, { revision: 6 }, 1)).toBe(true);
    expect(shouldAccept(cur, { revision: 5 }, 1)).toBe(true);
    expect(shouldAccept(cur, { revision: 4 }, 1)).toBe(false);
    expect(shouldAccept(cur, { revision: 0 }, 2)).toBe(true);
    expect(shouldAccept(cur, { revision: 99 }, 0)).toBe(false);
    expect(shouldAccept({ data: null, epoch: 3 }, { revision: 0 }, 0)).toBe(true);
  });
});

describe('stores ignore stale events', () => {
  it('interpreters: a late event never overwrites a newer list', () => {
    dispatchEvent({ name: 'interpretersChanged', payload: interpList(3, ['a', 'b']) });
    dispatchEvent({ name: 'interpretersChanged', payload: interpList(2, ['a']) });
    expect(useInterpreters.getState().data?.interpreters.map((i) => i.key)).toEqual(['a', 'b']);
    dispatchEvent({ name: 'interpretersChanged', payload: interpList(4, ['b']) });
    expect(useInterpreters.getState().data?.revision).toBe(4);
  });

  it('interpreters: a snapshot that answers after a newer event is dropped', async () => {
    const slow = deferred<unknown>();
    fake.on('listInterpreters', () => slow.promise);
    const loading = useInterpreters.getState().load();
    dispatchEvent({ name: 'interpretersChanged', payload: interpList(7, ['new']) });
    slow.resolve(interpList(6, ['old']));
    await loading;
    const s = useInterpreters.getState();
    expect(s.data?.revision).toBe(7);
    expect(s.data?.interpreters[0]?.key).toBe('new');
    expect(s.loaded).toBe(true);
  });

  it('connection: stale states are ignored, newer ones shown', () => {
    dispatchEvent({ name: 'connectionChanged', payload: connection(10, { state: 'connected' }) });
    dispatchEvent({ name: 'connectionChanged', payload: connection(9, { state: 'reconnecting' }) });
    expect(useConnection.getState().data?.state).toBe('connected');
    dispatchEvent({ name: 'connectionChanged', payload: connection(11, { state: 'failed', last_error: 'boom' }) });
    expect(useConnection.getState().data).toMatchObject({ state: 'failed', last_error: 'boom' });
  });

  it('config: an older view after a save does not undo the save', async () => {
    fake.on('updateConfig', () => configView(5, { values: [{ key: 'logging.level', value: 'debug', source: 'file' }] }));
    dispatchEvent({ name: 'configChanged', payload: configView(4) });
    expect(await useConfig.getState().update({ logging_level: 'debug' })).toBeNull();
    dispatchEvent({ name: 'configChanged', payload: configView(4) });
    expect(useConfig.getState().data?.revision).toBe(5);
  });

  it('jobs: keeps the newest revision of each job', () => {
    const job = (revision: number, phase: Job['phase']): Job => ({
      id: 'j1', revision, kind: 'install', interpreter: 'py', phase, percent: null, output: [], warnings: [], state: 'running', error: null, command: [], started_at: '2026-01-01T00:00:00Z', finished_at: null,
    });
    dispatchEvent({ name: 'jobUpdated', payload: job(3, 'installing') });
    dispatchEvent({ name: 'jobUpdated', payload: job(2, 'downloading') });
    expect(useJobs.getState().jobs['j1']?.phase).toBe('installing');
  });

  it('after the feed re-opens (new epoch), the new server wins even with lower revisions, and old-epoch answers lose', async () => {
    fake.on('listInterpreters', () => interpList(1, ['restarted']));
    fake.on('getLogs', () => ({ instance: 'run-1', entries: [], last_seq: 0 }));
    dispatchEvent({ name: 'interpretersChanged', payload: interpList(50, ['before']) });
    useInterpreters.setState({ loaded: true });
    const stop = startLive(fake.api);
    const sub = fake.subscriber();
    sub.onState('open'); // first open: same epoch
    expect(useStream.getState().epoch).toBe(0);
    sub.onState('offline');
    sub.onState('open'); // re-open: epoch 1, snapshots re-read
    expect(useStream.getState().epoch).toBe(1);
    await expect.poll(() => useInterpreters.getState().data?.interpreters[0]?.key).toBe('restarted');
    useInterpreters.getState().apply(interpList(60, ['late-from-old-server']), 0);
    expect(useInterpreters.getState().data?.interpreters[0]?.key).toBe('restarted');
    stop();
  });
});

describe('logs', () => {
  it('merges by seq without duplicates, in order, keeping the newest', () => {
    const a = mergeLogs([], [logEntry(1), logEntry(2)]);
    const b = mergeLogs(a, [logEntry(2), logEntry(4), logEntry(3)]);
    expect(b.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(mergeLogs(b, [logEntry(3)])).toBe(b);
    const many = Array.from({ length: MAX_LOG_LINES + 10 }, (_, i) => logEntry(i + 1));
    const trimmed = mergeLogs([], many);
    expect(trimmed).toHaveLength(MAX_LOG_LINES);
    expect(trimmed[0]?.seq).toBe(11);
  });

  it('appends live lines and ignores a repeated one', () => {
    dispatchEvent({ name: 'logAppended', payload: logEntry(5) });
    dispatchEvent({ name: 'logAppended', payload: logEntry(5, 'again') });
    dispatchEvent({ name: 'logAppended', payload: logEntry(6) });
    expect(useLogs.getState().entries.map((e) => e.message)).toEqual(['line 5', 'line 6']);
    expect(useLogs.getState().lastSeq).toBe(6);
  });

  it('a snapshot and events arriving in any order give one ordered list', async () => {
    const slow = deferred<unknown>();
    fake.on('getLogs', () => slow.promise);
    const loading = useLogs.getState().load();
    dispatchEvent({ name: 'logAppended', payload: logEntry(3) });
    slow.resolve({ instance: 'run-1', entries: [logEntry(1), logEntry(2), logEntry(3)], last_seq: 3 });
    await loading;
    expect(useLogs.getState().entries.map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('resume reads what was missed, and starts over when the server restarted', async () => {
    useLogs.setState({ entries: [logEntry(1), logEntry(2)], lastSeq: 2, instance: 'run-1', loaded: true });
    fake.on('getLogs', (input) => ((input as { since?: number }).since === 2 ? { instance: 'run-1', entries: [logEntry(3)], last_seq: 3 } : { instance: 'run-1', entries: [], last_seq: 0 }));
    await useLogs.getState().resume();
    expect(useLogs.getState().entries.map((e) => e.seq)).toEqual([1, 2, 3]);
    const fresh = logEntry(1, 'fresh', 'info', 'run-2');
    fake.on('getLogs', (input) => ((input as { since?: number }).since === 3 ? { instance: 'run-2', entries: [], last_seq: 1 } : { instance: 'run-2', entries: [fresh], last_seq: 1 }));
    await useLogs.getState().resume();
    expect(useLogs.getState().entries.map((e) => e.message)).toEqual(['fresh']);
  });

  it('starts over when a restarted server already logged past the old last seq (seq values collide)', async () => {
    useLogs.setState({ entries: [logEntry(1, 'old 1'), logEntry(2, 'old 2')], lastSeq: 2, instance: 'run-1', loaded: true });
    const run2 = [1, 2, 3, 4, 5].map((n) => logEntry(n, `new ${n}`, 'info', 'run-2'));
    fake.on('getLogs', (input) => {
      const since = (input as { since?: number }).since ?? 0;
      return { instance: 'run-2', entries: run2.filter((e) => e.seq > since), last_seq: 5 };
    });
    await useLogs.getState().resume();
    expect(useLogs.getState().entries.map((e) => e.message)).toEqual(['new 1', 'new 2', 'new 3', 'new 4', 'new 5']);
    expect(useLogs.getState()).toMatchObject({ lastSeq: 5, instance: 'run-2' });
  });

  it('a live line from a new server run replaces the old run and reads what the new run logged before it', async () => {
    useLogs.setState({ entries: [logEntry(1, 'old 1'), logEntry(2, 'old 2'), logEntry(3, 'old 3')], lastSeq: 3, instance: 'run-1', loaded: true });
    const run2 = [1, 2, 3].map((n) => logEntry(n, `new ${n}`, 'info', 'run-2'));
    fake.on('getLogs', () => ({ instance: 'run-2', entries: run2, last_seq: 3 }));
    dispatchEvent({ name: 'logAppended', payload: run2[2]! });
    expect(useLogs.getState().entries.map((e) => e.message)).toEqual(['new 3']);
    await expect.poll(() => useLogs.getState().entries.map((e) => e.message)).toEqual(['new 1', 'new 2', 'new 3']);
    expect(useLogs.getState().instance).toBe('run-2');
  });
});

describe('interpreter operations', () => {
  it('records validation reports and activation outcomes per interpreter', async () => {
    fake.on('validateInterpreter', () => ({ ok: true, checks: [{ check: 'exists', ok: true, level: 'info', message: 'ok' }], version: '3.11.2', implementation: 'cpython', packages: [], durationMs: 12 }));
    fake.on('activateInterpreter', () => Promise.reject(Object.assign(new Error('executor failed to start'), {})));
    await useInterpreters.getState().validate('py');
    expect(useInterpreters.getState().validations['py']).toMatchObject({ running: false, report: { ok: true } });
    await useInterpreters.getState().activate('py');
    expect(useInterpreters.getState().activation).toMatchObject({ name: 'py', running: false, result: null, error: { message: 'executor failed to start' } });
  });
});
