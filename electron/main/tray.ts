/**
 * The tray: icon + menu rebuilt from `interpretersChanged` / `connectionChanged`; its actions call
 * the same handlers as IPC and REST. Electron's Tray/Menu/nativeImage are passed in.
 */
import type { Menu, MenuItemConstructorOptions, NativeImage, Tray } from 'electron';
import type { ConnectionStatus } from '../../shared/dto/connection.js';
import type { InterpreterList } from '../../shared/dto/interpreters.js';
import { errorMessage } from '../core/app-error.js';
import type { Disposable, EventBus } from '../core/events.js';
import type { Handlers } from '../core/operations.js';
import type { Theme } from './preferences.js';
import { toneIcon } from './tray-icon.js';
import { initialTrayState, trayModel, type TrayCommand, type TrayEntry, type TrayState, type TrayTone } from './tray-model.js';
import type { ShellLogLike } from './window.js';

/** Model entries → Electron menu template; `run` receives the command of a clicked item. */
export function toMenuTemplate(entries: readonly TrayEntry[], run: (command: TrayCommand) => void): MenuItemConstructorOptions[] {
  return entries.map((e): MenuItemConstructorOptions => {
    switch (e.type) {
      case 'separator':
        return { type: 'separator' };
      case 'label':
        return { label: e.label, enabled: false };
      case 'radio':
        return { type: 'radio', label: e.label, checked: e.checked, enabled: e.enabled, click: () => run(e.command) };
      case 'action':
        return { label: e.label, enabled: e.enabled, click: () => run(e.command) };
      case 'submenu':
        return { label: e.label, submenu: toMenuTemplate(e.entries, run) };
    }
  });
}

export type TrayHandlers = Pick<Handlers, 'listInterpreters' | 'getConnection' | 'activateInterpreter' | 'reconnect' | 'testConnection'>;

export interface TrayDeps {
  Tray: typeof Tray;
  Menu: Pick<typeof Menu, 'buildFromTemplate'>;
  createImage: (png: Buffer) => NativeImage;
  handlers: TrayHandlers;
  events: EventBus;
  theme: Theme;
  onOpen: () => void;
  onQuit: () => void;
  onTheme: (theme: Theme) => void;
  log: ShellLogLike;
}

export class TrayController {
  private tray: Tray | null = null;
  private state: TrayState;
  private subs: Disposable[] = [];
  private lastMenu = '';
  private lastTone: TrayTone | null = null;

  constructor(private readonly deps: TrayDeps) {
    this.state = initialTrayState(deps.theme);
  }

  start(): void {
    const { deps } = this;
    this.tray = new deps.Tray(deps.createImage(toneIcon('busy')));
    this.tray.on('click', () => deps.onOpen());
    this.subs.push(
      deps.events.on('interpretersChanged', (list) => this.setInterpreters(list)),
      deps.events.on('connectionChanged', (status) => this.setConnection(status)),
    );
    this.render();
    void this.refresh();
  }

  /** Re-reads interpreters and connection (startup, after an action). */
  async refresh(): Promise<void> {
    const { handlers } = this.deps;
    await Promise.all([
      handlers.listInterpreters({}).then(
        (list) => this.setInterpreters(list),
        (err: unknown) => this.deps.log.warn(`tray: cannot list interpreters: ${errorMessage(err)}`),
      ),
      handlers.getConnection({}).then(
        (status) => this.setConnection(status),
        (err: unknown) => this.update({ connection: null, connectionError: errorMessage(err) }),
      ),
    ]);
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
    this.subs = [];
    this.tray?.destroy();
    this.tray = null;
  }

  private setInterpreters(list: InterpreterList): void {
    const cur = this.state.interpreters;
    if (!cur || list.revision >= cur.revision) this.update({ interpreters: list });
  }

  private setConnection(status: ConnectionStatus): void {
    const cur = this.state.connection;
    if (!cur || status.revision >= cur.revision) this.update({ connection: status, connectionError: null });
  }

  private update(patch: Partial<TrayState>): void {
    this.state = { ...this.state, ...patch };
    this.render();
  }

  private render(): void {
    if (!this.tray || this.tray.isDestroyed()) return;
    const model = trayModel(this.state);
    const key = JSON.stringify(model);
    if (key === this.lastMenu) return;
    this.lastMenu = key;
    this.tray.setToolTip(model.tooltip);
    if (model.tone !== this.lastTone) {
      this.lastTone = model.tone;
      this.tray.setImage(this.deps.createImage(toneIcon(model.tone)));
    }
    this.tray.setContextMenu(this.deps.Menu.buildFromTemplate(toMenuTemplate(model.entries, (c) => this.run(c))));
  }

  /** Runs a menu command; long ones show as `busy` and end with a `notice`. */
  run(command: TrayCommand): void {
    const { deps } = this;
    switch (command.kind) {
      case 'open':
        return deps.onOpen();
      case 'quit':
        return deps.onQuit();
      case 'theme':
        this.update({ theme: command.theme });
        return deps.onTheme(command.theme);
      case 'activate':
        if (command.name === this.state.interpreters?.active) return this.render();
        return this.action(`Switching to ${command.name}…`, async () => {
          const r = await deps.handlers.activateInterpreter({ name: command.name });
          return r.message;
        }, `Could not switch to ${command.name}`);
      case 'reconnect':
        return this.action('Reconnecting…', async () => {
          const status = await deps.handlers.reconnect({});
          this.setConnection(status);
          return `Reconnect: executor ${status.state}`;
        }, 'Reconnect failed');
      case 'test':
        return this.action('Testing the connection…', async () => {
          const t = await deps.handlers.testConnection({});
          const median = t.latency_ms.median === null ? '' : `, median ${t.latency_ms.median.toFixed(1)} ms`;
          return t.ok ? `Test OK: ${t.probes} probes${median}` : `Test failed: ${t.error ?? t.status}`;
        }, 'Test failed');
    }
  }

  private action(busy: string, work: () => Promise<string>, failure: string): void {
    if (this.state.busy !== null) return;
    this.update({ busy, notice: null });
    work().then(
      (notice) => {
        this.deps.log.info(`tray: ${notice}`);
        this.update({ busy: null, notice });
      },
      (err: unknown) => {
        const notice = `${failure}: ${errorMessage(err)}`;
        this.deps.log.warn(`tray: ${notice}`);
        this.update({ busy: null, notice });
      },
    ).finally(() => void this.refresh());
  }
}
