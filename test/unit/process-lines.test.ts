/** The line reader's splitting and byte cap, and the one `describeExit`. */
import { describe, expect, it } from 'vitest';
import { describeExit } from '../../electron/core/process/exit.js';
import { cutMark, LineReader } from '../../electron/core/process/lines.js';

function read(chunks: (string | Buffer)[], max?: number): { lines: string[]; reader: LineReader } {
  const lines: string[] = [];
  const reader = new LineReader((l) => lines.push(l), max);
  for (const c of chunks) reader.push(c);
  reader.end();
  return { lines, reader };
}

describe('line reader', () => {
  it('splits at \\n, \\r\\n and lone \\r, across chunks and multi-byte characters', () => {
    const euro = Buffer.from('€');
    const { lines } = read(['a\r', '\nb\rc', Buffer.concat([Buffer.from('\n'), euro.subarray(0, 1)]), Buffer.concat([euro.subarray(1), Buffer.from('\r\n')]), 'tail']);
    expect(lines).toEqual(['a', 'b', 'c', '€', 'tail']);
  });

  it('keeps empty lines and drops nothing at the end of the stream', () => {
    expect(read(['x\n\ny\r\n\r\n', '', 'z']).lines).toEqual(['x', '', 'y', '', 'z']);
    expect(read(['x\r']).lines).toEqual(['x']);
    expect(read([]).lines).toEqual([]);
  });

  it('cuts a longer line and marks it with its original size, the next line is whole', () => {
    const { lines, reader } = read(['a'.repeat(6), 'b'.repeat(10), '\nshort\n'], 8);
    expect(lines).toEqual([`aaaaaabb${cutMark(16)}`, 'short']);
    expect(reader.peakBufferedBytes).toBe(8);
  });

  it('never cuts inside a multi-byte character', () => {
    // 3 × "€" = 9 bytes, cap 7: two whole characters fit
    expect(read(['€€€\n'], 7).lines).toEqual([`€€${cutMark(9)}`]);
    expect(read(['€€€\n'], 9).lines).toEqual(['€€€']);
  });

  it('holds at most the cap however long the line (the rest is only counted)', () => {
    const chunk = Buffer.alloc(64 * 1024, 0x78);
    const lines: string[] = [];
    const reader = new LineReader((l) => lines.push(l), 1024);
    for (let i = 0; i < 160; i++) reader.push(chunk); // 10 MiB
    reader.end();
    expect(lines).toEqual([`${'x'.repeat(1024)}${cutMark(160 * chunk.length)}`]);
    expect(reader.peakBufferedBytes).toBe(1024);
  });

  it('refuses a cap below one byte', () => {
    expect(() => new LineReader(() => undefined, 0)).toThrow(/maxLineBytes must be at least 1/);
  });
});

describe('describeExit', () => {
  it('names a spawn failure, a signal, a kill without signal and an exit code', () => {
    expect(describeExit({ code: null, signal: null, spawnError: 'ENOENT' })).toBe('could not be run (ENOENT)');
    expect(describeExit({ code: null, signal: 'SIGKILL', spawnError: null })).toBe('was killed by SIGKILL');
    expect(describeExit({ code: null, signal: null, spawnError: null })).toBe('was killed');
    expect(describeExit({ code: 3, signal: null, spawnError: null })).toBe('exited with code 3');
    expect(describeExit({ code: 0, signal: null, spawnError: null })).toBe('exited with code 0');
  });
});
