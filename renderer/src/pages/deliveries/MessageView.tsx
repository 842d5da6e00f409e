import { useState, type ReactElement } from 'react';
import type { DeliveryBody, HeaderPair } from '../../../../shared/dto/deliveries';

type Mode = 'pretty' | 'raw' | 'headers';

/** Pretty JSON when the text is JSON, else null. */
export function prettyJson(text: string): string | null {
  const t = text.trim();
  if (!t || !'{["'.includes(t[0] as string)) return null;
  try {
    return JSON.stringify(JSON.parse(t), null, 2);
  } catch {
    return null;
  }
}

/** A base64 body as a hex dump (first 4 KiB), since it is not text. */
function hexDump(base64: string): string {
  const bin = atob(base64);
  const lines: string[] = [];
  const n = Math.min(bin.length, 4096);
  for (let i = 0; i < n; i += 16) {
    const bytes = [...bin.slice(i, i + 16)].map((c) => c.charCodeAt(0));
    const hex = bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const text = bytes.map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${i.toString(16).padStart(6, '0')}  ${hex.padEnd(47)}  ${text}`);
  }
  if (bin.length > n) lines.push(`… ${bin.length - n} more bytes`);
  return lines.join('\n');
}

export function bodyText(body: DeliveryBody, mode: 'pretty' | 'raw'): string {
  if (body.size === 0) return '(empty body)';
  if (body.encoding === 'base64') return hexDump(body.data);
  return (mode === 'pretty' ? prettyJson(body.data) : null) ?? body.data;
}

/** A request or a response: pretty body, raw body, or the headers, one at a time. */
export function MessageView({ label, headers, body, contentType }: { label: string; headers: readonly HeaderPair[]; body: DeliveryBody; contentType: string | null }): ReactElement {
  const [mode, setMode] = useState<Mode>('pretty');
  const modes: Array<[Mode, string]> = [['pretty', 'Pretty'], ['raw', 'Raw'], ['headers', `Headers (${headers.length})`]];
  return (
    <div className="message-view">
      <div className="segmented" role="group" aria-label={`${label} view`}>
        {modes.map(([m, text]) => (
          <button key={m} type="button" className={`seg ${mode === m ? 'on' : ''}`} aria-pressed={mode === m} onClick={() => setMode(m)}>{text}</button>
        ))}
        <span className="muted small message-meta">
          {contentType || 'no content type'} · {body.size.toLocaleString()} bytes{body.truncated ? ' (cut: only the start was kept)' : ''}{body.encoding === 'base64' ? ' · binary' : ''}
        </span>
      </div>
      {mode === 'headers' ? (
        <table className="table headers-table" aria-label={`${label} headers`}>
          <tbody>
            {headers.map(([n, v], i) => (
              <tr key={`${n}-${i}`}><th scope="row" className="mono">{n}</th><td className="mono">{v}</td></tr>
            ))}
          </tbody>
        </table>
      ) : (
        <pre className="code message-body" aria-label={`${label} body`}>{bodyText(body, mode)}</pre>
      )}
    </div>
  );
}
