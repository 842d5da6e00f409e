import { describe, expect, it } from 'vitest';
import { LogBuffer, Logger } from '../../electron/core/logging/logger.js';

describe('log instance id', () => {
  it('each buffer gets its own random instance, stamped on its pages and on the lines of the logger given it', () => {
    const a = new LogBuffer(10);
    const b = new LogBuffer(10);
    expect(a.instance).toMatch(/.{8,}/);
    expect(a.instance).not.toBe(b.instance);
    const logger = Logger.create({ level: 'info', sinks: [a], instance: a.instance });
    logger.child('api').info('hello');
    const page = a.read();
    expect(page.instance).toBe(a.instance);
    expect(page.entries).toEqual([expect.objectContaining({ instance: a.instance, seq: 1, source: 'api', message: 'hello' })]);
    expect(b.read(0)).toEqual({ instance: b.instance, entries: [], last_seq: 0 });
  });

  it('an injected instance is used as given', () => {
    const buf = new LogBuffer(10, 'fixed-run');
    Logger.create({ level: 'info', sinks: [buf], instance: 'fixed-run' }).info('x');
    expect(buf.read().entries[0]?.instance).toBe('fixed-run');
    expect(buf.read().instance).toBe('fixed-run');
  });
});
