/**
 * The app's own origin and the Content-Security-Policy of everything it serves. Pure: no Electron
 * import, so tests pin these values in Node.
 *
 * The dashboard is served from a privileged custom scheme (`app://bridge/…`), not `file://`:
 * a real origin for `'self'`, no access to the rest of the disk, and the CSP travels as a response
 * header set by our own protocol handler (session.webRequest's header hooks do not fire for custom
 * schemes, electron/electron#6021; `onHeadersReceived` covers http(s) responses as a second line).
 */

export const APP_SCHEME = 'app';
export const APP_HOST = 'bridge';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** Strict policy: scripts, styles and fonts only from the app itself; nothing inline, no eval. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "manifest-src 'self'",
  "worker-src 'none'",
  "frame-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers every response of the app's protocol carries. */
export function securityHeaders(): Record<string, string> {
  return {
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-cache',
  };
}

/** Whether `url` is a page of the app (`app://bridge/...`). Node's URL gives custom schemes an opaque origin, so compare parts. */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}

/**
 * The app-relative part of a page URL (`/interpreters`, `/#/logs`, `/?tab=1`) worth restoring next
 * launch, or null when it is not an app page or looks odd.
 */
export function pageOf(url: string): string | null {
  if (!isAppUrl(url)) return null;
  const u = new URL(url);
  const page = `${u.pathname}${u.search}${u.hash}`;
  return sanitizePage(page);
}

/** Accepts only a same-app relative page: starts with one `/`, printable, bounded. */
export function sanitizePage(page: unknown): string | null {
  if (typeof page !== 'string' || page.length === 0 || page.length > 512) return null;
  if (!page.startsWith('/') || page.startsWith('//') || page.includes('\\')) return null;
  if (/[\u0000-\u001f\u007f]/.test(page)) return null;
  return page;
}

/** The URL to load for a stored page (the dashboard's root when none). */
export function appUrl(page: string | null | undefined): string {
  const safe = sanitizePage(page);
  return `${APP_ORIGIN}${safe ?? '/'}`;
}
