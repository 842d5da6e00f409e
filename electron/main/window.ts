/**
 * The dashboard window and the hardening of every web contents. Electron classes are passed in
 * (type-only imports here), so the pure parts — `webPreferences()` above all — are tested in Node.
 */
import type {
  BrowserWindow,
  BrowserWindowConstructorOptions,
  Rectangle,
  Session,
  WebContents,
  WebPreferences,
} from 'electron';
import { CONTENT_SECURITY_POLICY, appUrl, isAppUrl, pageOf } from './security.js';
import type { UrlPolicy } from './url-policy.js';

export interface ShellLogLike {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** The one place the window's webPreferences come from (pinned by a test). */
export function webPreferences(preload: string): WebPreferences {
  return {
    preload,
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
  };
}

export function windowOptions(preload: string, bounds: Rectangle | null): BrowserWindowConstructorOptions {
  return {
    title: 'Webhook Bridge',
    width: bounds?.width ?? 1200,
    height: bounds?.height ?? 800,
    ...(bounds ? { x: bounds.x, y: bounds.y } : {}),
    minWidth: 760,
    minHeight: 520,
    show: false,
    autoHideMenuBar: true,
    webPreferences: webPreferences(preload),
  };
}

/** Session-wide: every permission denied; the CSP header added to http(s) documents too. */
export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.webRequest.onHeadersReceived((details, callback) => {
    if (details.resourceType !== 'mainFrame' && details.resourceType !== 'subFrame') {
      callback({});
      return;
    }
    const headers: Record<string, string[]> = {};
    for (const [key, value] of Object.entries(details.responseHeaders ?? {})) {
      if (key.toLowerCase() !== 'content-security-policy') headers[key] = value;
    }
    headers['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY];
    callback({ responseHeaders: headers });
  });
}

/**
 * Any web contents: no webviews, no new windows (allowed http/https links go to the browser),
 * no navigation away from the app (allowed links again go to the browser instead).
 */
export function hardenContents(
  contents: WebContents,
  policy: UrlPolicy,
  openExternal: (href: string) => Promise<void>,
  log: ShellLogLike,
): void {
  const external = (raw: string, why: string): void => {
    const decision = policy.check(raw);
    if (decision.allowed) {
      openExternal(decision.href).catch((err: unknown) => log.warn(`could not open ${decision.href}: ${String(err)}`));
    } else {
      log.warn(`${why} blocked (${decision.reason})`);
    }
  };
  contents.setWindowOpenHandler(({ url }) => {
    external(url, 'window.open');
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event) => {
    if (isAppUrl(event.url)) return;
    event.preventDefault();
    external(event.url, 'navigation');
  });
  contents.on('will-redirect', (event) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

export interface WindowPrefs {
  bounds(): Rectangle | null;
  maximized(): boolean;
  lastPage(): string | null;
  saveWindow(bounds: Rectangle, maximized: boolean): void;
  saveLastPage(page: string): void;
}

export interface WindowDeps {
  BrowserWindow: typeof BrowserWindow;
  preload: string;
  prefs: WindowPrefs;
  /** Fits stored bounds to the current displays (null: use defaults). */
  fitBounds: (bounds: Rectangle | null) => Rectangle | null;
  log: ShellLogLike;
}

/** Owns the single dashboard window: creates it on demand, remembers bounds and page, forwards events. */
export class WindowController {
  private window: BrowserWindow | null = null;
  private saveTimer: NodeJS.Timeout | undefined;
  private lastCrash = 0;

  constructor(private readonly deps: WindowDeps) {}

  get current(): BrowserWindow | null {
    return this.window && !this.window.isDestroyed() ? this.window : null;
  }

  /** Shows and focuses the window, creating it if needed. */
  show(): BrowserWindow {
    const existing = this.current;
    if (existing) {
      if (existing.isMinimized()) existing.restore();
      existing.show();
      existing.focus();
      return existing;
    }
    return this.create();
  }

  /** Sends an event to the window when it shows one of the app's pages. */
  send(channel: string, payload: unknown): void {
    const win = this.current;
    if (!win || win.webContents.isDestroyed() || !isAppUrl(win.webContents.getURL())) return;
    win.webContents.send(channel, payload);
  }

  private create(): BrowserWindow {
    const { deps } = this;
    const win = new deps.BrowserWindow(windowOptions(deps.preload, deps.fitBounds(deps.prefs.bounds())));
    this.window = win;
    const contents = win.webContents;
    if (deps.prefs.maximized()) win.maximize();
    win.once('ready-to-show', () => win.show());
    const remember = (): void => {
      clearTimeout(this.saveTimer);
      this.saveTimer = setTimeout(() => this.saveBounds(win), 500);
    };
    win.on('resize', remember);
    win.on('move', remember);
    win.on('close', () => this.saveBounds(win));
    win.on('closed', () => {
      clearTimeout(this.saveTimer);
      if (this.window === win) this.window = null;
    });
    const trackPage = (url: string): void => {
      const page = pageOf(url);
      if (page) deps.prefs.saveLastPage(page);
    };
    contents.on('did-navigate', (_event, url) => trackPage(url));
    contents.on('did-navigate-in-page', (_event, url, isMainFrame) => {
      if (isMainFrame) trackPage(url);
    });
    contents.on('console-message', (event) => {
      if (event.level === 'error' || event.level === 'warning') deps.log.warn(`renderer ${event.level}: ${event.message} (${event.sourceId}:${event.lineNumber})`);
    });
    contents.on('render-process-gone', (_event, details) => {
      deps.log.error(`renderer process gone: ${details.reason} (exit code ${details.exitCode})`);
      // Reload after a crash, but not in a loop: a second crash within a minute leaves the window as is.
      const now = Date.now();
      if (details.reason !== 'clean-exit' && !win.isDestroyed() && now - this.lastCrash > 60_000) contents.reload();
      this.lastCrash = now;
    });
    contents.on('did-fail-load', (_event, code, description, url, isMainFrame) => {
      if (isMainFrame) deps.log.error(`dashboard failed to load ${url}: ${description} (${code})`);
    });
    win.loadURL(appUrl(deps.prefs.lastPage())).catch((err: unknown) => deps.log.error(`loading the dashboard failed: ${String(err)}`));
    return win;
  }

  private saveBounds(win: BrowserWindow): void {
    if (win.isDestroyed() || win.isMinimized()) return;
    this.deps.prefs.saveWindow(win.getNormalBounds(), win.isMaximized());
  }
}
