import type { EffectiveValue } from '../../../shared/dto/config.js';

/** Where the REST API listens, and which of host/port the command line gave. */
export interface ListeningAddress {
  host: string;
  port: number;
  /** The port that was asked for (0 = any free port). */
  requestedPort: number;
  fromCommandLine: { host: boolean; port: boolean };
}

/**
 * The effective values with `server.host` / `server.port` as the API actually listens. The source
 * stays where the setting comes from (file, environment, default); when the command line overrode
 * it, or `--port 0` picked a free port, the value is the one in use and `detail` says why, so the
 * Configuration page never shows a port the server does not use.
 */
export function withListeningAddress(values: readonly EffectiveValue[], at: ListeningAddress | undefined): EffectiveValue[] {
  if (!at) return [...values];
  return values.map((v) => {
    if (v.key === 'server.host') {
      return at.fromCommandLine.host && at.host !== v.value ? { ...v, value: at.host, detail: `--host ${at.host} on the command line` } : v;
    }
    if (v.key !== 'server.port') return v;
    const notes: string[] = [];
    if (at.fromCommandLine.port && at.requestedPort !== v.value) notes.push(`--port ${at.requestedPort} on the command line`);
    if (at.port !== at.requestedPort) notes.push(`listening on ${at.port}`);
    return notes.length > 0 ? { ...v, value: at.port, detail: notes.join(': ') } : v;
  });
}
