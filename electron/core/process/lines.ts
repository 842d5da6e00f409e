/**
 * Splits a child's output into lines at `\n`, `\r\n` and a lone `\r` (progress bars redraw with
 * `\r`), keeping at most `maxLineBytes` of a line: a longer line is cut at a character boundary
 * and marked with its original size, and the rest of it is counted, never stored. Memory stays
 * bounded whatever the child writes (600 MiB without a newline included).
 */

/** The default cap of one line of output (executor and tool output). */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;

const LF = 0x0a;
const CR = 0x0d;

/** The text appended to a cut line. */
export function cutMark(totalBytes: number): string {
  return ` … [line cut: ${totalBytes} bytes]`;
}

/** Length of `buf` without a UTF-8 character its end splits. */
function wholeChars(buf: Buffer): number {
  let i = buf.length - 1;
  while (i > 0 && ((buf[i] ?? 0) & 0xc0) === 0x80) i--;
  const lead = buf[i] ?? 0;
  const size = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return i + size > buf.length ? i : buf.length;
}

export class LineReader {
  private parts: Buffer[] = [];
  private kept = 0;
  private total = 0;
  private afterCR = false;
  private maxKept = 0;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLineBytes = DEFAULT_MAX_LINE_BYTES,
  ) {
    if (!(maxLineBytes >= 1)) throw new RangeError(`maxLineBytes must be at least 1 (got ${maxLineBytes})`);
  }

  /** The most bytes this reader ever held at once (for tests: never above `maxLineBytes`). */
  get peakBufferedBytes(): number {
    return this.maxKept;
  }

  push(chunk: Buffer | string): void {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let start = 0;
    if (this.afterCR && buf.length > 0) {
      this.afterCR = false;
      if (buf[0] === LF) start = 1; // the second half of a `\r\n` split across chunks
    }
    let lf = -2;
    let cr = -2;
    while (start < buf.length) {
      if (lf !== -1 && lf < start) lf = buf.indexOf(LF, start);
      if (cr !== -1 && cr < start) cr = buf.indexOf(CR, start);
      const end = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
      if (end === -1) {
        this.take(buf, start, buf.length);
        return;
      }
      this.take(buf, start, end);
      this.emit();
      start = end + 1;
      if (buf[end] === CR) {
        if (start === buf.length) this.afterCR = true;
        else if (buf[start] === LF) start++;
      }
    }
  }

  /** The stream ended: a last line without a line break is still a line. */
  end(): void {
    if (this.total > 0) this.emit();
    this.afterCR = false;
  }

  private take(buf: Buffer, from: number, to: number): void {
    if (to <= from) return;
    this.total += to - from;
    const room = this.maxLineBytes - this.kept;
    if (room <= 0) return;
    const n = Math.min(room, to - from);
    this.parts.push(Buffer.from(buf.subarray(from, from + n))); // a copy: never pin the whole chunk
    this.kept += n;
    if (this.kept > this.maxKept) this.maxKept = this.kept;
  }

  private emit(): void {
    const bytes = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts, this.kept);
    const cut = this.total > this.kept;
    const text = (cut ? bytes.subarray(0, wholeChars(bytes)) : bytes).toString('utf8');
    const total = this.total;
    this.parts = [];
    this.kept = 0;
    this.total = 0;
    this.onLine(cut ? text + cutMark(total) : text);
  }
}
