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
 * The effective values with `server.host` / `server.port` as the API actually listens: a value given
 * on the command line says so, and a port that differs from the one asked for (`--port 0`) shows the
 * real one with a note, so the Configuration page never shows a default the server does not use.
 */
export function withListeningAddress(values: readonly EffectiveValue[], at: ListeningAddress | undefined): EffectiveValue[] {
  if (!at) return [...values];
  return values.map((v) => {
    if (v.key === 'server.host' && at.fromCommandLine.host) return { key: v.key, value: at.host, source: 'command line' };
    if (v.key !== 'server.port') return v;
    const base: EffectiveValue = at.fromCommandLine.port ? { key: v.key, value: at.port, source: 'command line' } : { ...v, value: at.port };
    return at.port === at.requestedPort ? base : { ...base, detail: `asked for port ${at.requestedPort}; listening on ${at.port}` };
  });
}
