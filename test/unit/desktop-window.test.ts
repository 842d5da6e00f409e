import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import type { Session, WebContents } from 'electron';
import {
  APP_ORIGIN,
  CONTENT_SECURITY_POLICY,
  appUrl,
  isAppUrl,
  pageOf,
  sanitizePage,
  securityHeaders,
} from '../../electron/main/security.js';
import { UrlPolicy } from '../../electron/main/url-policy.js';
import { hardenContents, hardenSession, webPreferences, windowOptions } from '../../electron/main/window.js';

const silent = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };

describe('webPreferences (pinned)', () => {
  it('is exactly the hardened set', () => {
    expect(webPreferences('/app/dist/electron/main/preload.cjs')).toStrictEqual({
      preload: '/app/dist/electron/main/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
    });
  });

  it('is what the window is created with', () => {
    const opts = windowOptions('/p.cjs', null);
    expect(opts.webPreferences).toStrictEqual(webPreferences('/p.cjs'));
    expect(opts.show).toBe(false);
    expect(opts).not.toHaveProperty('x');
    expect(windowOptions('/p.cjs', { x: 10, y: 20, width: 900, height: 700 })).toMatchObject({ x: 10, y: 20, width: 900, height: 700 });
  });
});

describe('Content-Security-Policy (pinned)', () => {
  it('is strict: scripts only from the app, nothing inline, no eval', () => {
    expect(CONTENT_SECURITY_POLICY).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self' data:; " +
        "connect-src 'self'; manifest-src 'self'; worker-src 'none'; frame-src 'none'; object-src 'none'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|\*|https?:/);
  });

  it('travels with every response of the app protocol', () => {
    expect(securityHeaders()).toMatchObject({
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
      'Cross-Origin-Opener-Policy': 'same-origin',
    });
  });
});

describe('app origin', () => {
  it('recognizes only app://bridge pages', () => {
    expect(APP_ORIGIN).toBe('app://bridge');
    expect(isAppUrl('app://bridge/')).toBe(true);
    expect(isAppUrl('app://bridge/#/logs')).toBe(true);
    expect(isAppUrl('app://evil/')).toBe(false);
    expect(isAppUrl('app://bridge.evil/')).toBe(false);
    expect(isAppUrl('app://user@bridge/')).toBe(false);
    expect(isAppUrl('http://bridge/')).toBe(false);
    expect(isAppUrl('file:///index.html')).toBe(false);
    expect(isAppUrl('')).toBe(false);
  });

  it('remembers only same-app pages', () => {
    expect(pageOf('app://bridge/#/connection')).toBe('/#/connection');
    expect(pageOf('app://bridge/logs?x=1')).toBe('/logs?x=1');
    expect(pageOf('https://github.com/')).toBeNull();
    expect(sanitizePage('//evil.com/')).toBeNull();
    expect(sanitizePage('/\\evil')).toBeNull();
    expect(sanitizePage('javascript:alert(1)')).toBeNull();
    expect(sanitizePage('/a\nb')).toBeNull();
    expect(sanitizePage(42)).toBeNull();
    expect(appUrl('/#/logs')).toBe('app://bridge/#/logs');
    expect(appUrl('//evil.com')).toBe('app://bridge/');
    expect(appUrl(null)).toBe('app://bridge/');
  });
});

/** A WebContents stand-in: an EventEmitter plus setWindowOpenHandler. */
class FakeContents extends EventEmitter {
  openHandler: ((d: { url: string }) => { action: string }) | undefined;
  setWindowOpenHandler(h: (d: { url: string }) => { action: string }): void {
    this.openHandler = h;
  }
}

function navEvent(url: string): { url: string; preventDefault: () => void; prevented: boolean } {
  const e = { url, prevented: false, preventDefault: () => void (e.prevented = true) };
  return e;
}

describe('hardenContents', () => {
  const setup = () => {
    const contents = new FakeContents();
    const opened: string[] = [];
    const openExternal = vi.fn(async (href: string) => void opened.push(href));
    hardenContents(contents as unknown as WebContents, new UrlPolicy({ loopbackPorts: () => [8000] }), openExternal, silent);
    return { contents, opened, openExternal };
  };

  it('denies window.open and sends allowed http(s) links to the browser', () => {
    const { contents, opened } = setup();
    expect(contents.openHandler?.({ url: 'https://github.com/x' })).toEqual({ action: 'deny' });
    expect(contents.openHandler?.({ url: 'javascript:alert(1)' })).toEqual({ action: 'deny' });
    expect(contents.openHandler?.({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(contents.openHandler?.({ url: 'https://github.com.evil.com/' })).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://github.com/x']);
  });

  it('blocks navigation away from the app; app pages navigate', () => {
    const { contents, opened } = setup();
    const away = navEvent('https://github.com/y');
    contents.emit('will-navigate', away);
    expect(away.prevented).toBe(true);
    expect(opened).toEqual(['https://github.com/y']);
    const evil = navEvent('https://evil.example/');
    contents.emit('will-navigate', evil);
    expect(evil.prevented).toBe(true);
    expect(opened).toHaveLength(1);
    const inside = navEvent('app://bridge/#/logs');
    contents.emit('will-navigate', inside);
    expect(inside.prevented).toBe(false);
    const redirect = navEvent('https://evil.example/');
    contents.emit('will-redirect', redirect);
    expect(redirect.prevented).toBe(true);
  });

  it('refuses webviews', () => {
    const { contents } = setup();
    const e = navEvent('');
    contents.emit('will-attach-webview', e);
    expect(e.prevented).toBe(true);
  });
});

describe('hardenSession', () => {
  type HeadersListener = (
    details: { resourceType: string; responseHeaders?: Record<string, string[]> },
    cb: (r: { responseHeaders?: Record<string, string[]> }) => void,
  ) => void;
  const setup = () => {
    const calls: { request?: (wc: unknown, p: string, cb: (ok: boolean) => void) => void; check?: () => boolean; headers?: HeadersListener } = {};
    const session = {
      setPermissionRequestHandler: (h: (wc: unknown, p: string, cb: (ok: boolean) => void) => void) => void (calls.request = h),
      setPermissionCheckHandler: (h: () => boolean) => void (calls.check = h),
      webRequest: { onHeadersReceived: (h: HeadersListener) => void (calls.headers = h) },
    };
    hardenSession(session as unknown as Session);
    return calls;
  };

  it('denies every permission request and check', () => {
    const calls = setup();
    for (const permission of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read']) {
      const cb = vi.fn();
      calls.request?.({}, permission, cb);
      expect(cb).toHaveBeenCalledWith(false);
    }
    expect(calls.check?.()).toBe(false);
  });

  it('puts the CSP on http(s) documents, replacing a weaker one', () => {
    const calls = setup();
    const cb = vi.fn();
    calls.headers?.({ resourceType: 'mainFrame', responseHeaders: { 'content-security-policy': ["script-src *"], 'X-A': ['1'] } }, cb);
    expect(cb).toHaveBeenCalledWith({ responseHeaders: { 'X-A': ['1'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
    const other = vi.fn();
    calls.headers?.({ resourceType: 'image', responseHeaders: {} }, other);
    expect(other).toHaveBeenCalledWith({});
  });
});
