/**
 * Composition root of the desktop app: one instance, the same core and REST API as headless mode
 * (`startBridge`), the dashboard window, the tray and IPC. Quitting stops the bridge (and with it
 * the executor) before the process exits.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BrowserWindow, Menu, Tray, app, dialog, nativeImage, nativeTheme, protocol, screen, session, shell } from 'electron';
import { startBridge, type Bridge } from '../app.js';
import { errorMessage } from '../core/app-error.js';
import type { Disposable } from '../core/events.js';
import { platformPaths } from '../core/paths.js';
import { registerAppScheme, serveRenderer } from './app-protocol.js';
import { registerIpc } from './ipc.js';
import { createShellLog } from './logging.js';
import { resolveShellPaths, shellArgs } from './paths.js';
import { fitBounds, openPreferences } from './preferences.js';
import { TrayController } from './tray.js';
import { UrlPolicy } from './url-policy.js';
import { withTimeout } from './timeout.js';
import { WindowController, hardenContents, hardenSession } from './window.js';

const STOP_TIMEOUT_MS = 10_000;
const { logDir, dataDir } = platformPaths({ platform: process.platform, env: process.env, home: os.homedir() });
const log = createShellLog({ logDir, console: !app.isPackaged });
// Chromium's state (caches, storage, the instance lock) and preferences.json stay out of the config folder.
app.setPath('userData', path.join(dataDir, 'desktop'));

let bridgeStart: Promise<Bridge> | undefined;
let bridgePort: number | null = null;
let windows: WindowController | undefined;
let tray: TrayController | undefined;
let ipc: Disposable | undefined;
let stopping: Promise<void> | undefined;
let stopped = false;

// Everything before `ready` runs synchronously here, before the first await.
if (!app.requestSingleInstanceLock()) {
  app.quit(); // the running instance gets 'second-instance' and shows its window
} else {
  registerAppScheme(protocol);
  app.setAppLogsPath(logDir);
  if (process.platform === 'win32') app.setAppUserModelId('dev.webhook-bridge.app');
  wireLifecycle();
  main().catch((err: unknown) => fatal('webhook-bridge could not start', err));
}

function wireLifecycle(): void {
  const policy = new UrlPolicy({ loopbackPorts: () => (bridgePort === null ? [] : [bridgePort]) });
  app.on('web-contents-created', (_event, contents) => hardenContents(contents, policy, (href) => shell.openExternal(href), log));
  app.on('second-instance', () => windows?.show());
  app.on('activate', () => windows?.show());
  app.on('window-all-closed', () => undefined); // stay in the tray; "Open dashboard" or a second launch reopens
  app.on('before-quit', (event) => {
    if (stopped) return;
    event.preventDefault();
    void stopAll().then(() => app.quit());
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());
}

async function main(): Promise<void> {
  await app.whenReady();
  const paths = resolveShellPaths({
    isPackaged: app.isPackaged,
    appPath: app.getAppPath(),
    resourcesPath: process.resourcesPath,
    mainDir: path.dirname(fileURLToPath(import.meta.url)),
  });
  const args = shellArgs(process.argv.slice(1));
  const prefs = await openPreferences();
  nativeTheme.themeSource = prefs.theme();
  hardenSession(session.defaultSession);
  serveRenderer(protocol, { root: paths.rendererDir, onError: (m) => log.error(m) });
  if (stopping) return; // quit while starting

  bridgeStart = startBridge({
    resourcesDir: paths.resourcesDir,
    consoleLog: !app.isPackaged,
    ...(args.config !== undefined ? { configFlag: args.config } : {}),
    ...(args.host !== undefined ? { host: args.host } : {}),
    ...(args.port !== undefined ? { port: args.port } : {}),
  });
  const bridge = await bridgeStart;
  if (stopping) return;
  bridgePort = Number(new URL(bridge.url).port);
  log.attach(bridge.core.logger);
  log.info(`desktop shell up (Electron ${process.versions.electron ?? '?'}); dashboard at app://bridge, REST API at ${bridge.url}`);

  const win = new WindowController({
    BrowserWindow,
    preload: paths.preload,
    prefs,
    fitBounds: (b) => fitBounds(b, screen.getAllDisplays().map((d) => d.workArea)),
    log,
  });
  windows = win;
  ipc = registerIpc({
    handlers: bridge.handlers,
    validator: bridge.validator,
    events: bridge.core.events,
    trustedFrame: () => win.current?.webContents.mainFrame ?? null,
    send: (channel, payload) => win.send(channel, payload),
    log,
  });
  tray = new TrayController({
    Tray,
    Menu,
    createImage: (png) => nativeImage.createFromBuffer(png, { scaleFactor: 2 }),
    handlers: bridge.handlers,
    events: bridge.core.events,
    theme: prefs.theme(),
    onOpen: () => win.show(),
    onQuit: () => app.quit(),
    onTheme: (theme) => {
      nativeTheme.themeSource = theme;
      prefs.saveTheme(theme);
    },
    log,
  });
  tray.start();
  win.show();
}

/** Stops everything once: tray, IPC, then the bridge (REST server, executor), bounded in time. */
function stopAll(): Promise<void> {
  stopping ??= (async () => {
    log.info('quitting: stopping the bridge');
    tray?.dispose();
    ipc?.dispose();
    const stop = bridgeStart?.then((b) => b.stop(), () => undefined) ?? Promise.resolve();
    await withTimeout(stop, STOP_TIMEOUT_MS, 'stopping the bridge').catch((err: unknown) => log.error(errorMessage(err)));
    log.detach();
    stopped = true;
  })();
  return stopping;
}

function fatal(title: string, err: unknown): void {
  log.error(`${title}: ${err instanceof Error && err.stack ? err.stack : errorMessage(err)}`);
  if (app.isReady()) dialog.showErrorBox(title, `${errorMessage(err)}\n\nDetails are in the log folder: ${logDir}`);
  void stopAll().finally(() => app.exit(1));
}
