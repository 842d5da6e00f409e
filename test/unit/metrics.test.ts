/**
 * The metrics wing on its own: a real CallSignals and a real prom-client Registry, read back
 * through the strict exposition parser (test/helpers/prom-text.ts), which is checked first.
 */
import { describe, expect, it } from 'vitest';
import type { BoundExecutor, ConnectionStatus } from '../../shared/dto/connection.js';
import { CallSignals } from '../../electron/core/executor/call-signals.js';
import { createMetrics, OTHER_PLUGINS, statusClass, UNKNOWN_PLUGIN } from '../../electron/core/metrics/metrics.js';
import { histogramSeries, parsePrometheusText, sampleValue } from '../helpers/prom-text.js';

describe('the strict Prometheus text parser', () => {
  it('reads families, labels with escapes, special values and histograms', () => {
    const text = [
      '# HELP a_total things',
      '# TYPE a_total counter',
      'a_total{x="q\\"uo\\\\te",y="line\\nbreak"} 3',
      'a_total{x="b",y=""} 1e3 1700000000000',
      '# TYPE h histogram',
      'h_bucket{le="0.1"} 1',
      'h_bucket{le="1"} 2',
      'h_bucket{le="+Inf"} 2',
      'h_sum 0.5',
      'h_count 2',
      'bare NaN',
      '',
    ].join('\n');
    const f = parsePrometheusText(text);
    expect(f.get('a_total')?.type).toBe('counter');
    expect(sampleValue(f, 'a_total', { x: 'q"uo\\te', y: 'line\nbreak' })).toBe(3);
    expect(sampleValue(f, 'a_total', { x: 'b', y: '' })).toBe(1000);
    expect(histogramSeries(f.get('h')!)).toEqual([{ labels: {}, buckets: [[0.1, 1], [1, 2], [Infinity, 2]], sum: 0.5, count: 2 }]);
    expect(f.get('bare')?.type).toBe('untyped');
  });

  it.each([
    ['a 1', 'does not end with a line feed'],
    ['a{x="1" 2\n', "expected ',' or '}'"],
    ['a{x=1} 2\n', 'not quoted'],
    ['a{x="\\t"} 2\n', 'bad escape'],
    ['a{x="1",x="2"} 2\n', 'repeated'],
    ['a one\n', 'not a number'],
    ['a 1 2 3\n', 'trailing text'],
    ['a 1\na 2\n', 'repeated'],
    ['9a 1\n', 'bad metric name'],
    ['{x="1"} 1\n', 'not a sample'],
    ['# TYPE a counter\na 1\n# TYPE b gauge\nb 1\na 2\n', 'outside its family'],
    ['# TYPE a counter\na 1\n# TYPE b gauge\nb 1\n# TYPE a counter\n', 'appears twice'],
    ['# TYPE a counter\na 1\n# TYPE a gauge\n', 'after its samples'],
    ['# TYPE a counter\n# TYPE a gauge\na 1\n', 'repeated'],
    ['# TYPE a wobbly\n', 'unknown type'],
    ['# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="0.5"} 3\nh_bucket{le="+Inf"} 3\nh_sum 1\nh_count 3\n', 'not increasing'],
    ['# TYPE h histogram\nh_bucket{le="0.5"} 3\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 3\nh_sum 1\nh_count 3\n', 'not cumulative'],
    ['# TYPE h histogram\nh_bucket{le="1"} 2\nh_sum 1\nh_count 2\n', 'no +Inf bucket'],
    ['# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 3\n', 'differs from _count'],
    ['# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_count 2\n', '_sum or _count missing'],
  ])('refuses %j', (text, message) => {
    expect(() => parsePrometheusText(text)).toThrow(message);
  });
});

/** The labels of the active pool's series (interpreter 'system'). */
const A = { interpreter: 'system', pool: 'active' };

function status(over: Partial<ConnectionStatus> = {}): ConnectionStatus {
  return {
    revision: 1, state: 'connected', mode: 'spawn', interpreter: 'system', interpreter_path: '/usr/bin/python3', pid: 4242, generation: 3, address: 'unix:/x', started_at: null, uptime_s: 1,
    restarts: 2, last_error: null, stderr_tail: [], health_latency_ms: null, switching_to: null, requests: { total: 0, failed: 0, in_flight: 1, p50_ms: null, p99_ms: null },
    pool: { size: 1, serving: 1, processes: [{ index: 0, pid: 4242, generation: 3, state: 'serving', in_flight: 1, restarts: 2, started_at: null, last_error: null }] },
    bound: [],
    ...over,
  };
}

describe('createMetrics', () => {
  it('counts calls by plugin and status class, times them, and reads in-flight and waiting calls', async () => {
    const signals = new CallSignals();
    let s = status();
    const m = createMetrics({ signals, status: () => s });
    signals.callStarted();
    signals.callStarted();
    signals.leased();
    let f = parsePrometheusText(await m.render());
    expect(sampleValue(f, 'webhook_bridge_webhooks_in_flight')).toBe(2);
    expect(sampleValue(f, 'webhook_bridge_webhooks_waiting')).toBe(1);
    signals.leased();
    signals.callFinished({ plugin: 'a', status: 200, durationMs: 0.7, knownPlugin: true });
    signals.callFinished({ plugin: 'a', status: 503, durationMs: 2_000, knownPlugin: true });
    signals.callStarted();
    signals.leased();
    signals.callFinished({ plugin: 'nope', status: 404, durationMs: 1, knownPlugin: false });
    signals.switchFinished({ to: 'venv', durationMs: 300, outcome: 'switched' });
    signals.switchFinished({ to: 'broken', durationMs: 3_000, outcome: 'failed' });
    s = status({
      restarts: 3,
      pool: {
        size: 2,
        serving: 1,
        processes: [
          { index: 0, pid: null, generation: 4, state: 'restarting', in_flight: 0, restarts: 3, started_at: null, last_error: 'killed' },
          { index: 1, pid: 4343, generation: 5, state: 'serving', in_flight: 2, restarts: 0, started_at: null, last_error: null },
        ],
      },
    });
    f = parsePrometheusText(await m.render());
    expect(f.get('webhook_bridge_webhooks_total')?.type).toBe('counter');
    expect(sampleValue(f, 'webhook_bridge_webhooks_total', { plugin: 'a', status_class: '2xx' })).toBe(1);
    expect(sampleValue(f, 'webhook_bridge_webhooks_total', { plugin: 'a', status_class: '5xx' })).toBe(1);
    expect(sampleValue(f, 'webhook_bridge_webhooks_total', { plugin: UNKNOWN_PLUGIN, status_class: '4xx' })).toBe(1);
    expect(sampleValue(f, 'webhook_bridge_webhooks_in_flight')).toBe(0);
    expect(sampleValue(f, 'webhook_bridge_webhooks_waiting')).toBe(0);
    const [a] = histogramSeries(f.get('webhook_bridge_webhook_duration_seconds')!).filter((h) => h.labels['plugin'] === 'a');
    expect(a?.count).toBe(2);
    expect(a?.sum).toBeCloseTo(2.0007, 6);
    expect(a?.buckets.find(([le]) => le === 0.001)?.[1]).toBe(1);
    const sw = histogramSeries(f.get('webhook_bridge_executor_switch_duration_seconds')!);
    expect(sw.map((h) => [h.labels['outcome'], h.count])).toEqual([['switched', 1], ['failed', 1]]);
    expect(sampleValue(f, 'webhook_bridge_executor_state', { state: 'connected' })).toBe(1);
    expect(sampleValue(f, 'webhook_bridge_executor_state', { state: 'reconnecting' })).toBe(0);
    expect(sampleValue(f, 'webhook_bridge_executor_restarts_total')).toBe(3);
    expect(sampleValue(f, 'webhook_bridge_executor_pool_processes', { ...A, state: 'serving' })).toBe(1);
    expect(sampleValue(f, 'webhook_bridge_executor_pool_processes', { ...A, state: 'restarting' })).toBe(1);
    expect(sampleValue(f, 'webhook_bridge_executor_pool_processes', { ...A, state: 'failed' })).toBe(0);
    expect(sampleValue(f, 'webhook_bridge_executor_process_state', { ...A, process: '0', state: 'restarting' })).toBe(1);
    expect(sampleValue(f, 'webhook_bridge_executor_process_state', { ...A, process: '0', state: 'serving' })).toBe(0);
    expect(sampleValue(f, 'webhook_bridge_executor_process_state', { ...A, process: '1', state: 'serving' })).toBe(1);
    expect(sampleValue(f, 'webhook_bridge_executor_process_pid', { ...A, process: '0' })).toBeUndefined();
    expect(sampleValue(f, 'webhook_bridge_executor_process_pid', { ...A, process: '1' })).toBe(4343);
    expect(sampleValue(f, 'webhook_bridge_executor_process_restarts_total', { ...A, process: '0' })).toBe(3);
    expect(sampleValue(f, 'webhook_bridge_executor_process_in_flight', { ...A, process: '1' })).toBe(2);

    s = status({ mode: 'external', state: 'reconnecting', pool: { size: 0, serving: 0, processes: [] } });
    f = parsePrometheusText(await m.render());
    expect(sampleValue(f, 'webhook_bridge_executor_state', { state: 'reconnecting' })).toBe(1);
    expect(f.get('webhook_bridge_executor_process_state')?.samples).toEqual([]);
    m.dispose();
  });

  it('labels each process by interpreter and pool, so bound pools are told from the active one', async () => {
    const signals = new CallSignals();
    const proc = { generation: 1, restarts: 0, started_at: null, last_error: null };
    const bound = (over: Partial<BoundExecutor>): BoundExecutor => ({
      interpreter: 'venv', interpreter_path: '/v/bin/python', plugins: ['ml'], state: 'serving', pool: { size: 0, serving: 0, processes: [] },
      in_flight: 0, last_used: null, stopped_at: null, stop_reason: null, last_error: null, ...over,
    });
    let s = status({
      bound: [
        bound({ state: 'serving', last_used: '2026-11-30T12:00:00.000Z', pool: { size: 2, serving: 1, processes: [{ ...proc, index: 0, pid: 7001, state: 'serving', in_flight: 3, restarts: 1 }, { ...proc, index: 1, pid: null, state: 'restarting', in_flight: 0 }] } }),
        bound({ interpreter: 'old', plugins: ['legacy'], state: 'idle-stopped', stopped_at: '2026-11-30T11:00:00.000Z', stop_reason: 'idle for 300 s' }),
      ],
    });
    const m = createMetrics({ signals, status: () => s });
    let f = parsePrometheusText(await m.render());
    const V = { interpreter: 'venv', pool: 'bound' };
    // the active pool's process 0 and the bound pool's process 0 are two series
    expect(sampleValue(f, 'webhook_bridge_executor_process_pid', { ...A, process: '0' })).toBe(4242);
    expect(sampleValue(f, 'webhook_bridge_executor_process_pid', { ...V, process: '0' })).toBe(7001);
    expect(sampleValue(f, 'webhook_bridge_executor_process_pid', { ...V, process: '1' })).toBeUndefined();
    expect(sampleValue(f, 'webhook_bridge_executor_process_state', { ...V, process: '1', state: 'restarting' })).toBe(1);
    expect(sampleValue(f, 'webhook_bridge_executor_process_in_flight', { ...V, process: '0' })).toBe(3);
    expect(sampleValue(f, 'webhook_bridge_executor_process_in_flight', { ...A, process: '0' })).toBe(1);
    expect(sampleValue(f, 'webhook_bridge_executor_process_restarts_total', { ...V, process: '0' })).toBe(1);
    expect(sampleValue(f, 'webhook_bridge_executor_pool_processes', { ...V, state: 'serving' })).toBe(1);
    expect(sampleValue(f, 'webhook_bridge_executor_pool_processes', { ...V, state: 'restarting' })).toBe(1);
    expect(sampleValue(f, 'webhook_bridge_executor_pool_processes', { ...A, state: 'serving' })).toBe(1);
    expect(sampleValue(f, 'webhook_bridge_bound_executor_state', { interpreter: 'venv', state: 'serving' })).toBe(1);
    expect(sampleValue(f, 'webhook_bridge_bound_executor_state', { interpreter: 'venv', state: 'idle-stopped' })).toBe(0);
    expect(sampleValue(f, 'webhook_bridge_bound_executor_state', { interpreter: 'old', state: 'idle-stopped' })).toBe(1);
    expect(sampleValue(f, 'webhook_bridge_bound_executor_last_use_seconds', { interpreter: 'venv' })).toBe(Date.parse('2026-11-30T12:00:00.000Z') / 1000);
    expect(sampleValue(f, 'webhook_bridge_bound_executor_last_use_seconds', { interpreter: 'old' })).toBeUndefined();
    // no series of a stopped pool's processes
    expect(f.get('webhook_bridge_executor_process_state')?.samples.filter((x) => x.labels['interpreter'] === 'old')).toEqual([]);

    // the pool stops when idle: its process series go, its state says so
    s = status({ bound: [bound({ state: 'idle-stopped', stopped_at: '2026-11-30T12:05:00.000Z', stop_reason: 'idle for 300 s', last_used: '2026-11-30T12:00:00.000Z' })] });
    f = parsePrometheusText(await m.render());
    expect(f.get('webhook_bridge_executor_process_state')?.samples.filter((x) => x.labels['pool'] === 'bound')).toEqual([]);
    expect(f.get('webhook_bridge_executor_pool_processes')?.samples.filter((x) => x.labels['pool'] === 'bound')).toEqual([]);
    expect(sampleValue(f, 'webhook_bridge_bound_executor_state', { interpreter: 'venv', state: 'idle-stopped' })).toBe(1);
    expect(sampleValue(f, 'webhook_bridge_bound_executor_state', { interpreter: 'venv', state: 'serving' })).toBe(0);
    m.dispose();
  });

  it('bounds the plugin label values: past the cap, names count as (other)', async () => {
    const signals = new CallSignals();
    const m = createMetrics({ signals, status: () => status(), maxPlugins: 2 });
    for (const plugin of ['p1', 'p2', 'p3', 'p4', 'p1']) signals.callFinished({ plugin, status: 200, durationMs: 1, knownPlugin: true });
    const f = parsePrometheusText(await m.render());
    expect(sampleValue(f, 'webhook_bridge_webhooks_total', { plugin: 'p1', status_class: '2xx' })).toBe(2);
    expect(sampleValue(f, 'webhook_bridge_webhooks_total', { plugin: OTHER_PLUGINS, status_class: '2xx' })).toBe(2);
    expect(sampleValue(f, 'webhook_bridge_webhooks_total', { plugin: 'p3', status_class: '2xx' })).toBeUndefined();
    m.dispose();
  });

  it('keeps each core its own registry (no global default registry)', async () => {
    const one = new CallSignals();
    const m1 = createMetrics({ signals: one, status: () => status() });
    const m2 = createMetrics({ signals: new CallSignals(), status: () => status() });
    one.callFinished({ plugin: 'a', status: 200, durationMs: 1, knownPlugin: true });
    expect(sampleValue(parsePrometheusText(await m1.render()), 'webhook_bridge_webhooks_total', { plugin: 'a', status_class: '2xx' })).toBe(1);
    expect(sampleValue(parsePrometheusText(await m2.render()), 'webhook_bridge_webhooks_total', { plugin: 'a', status_class: '2xx' })).toBeUndefined();
    m1.dispose();
    m2.dispose();
  });

  it('classes statuses', () => {
    expect([101, 200, 302, 404, 599, 600, 0].map(statusClass)).toEqual(['1xx', '2xx', '3xx', '4xx', '5xx', 'other', 'other']);
  });
});
