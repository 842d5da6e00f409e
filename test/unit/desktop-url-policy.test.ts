import { describe, expect, it } from 'vitest';
import { DEFAULT_EXTERNAL_HOSTS, UrlPolicy, hostMatches } from '../../electron/main/url-policy.js';

const policy = new UrlPolicy({ loopbackPorts: () => [8000] });

describe('external link allowlist', () => {
  it.each([
    ['https://github.com/example/webhook-bridge', 'https://github.com/example/webhook-bridge'],
    ['https://docs.python.org/3/library/venv.html', 'https://docs.python.org/3/library/venv.html'],
    ['https://pypi.org/project/grpcio/', 'https://pypi.org/project/grpcio/'],
    ['https://GitHub.com/a', 'https://github.com/a'],
    ['https://docs.astral.sh/uv/', 'https://docs.astral.sh/uv/'],
    ['http://127.0.0.1:8000/api/openapi.json', 'http://127.0.0.1:8000/api/openapi.json'],
    ['http://localhost:8000/', 'http://localhost:8000/'],
  ])('opens %s (as the parsed %s)', (raw, href) => {
    expect(policy.check(raw)).toEqual({ allowed: true, href });
    expect(policy.allowedHref(raw)).toBe(href);
  });

  it.each([
    ['javascript:alert(1)', /scheme javascript:/],
    ['JavaScript:alert(document.cookie)', /scheme javascript:/],
    ['java\tscript:alert(1)', /control characters/],
    [' javascript:alert(1)', /control characters/],
    ['file:///etc/passwd', /scheme file:/],
    ['file://github.com/etc/passwd', /scheme file:/],
    ['data:text/html,<script>alert(1)</script>', /scheme data:/],
    ['vbscript:msgbox', /scheme vbscript:/],
    ['app://bridge/index.html', /scheme app:/],
    ['smb://github.com/share', /scheme smb:/],
    ['ms-msdt:/id%20PCWDiagnostic', /scheme ms-msdt:/],
    ['mailto:someone@github.com', /scheme mailto:/],
  ])('refuses the scheme of %s', (raw, reason) => {
    const d = policy.check(raw);
    expect(d.allowed).toBe(false);
    if (!d.allowed) expect(d.reason).toMatch(reason);
  });

  it.each([
    'https://github.com.evil.com/',
    'https://evilgithub.com/',
    'https://github.co/',
    'https://githuB.com.evil.com/login',
    'https://pypi.org.evil.com/',
    'https://xn--gthub-n4a.com/', // gíthub.com
    'https://gіthub.com/', // Cyrillic і: the parser turns it into punycode, no match
    'https://github.com./',
    'https://example.com/?next=https://github.com/',
    'https://example.com#https://github.com',
  ])('refuses the look-alike host %s', (raw) => {
    expect(policy.check(raw).allowed).toBe(false);
  });

  it.each([
    'https://user:pass@github.com/',
    'https://github.com@evil.com/',
    'https://github.com:@evil.com/',
    'https://token@github.com/',
    'http://user@127.0.0.1:8000/',
  ])('refuses credentials / userinfo tricks in %s', (raw) => {
    const d = policy.check(raw);
    expect(d.allowed).toBe(false);
  });

  it('opens the parsed host, not what the raw string seems to say', () => {
    // WHATWG: a backslash is a path separator for http(s): the host is github.com.
    expect(policy.allowedHref('https://github.com\\@evil.com')).toBe('https://github.com/@evil.com');
  });

  it.each([
    ['http://github.com/', /only https/],
    ['https://github.com:8443/', /non-default port/],
    ['https://140.82.112.3/', /IP addresses/],
    ['https://[2606:50c0::1]/', /IP addresses/],
    ['https://0x8c.0x52.0x70.0x3/', /IP addresses|allowlist/],
    ['http://127.0.0.1:9999/', /loopback port 9999/],
    ['http://127.0.0.1/', /loopback port 80/],
    ['http://[::1]:22/', /loopback port 22/],
    ['not-a-url', /not a valid absolute URL/],
    ['https://github.com/a b', /control characters or spaces/],
    ['//github.com/', /not a valid absolute URL/],
    ['', /not a URL/],
    [`https://github.com/${'a'.repeat(3000)}`, /too long/],
  ])('refuses %s', (raw, reason) => {
    const d = policy.check(raw);
    expect(d.allowed).toBe(false);
    if (!d.allowed) expect(d.reason).toMatch(reason);
  });

  it('refuses non-strings', () => {
    expect(policy.check(undefined).allowed).toBe(false);
    expect(policy.check({ toString: () => 'https://github.com/' }).allowed).toBe(false);
  });

  it('allows subdomains only on a label boundary', () => {
    expect(hostMatches('docs.python.org', 'python.org')).toBe(true);
    expect(hostMatches('python.org', 'python.org')).toBe(true);
    expect(hostMatches('notpython.org', 'python.org')).toBe(false);
    expect(hostMatches('python.org.evil.com', 'python.org')).toBe(false);
    expect(hostMatches('anything', '')).toBe(false);
  });

  it('loopback links need the app port, known only once the REST server listens', () => {
    let port: number | null = null;
    const p = new UrlPolicy({ loopbackPorts: () => (port === null ? [] : [port]) });
    expect(p.check('http://127.0.0.1:8123/').allowed).toBe(false);
    port = 8123;
    expect(p.check('http://127.0.0.1:8123/').allowed).toBe(true);
  });

  it('has a small default allowlist of documentation hosts', () => {
    expect(DEFAULT_EXTERNAL_HOSTS).toContain('github.com');
    expect(new UrlPolicy().check('https://github.com/').allowed).toBe(true);
    expect(new UrlPolicy({ hosts: ['example.org'] }).check('https://github.com/').allowed).toBe(false);
  });
});
