/**
 * Which links may leave the app for the user's browser. Pure: no Electron import.
 *
 * A link opens externally only when, after WHATWG URL parsing, it is
 *  - https to an allowlisted domain (the domain itself or a subdomain on a label boundary, so
 *    `github.com.evil.com` and `evilgithub.com` do not pass) on the default port, or
 *  - http(s) to a loopback address on an allowed port (the app's own REST API, for "open in browser"),
 * and carries no credentials. Everything else (javascript:, file:, data:, custom schemes, raw IPs,
 * unparsable strings) is refused. Callers open the returned normalized `href`, never the raw string.
 */

export const DEFAULT_EXTERNAL_HOSTS: readonly string[] = [
  'github.com',
  'python.org',
  'pypi.org',
  'docs.astral.sh',
  'electronjs.org',
  'grpc.io',
];

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
const MAX_URL_LENGTH = 2048;

export interface UrlPolicyOptions {
  /** Domains whose https links may open (subdomains included). */
  hosts?: readonly string[];
  /** Loopback ports whose http(s) links may open (e.g. the REST API's port). */
  loopbackPorts?: () => readonly number[];
}

export type UrlDecision = { allowed: true; href: string } | { allowed: false; reason: string };

function deny(reason: string): UrlDecision {
  return { allowed: false, reason };
}

function normalizeDomain(domain: string): string {
  return domain.trim().toLowerCase().replace(/\.$/, '');
}

function isIpLiteral(hostname: string): boolean {
  return hostname.startsWith('[') || /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname) || /^0x/i.test(hostname);
}

/** Host matches `domain` exactly or as a subdomain (label boundary). */
export function hostMatches(hostname: string, domain: string): boolean {
  const d = normalizeDomain(domain);
  return d.length > 0 && (hostname === d || hostname.endsWith(`.${d}`));
}

export class UrlPolicy {
  private readonly hosts: string[];
  private readonly loopbackPorts: () => readonly number[];

  constructor(opts: UrlPolicyOptions = {}) {
    this.hosts = (opts.hosts ?? DEFAULT_EXTERNAL_HOSTS).map(normalizeDomain).filter((h) => h.length > 0);
    this.loopbackPorts = opts.loopbackPorts ?? (() => []);
  }

  check(raw: unknown): UrlDecision {
    if (typeof raw !== 'string' || raw.length === 0) return deny('not a URL');
    if (raw.length > MAX_URL_LENGTH) return deny('URL too long');
    // Control characters and spaces are stripped by the parser (`java\tscript:`); refuse them outright.
    if (/[\u0000-\u0020\u007f-\u009f]/.test(raw)) return deny('control characters or spaces in the URL');
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return deny('not a valid absolute URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return deny(`scheme ${url.protocol} is not allowed`);
    if (url.username !== '' || url.password !== '') return deny('credentials in the URL');
    const hostname = url.hostname.toLowerCase();
    if (hostname.endsWith('.')) return deny('trailing dot in the host');

    if (LOOPBACK_HOSTS.has(hostname)) {
      const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
      return this.loopbackPorts().includes(port) ? { allowed: true, href: url.href } : deny(`loopback port ${port} is not the app's`);
    }
    if (url.protocol !== 'https:') return deny('only https links open outside the app');
    if (isIpLiteral(hostname)) return deny('IP addresses are not allowed');
    if (url.port !== '') return deny('non-default port');
    if (!this.hosts.some((d) => hostMatches(hostname, d))) return deny(`host ${hostname} is not on the allowlist`);
    return { allowed: true, href: url.href };
  }

  /** The normalized href to open, or null. */
  allowedHref(raw: unknown): string | null {
    const d = this.check(raw);
    return d.allowed ? d.href : null;
  }
}
