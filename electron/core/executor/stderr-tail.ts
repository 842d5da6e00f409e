/**
 * Bounds on the executor's stderr tail as the status and errors carry it. Every connectionChanged
 * event carries the tail, so an unbounded one (50 lines of a plugin's 1 MiB prints) would be
 * megabytes per event, per event-stream client. Each line is cut to LINE_MAX_BYTES (UTF-8), and
 * the tail keeps its newest lines within TOTAL_MAX_BYTES.
 */
import { cutMark } from '../process/lines.js';

export const TAIL_LINE_MAX_BYTES = 2048;
export const TAIL_TOTAL_MAX_BYTES = 64 * 1024;

// the mark the line reader already put on a line longer than its own cap (64 KiB)
const READER_MARK = / … \[line cut: (\d+) bytes\]$/;

/** `line` within `max` UTF-8 bytes; a cut line ends with the line reader's mark (its whole length). */
export function cutTailLine(line: string, max = TAIL_LINE_MAX_BYTES): string {
  // at most 3 UTF-8 bytes per UTF-16 unit: short lines need no byte count
  if (line.length * 3 <= max) return line;
  let bytes = Buffer.from(line, 'utf8');
  if (bytes.length <= max) return line;
  let total = bytes.length;
  const marked = READER_MARK.exec(line);
  if (marked) {
    total = Number(marked[1]);
    bytes = Buffer.from(line.slice(0, marked.index), 'utf8');
  }
  const suffix = cutMark(total);
  const room = Math.max(max - Buffer.byteLength(suffix), 0);
  // toString replaces a character cut in half with U+FFFD: drop it
  const head = bytes.subarray(0, room).toString('utf8').replace(/\uFFFD+$/, '');
  return head + suffix;
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
