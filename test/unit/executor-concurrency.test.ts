import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../../electron/core/config/effective.js';
import { issueToString, parseConfig } from '../../electron/core/config/validate.js';
import { concurrencyArgs } from '../../electron/core/executor/concurrency.js';
import { EXECUTOR_CONCURRENCY_DEFAULTS } from '../../shared/dto/config.js';

describe('executor concurrency settings (executor.threads, queue_size, queue_timeout)', () => {
  it('default to 16 threads, a queue of 64 and a 10 s queue wait, reported with their source', () => {
    const r = resolveSettings({}, {});
    expect([r.settings.executor.threads, r.settings.executor.queue_size, r.settings.executor.queue_timeout]).toEqual([16, 64, 10]);
    expect(EXECUTOR_CONCURRENCY_DEFAULTS).toEqual({ threads: 16, queue_size: 64, queue_timeout: 10 });
    expect(r.values.filter((v) => /^executor\.(threads|queue_)/.test(v.key))).toEqual([
      { key: 'executor.threads', value: 16, source: 'default' },
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
