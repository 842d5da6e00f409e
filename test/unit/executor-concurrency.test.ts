import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../../electron/core/config/effective.js';
import { issueToString, parseConfig } from '../../electron/core/config/validate.js';
import { concurrencyArgs, executorArgs, streamsToOpen } from '../../electron/core/executor/concurrency.js';
import { EXECUTOR_CONCURRENCY_DEFAULTS } from '../../shared/dto/config.js';

describe('executor concurrency settings (executor.threads, queue_size, queue_timeout)', () => {
  it('default to 64 threads, a queue of 64 and a 10 s queue wait, reported with their source', () => {
    const r = resolveSettings({}, {});
    expect([r.settings.executor.threads, r.settings.executor.queue_size, r.settings.executor.queue_timeout]).toEqual([64, 64, 10]);
    expect(EXECUTOR_CONCURRENCY_DEFAULTS).toEqual({ threads: 64, queue_size: 64, queue_timeout: 10 });
    expect(r.values.filter((v) => /^executor\.(threads|queue_)/.test(v.key))).toEqual([
      { key: 'executor.threads', value: 64, source: 'default' },
      { key: 'executor.queue_size', value: 64, source: 'default' },
      { key: 'executor.queue_timeout', value: 10, source: 'default' },
    ]);
  });

  it('come from the file and reach the executor command line', () => {
    const parsed = parseConfig(['executor:', '  threads: 4', '  queue_size: 0', '  queue_timeout: 2.5', ''].join('\n'));
    expect(parsed.errors).toEqual([]);
    expect(parsed.warnings).toEqual([]);
    const { settings } = resolveSettings(parsed.data ?? {}, {});
    expect(concurrencyArgs(settings.executor)).toEqual(['--threads', '4', '--queue-size', '0', '--queue-timeout', '2.5']);
  });

  it('refuse out-of-range values with the key and the line', () => {
    const parsed = parseConfig(['executor:', '  threads: 0', '  queue_size: -1', '  queue_timeout: 0', ''].join('\n'));
    const msgs = parsed.errors.map(issueToString);
    expect(msgs.some((m) => m.startsWith('executor.threads:') && m.endsWith('(line 2)'))).toBe(true);
    expect(msgs.some((m) => m.startsWith('executor.queue_size:') && m.endsWith('(line 3)'))).toBe(true);
    expect(msgs.some((m) => m.startsWith('executor.queue_timeout:') && m.endsWith('(line 4)'))).toBe(true);
  });

  it('are not executor.workers, which is the number of executor processes (default 1)', () => {
    expect(resolveSettings({}, {}).values.find((v) => v.key === 'executor.workers')).toEqual({ key: 'executor.workers', value: 1, source: 'default' });
  });
});

describe('executor.reload_interval_seconds and executor.max_streams', () => {
  it("default to the executor's own defaults (1 s, 16 streams), reported with their source", () => {
    const r = resolveSettings({}, {});
    expect(r.values.filter((v) => /^executor\.(reload_interval_seconds|max_streams)$/.test(v.key))).toEqual([
      { key: 'executor.reload_interval_seconds', value: 1, source: 'default' },
      { key: 'executor.max_streams', value: 16, source: 'default' },
    ]);
    expect(executorArgs(r.settings.executor).slice(-4)).toEqual(['--reload-interval', '1', '--max-streams', '16']);
  });

  it('come from the file and reach the executor command line; the app opens no more streams than that', () => {
    const parsed = parseConfig(['executor:', '  reload_interval_seconds: 0.25', '  max_streams: 2', ''].join('\n'));
    expect(parsed.errors).toEqual([]);
    expect(parsed.warnings).toEqual([]);
    const { settings } = resolveSettings(parsed.data ?? {}, {});
    expect(executorArgs(settings.executor)).toEqual(['--threads', String(EXECUTOR_CONCURRENCY_DEFAULTS.threads), '--queue-size', '64', '--queue-timeout', '10', '--reload-interval', '0.25', '--max-streams', '2']);
    expect(streamsToOpen(4, settings.executor)).toBe(2);
    expect(streamsToOpen(4, { max_streams: 16 })).toBe(4);
    expect(streamsToOpen(0, { max_streams: 16 })).toBe(0);
  });

  it('accept 0 (every call looks at the file) and refuse values out of range with the key and the line', () => {
    expect(parseConfig('executor:\n  reload_interval_seconds: 0\n').errors).toEqual([]);
    const parsed = parseConfig(['executor:', '  reload_interval_seconds: -1', '  max_streams: 0', ''].join('\n'));
    const msgs = parsed.errors.map(issueToString);
    expect(msgs.some((m) => m.startsWith('executor.reload_interval_seconds:') && m.endsWith('(line 2)'))).toBe(true);
    expect(msgs.some((m) => m.startsWith('executor.max_streams:') && m.endsWith('(line 3)'))).toBe(true);
    const over = parseConfig(['executor:', '  reload_interval_seconds: 3601', '  max_streams: 2.5', '  # end', ''].join('\n')).errors.map(issueToString);
    expect(over.some((m) => m.startsWith('executor.reload_interval_seconds:') && m.includes('3600'))).toBe(true);
    expect(over.some((m) => m.startsWith('executor.max_streams:') && m.endsWith('(line 3)'))).toBe(true);
  });
});
