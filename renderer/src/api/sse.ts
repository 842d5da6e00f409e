/**
 * A server-sent events parser fed with text chunks of any size (a line, an event or a field may be
 * split across chunks, and a CR LF pair may be split between two). Follows the WHATWG event-stream
 * rules: `event`, `data` (joined with newlines), `id`, `retry`; comment lines start with `:`.
 */
export interface SseMessage {
  event: string;
  data: string;
  id: string | null;
}

export class SseParser {
  private buffer = '';
  private pendingCr = false;
  private event = '';
  private data: string[] = [];
  private hasData = false;
  /** The last `id:` seen (kept across messages, as the spec says). */
  lastEventId: string | null = null;
  /** The last `retry:` value in milliseconds. */
  retryMs: number | null = null;

  /** Feeds a chunk; returns the messages it completed. */
  push(chunk: string): SseMessage[] {
    let text = chunk;
    if (this.pendingCr) {
      this.pendingCr = false;
      if (text.startsWith('\n')) text = text.slice(1);
    }
    this.buffer += text;
    const out: SseMessage[] = [];
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      const line = this.buffer.slice(start, i);
      if (c === 13) {
        if (i + 1 === this.buffer.length) this.pendingCr = true;
        else if (this.buffer.charCodeAt(i + 1) === 10) i++;
      }
      start = i + 1;
      const msg = this.line(line);
      if (msg) out.push(msg);
    }
    this.buffer = this.buffer.slice(start);
    return out;
  }

  /** Drops a half-read message (after the connection broke). */
  reset(): void {
    this.buffer = '';
    this.pendingCr = false;
    this.event = '';
    this.data = [];
    this.hasData = false;
  }

  private line(line: string): SseMessage | null {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.event = value;
        break;
      case 'data':
        this.data.push(value);
        this.hasData = true;
        break;
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
      default:
        break;
    }
    return null;
  }

  private dispatch(): SseMessage | null {
    const msg = this.hasData ? { event: this.event || 'message', data: this.data.join('\n'), id: this.lastEventId } : null;
    this.event = '';
    this.data = [];
    this.hasData = false;
    return msg;
  }
}
