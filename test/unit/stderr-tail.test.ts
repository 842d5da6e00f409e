import { describe, expect, it } from 'vitest';
import { boundedTail, cutTailLine, TAIL_LINE_MAX_BYTES, TAIL_TOTAL_MAX_BYTES } from '../../electron/core/executor/stderr-tail.js';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe('the stderr tail carried by status and errors', () => {
  it('keeps short lines as they are', () => {
    expect(boundedTail(['a', 'Traceback (most recent call last):', ''])).toEqual(['a', 'Traceback (most recent call last):', '']);
  });

  it('cuts a 1 MiB line to 2 KiB, saying how long it was', () => {
    const cut = cutTailLine('f'.repeat(1024 * 1024));
    expect(bytes(cut)).toBeLessThanOrEqual(TAIL_LINE_MAX_BYTES);
    expect(cut).toMatch(/^f+ … \[line cut: 1048576 bytes\]$/);
  });

  it('never cuts a multi-byte character in half', () => {
    const cut = cutTailLine('é'.repeat(5000));
    expect(bytes(cut)).toBeLessThanOrEqual(TAIL_LINE_MAX_BYTES);
    expect(cut).toMatch(/^é+ … \[line cut: 10000 bytes\]$/);
  });

  it('keeps the newest lines within 64 KiB in all (50 lines of 1 MiB were 50 MiB per event)', () => {
    const lines = Array.from({ length: 50 }, (_, i) => `${i}:` + 'x'.repeat(1024 * 1024));
    const tail = boundedTail(lines);
    expect(tail.reduce((n, l) => n + bytes(l), 0)).toBeLessThanOrEqual(TAIL_TOTAL_MAX_BYTES);
    expect(tail.length).toBeGreaterThan(10);
    expect(tail.at(-1)).toMatch(/^49:x+ … \[line cut: 1048579 bytes\]$/);
    expect(tail[0]).toMatch(new RegExp(`^${50 - tail.length}:`));
  });
});
