/**
 * Bounds on the executor's stderr tail as the status and errors carry it. Every connectionChanged
 * event carries the tail, so an unbounded one (50 lines of a plugin's 1 MiB prints) would be
 * megabytes per event, per event-stream client. Each line is cut to LINE_MAX_BYTES (UTF-8), and
 * the tail keeps its newest lines within TOTAL_MAX_BYTES.
 */
import { cutMark } from '../process/lines.js';
import { truncateUtf8 } from '../utf8-cut.js';

export const TAIL_LINE_MAX_BYTES = 2048;
export const TAIL_TOTAL_MAX_BYTES = 64 * 1024;

// the mark the line reader already put on a line longer than its own cap (64 KiB)
const READER_MARK = / … \[line cut: (\d+) bytes\]$/;

/** `line` within `max` UTF-8 bytes; a cut line ends with the line reader's mark (its whole length). */
export function cutTailLine(line: string, max = TAIL_LINE_MAX_BYTES): string {
  const marked = READER_MARK.exec(line);
  return marked ? truncateUtf8(line.slice(0, marked.index), max, cutMark, Number(marked[1])) : truncateUtf8(line, max, cutMark);
}

/** The newest lines of `lines`, each cut, within `total` UTF-8 bytes in all. */
export function boundedTail(lines: readonly string[], total = TAIL_TOTAL_MAX_BYTES, lineMax = TAIL_LINE_MAX_BYTES): string[] {
  const out: string[] = [];
  let used = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = cutTailLine(lines[i] ?? '', lineMax);
    used += Buffer.byteLength(line);
    if (used > total) break;
    out.push(line);
  }
  return out.reverse();
}
