/**
 * A stand-in for the `electron` module, just wide enough to run the shell's composition root
 * (electron/main/index.ts) in Node: it records what the shell asks of Electron so a test can
 * check the wiring (scheme before ready, IPC channels, window, tray, quit) without the binary.
 */
import { EventEmitter } from 'node:events';

type Listener = (event: { senderFrame: FakeFrame | null }, ...args: unknown[]) => Promise<unknown>;

export interface FakeFrame {
  url: string;
  processId: number;
  frameToken: string;
  parent: null;
}

export class FakeWebContents extends EventEmitter {
  static nextId = 1;
  readonly id = FakeWebContents.nextId++;
  url = '';
  readonly sent: Array<[string, unknown]> = [];
  openHandler: ((d: { url: string }) => { action: string }) | undefined;
  readonly mainFrame: FakeFrame;
  constructor() {
    super();
    const currentUrl = (): string => this.url;
    this.mainFrame = {
      get url() {
        return currentUrl();
      },
      processId: 7,
      frameToken: `frame-${this.id}`,
      parent: null,
    };
  }
  setWindowOpenHandler(h: (d: { url: string }) => { action: string }): void {
    this.openHandler = h;
  }
  getURL(): string {
    return this.url;
  }
  isDestroyed(): boolean {
    return false;
  }
  send(channel: string, payload: unknown): void {
    this.sent.push([channel, payload]);
  }
  reload(): void {}
}

export function createFakeElectron() {
  const calls: string[] = [];
  let ready = false;
  let resolveReady: () => void = () => undefined;
  const whenReadyPromise = new Promise<void>((r) => (resolveReady = r));
  const state = {
    calls,
    exitCode: null as number | null,
    quitCompleted: false,
    windows: [] as FakeBrowserWindow[],
    trays: [] as FakeTray[],
    protocolHandlers: new Map<string, (r: Request) => Promise<Response>>(),
    privileged: [] as unknown[],
    invokeHandlers: new Map<string, Listener>(),
    onListeners: new Map<string, number>([['electron-store-get-data', 1]]),
    opened: [] as string[],
    errorBoxes: [] as string[],
    /** Lets `app.whenReady()` resolve (the test decides when `ready` happens). */
    fireReady(): void {
      ready = true;
      resolveReady();
    },
  };

  class App extends EventEmitter {
    isPackaged = false;
    requestSingleInstanceLock(): boolean {
      calls.push(`requestSingleInstanceLock ready=${ready}`);
      return true;
    }
    setPath(name: string, p: string): void {
      calls.push(`setPath ${name} ${p} ready=${ready}`);
    }
    setAppLogsPath(p: string): void {
      calls.push(`setAppLogsPath ${p}`);
    }
    setAppUserModelId(): void {}
    whenReady(): Promise<void> {
      return whenReadyPromise;
    }
    isReady(): boolean {
      return ready;
    }
    getAppPath(): string {
      return process.cwd();
    }
    quit(): void {
      calls.push('app.quit');
      let prevented = false;
      this.emit('before-quit', { preventDefault: () => void (prevented = true) });
      if (!prevented) state.quitCompleted = true;
    }
    exit(code: number): void {
      state.exitCode = code;
    }
  }
  const app = new App();

  class FakeBrowserWindow extends EventEmitter {
    readonly webContents = new FakeWebContents();
    visible = false;
    constructor(readonly options: Record<string, unknown>) {
      super();
      state.windows.push(this);
      app.emit('web-contents-created', {}, this.webContents);
    }
    loadURL(url: string): Promise<void> {
      this.webContents.url = url;
      queueMicrotask(() => this.emit('ready-to-show'));
      return Promise.resolve();
    }
    isDestroyed(): boolean {
      return false;
    }
    isMinimized(): boolean {
      return false;
    }
    isMaximized(): boolean {
      return false;
    }
    maximize(): void {}
    restore(): void {}
    show(): void {
      this.visible = true;
    }
    focus(): void {}
    getNormalBounds() {
      return { x: 0, y: 0, width: 1200, height: 800 };
    }
  }

  class FakeTray extends EventEmitter {
    menu: Array<{ label?: string; click?: () => void }> = [];
    tooltip = '';
    destroyed = false;
    constructor() {
      super();
      state.trays.push(this);
    }
    setToolTip(t: string): void {
      this.tooltip = t;
    }
    setImage(): void {}
    setContextMenu(m: { template: Array<{ label?: string; click?: () => void }> }): void {
      this.menu = m.template;
    }
    isDestroyed(): boolean {
      return this.destroyed;
    }
    destroy(): void {
      this.destroyed = true;
    }
  }

  const ipcMain = {
    handle(channel: string, listener: Listener): void {
      if (state.invokeHandlers.has(channel)) throw new Error(`second handler for ${channel}`);
      state.invokeHandlers.set(channel, listener);
    },
    removeHandler(channel: string): void {
      state.invokeHandlers.delete(channel);
    },
    eventNames: (): string[] => [...state.onListeners.keys()],
    removeAllListeners(channel: string): void {
      state.onListeners.delete(channel);
    },
  };

  return {
    __fake: state,
    app,
    BrowserWindow: FakeBrowserWindow,
    Tray: FakeTray,
    Menu: { buildFromTemplate: (template: unknown[]) => ({ template }) },
    nativeImage: { createFromBuffer: (png: Buffer) => ({ png }) },
    nativeTheme: { themeSource: 'system' },
    screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
    shell: {
      openExternal: async (href: string) => void state.opened.push(href),
    },
    dialog: { showErrorBox: (title: string, body: string) => void state.errorBoxes.push(`${title}: ${body}`) },
    protocol: {
      registerSchemesAsPrivileged(schemes: unknown[]): void {
        calls.push(`registerSchemesAsPrivileged ready=${ready}`);
        state.privileged.push(...schemes);
      },
      handle(scheme: string, handler: (r: Request) => Promise<Response>): void {
        state.protocolHandlers.set(scheme, handler);
      },
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: () => undefined,
        setPermissionCheckHandler: () => undefined,
        webRequest: { onHeadersReceived: () => undefined },
      },
    },
    ipcMain,
  };
}

export type FakeElectron = ReturnType<typeof createFakeElectron>;
