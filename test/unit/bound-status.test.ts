/**
 * `boundViews` (ConnectionStatus.bound): which interpreters are listed (bound ones other than the
 * running one, and any pool still running), and the state each one shows.
 */
import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../../electron/core/config/effective.js';
import type { Settings } from '../../electron/core/config/schema.js';
import type { BackendSnapshot } from '../../electron/core/executor/backend.js';
import { boundViews, type BoundStop, type BoundViewInput } from '../../electron/core/executor/bound-status.js';
import type { ConnectionState } from '../../shared/dto/connection.js';

function settings(bindings: Record<string, string>, mode: 'spawn' | 'external' = 'spawn'): Settings {
  const s = resolveSettings({ executor: { mode }, python: { interpreters: { system: { path: '/usr/bin/python3' }, venv: { path: '/v/bin/python' }, ml: { path: '/ml/bin/python' } } } }, {}).settings;
  s.plugins.settings = Object.fromEntries(Object.entries(bindings).map(([plugin, interpreter]) => [plugin, { interpreter }]));
  return s;
}

function snapshot(state: ConnectionState, lastError: string | null = null): BackendSnapshot {
  const processes = state === 'connected' ? [{ index: 0, pid: 7001, generation: 1, state: 'serving' as const, in_flight: 1, restarts: 0, started_at: null, last_error: null }] : [];
  return { state, mode: 'spawn', current: undefined, target: { key: 'venv', name: 'venv', path: '/v/bin/python', venv_path: null, use_uv: false, required_packages: [], environment: {} }, restarts: 0, lastError, failureTail: [], switchingTo: null, pool: { size: 1, processes } };
}

const input = (over: Partial<BoundViewInput>): BoundViewInput => ({ settings: settings({}), activeKey: 'system', running: [], lastUse: new Map(), stops: new Map(), problem: () => null, ...over });

describe('boundViews', () => {
  it('lists each bound interpreter but the running one, with its sorted plugins, as not started', () => {
    const views = boundViews(input({ settings: settings({ score: 'venv', ml: 'venv', plain: 'system' }) }));
    expect(views).toHaveLength(1);
    expect(views[0]).toMatchObject({ interpreter: 'venv', interpreter_path: '/v/bin/python', plugins: ['ml', 'score'], state: 'stopped', pool: { size: 0, serving: 0, processes: [] }, last_used: null, stopped_at: null });
    expect(views[0]?.stop_reason).toContain('not started yet');
  });

  it.each<[ConnectionState, string]>([
    ['connecting', 'starting'],
    ['connected', 'serving'],
    ['reconnecting', 'failing'],
    ['failed', 'failing'],
  ])('shows a running pool in %s as %s, with its processes and last use', (state, shown) => {
    const used = new Date('2026-11-30T12:00:00Z');
    const [v] = boundViews(input({ settings: settings({ ml: 'venv' }), running: [{ key: 'venv', snapshot: snapshot(state, state === 'failed' ? 'gave up' : null), inFlight: 2 }], lastUse: new Map([['venv', used]]) }));
    expect(v).toMatchObject({ interpreter: 'venv', state: shown, in_flight: 2, last_used: used.toISOString(), stop_reason: null });
    expect(v?.pool.serving).toBe(state === 'connected' ? 1 : 0);
    if (state === 'failed') expect(v?.last_error).toBe('gave up');
  });

  it('tells an idle stop from another stop, and a broken interpreter as failing', () => {
    const at = new Date('2026-11-30T12:05:00Z');
    const stops = new Map<string, BoundStop>([
      ['venv', { at, reason: 'idle for 300 s (executor.bound_idle_seconds)', idle: true }],
      ['ml', { at, reason: 'its interpreter entry or the executor settings changed', idle: false }],
    ]);
    const views = boundViews(input({ settings: settings({ a: 'venv', b: 'ml', c: 'gone' }), stops, problem: (k) => (k === 'gone' ? "interpreter 'gone' is not configured" : null) }));
    expect(views.map((v) => [v.interpreter, v.state, v.stopped_at])).toEqual([
      ['gone', 'failing', null],
      ['ml', 'stopped', at.toISOString()],
      ['venv', 'idle-stopped', at.toISOString()],
    ]);
    expect(views[0]?.last_error).toContain("'gone'");
  });

  it('keeps showing a pool still running for the interpreter that became the active one, or for a replay', () => {
    const views = boundViews(input({ settings: settings({ ml: 'venv' }), activeKey: 'venv', running: [{ key: 'venv', snapshot: snapshot('connected'), inFlight: 0 }] }));
    expect(views.map((v) => [v.interpreter, v.state, v.plugins])).toEqual([['venv', 'serving', ['ml']]]);
    const replay = boundViews(input({ running: [{ key: 'venv', snapshot: snapshot('connected'), inFlight: 0 }] }));
    expect(replay.map((v) => [v.interpreter, v.plugins])).toEqual([['venv', []]]);
  });

  it('lists nothing in external mode', () => {
    expect(boundViews(input({ settings: settings({ ml: 'venv' }, 'external') }))).toEqual([]);
  });
});
