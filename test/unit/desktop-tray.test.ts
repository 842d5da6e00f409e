import { inflateSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import type { Menu, MenuItemConstructorOptions, NativeImage, Tray } from 'electron';
import { EventBus } from '../../electron/core/events.js';
import { AppError } from '../../electron/core/app-error.js';
import type { BoundExecutor, ConnectionStatus } from '../../shared/dto/connection.js';
import type { InterpreterList, InterpreterView } from '../../shared/dto/interpreters.js';
import { TrayController, toMenuTemplate, type TrayHandlers } from '../../electron/main/tray.js';
import { crc32, discPng, toneIcon } from '../../electron/main/tray-icon.js';
import { clockTime, connectionLine, initialTrayState, interpreterLabel, oneLine, trayModel, type TrayEntry, type TrayState } from '../../electron/main/tray-model.js';

function interp(key: string, over: Partial<InterpreterView> = {}): InterpreterView {
  return {
    key, name: key, path: `/usr/bin/${key}`, venv_path: null, use_uv: false, required_packages: [], environment: {},
    active: false, status: 'ready', status_reason: null, version: '3.11.4', implementation: 'CPython', kind: 'system',
    validated: true, last_validated: null, validation_error: null, legacy: false, ...over,
  };
}

function conn(over: Partial<ConnectionStatus> = {}): ConnectionStatus {
  return {
    revision: 1, state: 'connected', mode: 'spawn', interpreter: 'py311', interpreter_path: '/usr/bin/python3.11', pid: 123,
    generation: 1, address: 'unix:/tmp/x.sock', started_at: null, uptime_s: 5, restarts: 0, last_error: null, stderr_tail: [],
    health_latency_ms: 1, switching_to: null, requests: { total: 0, failed: 0, in_flight: 0, p50_ms: null, p99_ms: null },
    pool: { size: 1, serving: 1, processes: [{ index: 0, pid: 123, generation: 1, state: 'serving', in_flight: 0, restarts: 0, started_at: null, last_error: null }] }, bound: [], ...over,
  };
}

const LIST: InterpreterList = {
  revision: 3,
  active: 'py311',
  pinned_by: null,
  active_error: null,
  interpreters: [
    interp('py311', { active: true }),
    interp('py38', { name: 'Old Python', version: '3.8.10' }),
    interp('broken', { status: 'error', status_reason: 'grpcio is missing\n(pip install grpcio)', version: null }),
    interp('gone', { status: 'unavailable', status_reason: null, validation_error: 'file not found: /opt/py/bin/python' }),
    interp('fresh', { status: 'unknown', version: null }),
    interp('checking', { status: 'validating' }),
  ],
};

const state = (over: Partial<TrayState> = {}): TrayState => ({ ...initialTrayState(), interpreters: LIST, connection: conn(), ...over });
const radios = (entries: TrayEntry[]) => entries.filter((e): e is Extract<TrayEntry, { type: 'radio' }> => e.type === 'radio' && e.command.kind === 'activate');
const labels = (entries: TrayEntry[]) => entries.map((e) => ('label' in e ? e.label : `--${e.type}`));

describe('tray model', () => {
  it('starts with the connection state line', () => {
    const m = trayModel(state());
    expect(m.entries[0]).toEqual({ type: 'label', label: 'Executor: connected — py311' });
    expect(m.tone).toBe('ok');
    expect(m.tooltip).toBe('Webhook Bridge — executor connected — py311');
  });

  it.each<[Partial<ConnectionStatus> | null, string | null, string, string]>([
    [{ state: 'connecting' }, null, 'Executor: connecting — py311…', 'busy'],
    [{ state: 'reconnecting', restarts: 2 }, null, 'Executor: reconnecting — py311 (restart 2)…', 'busy'],
    [{ state: 'failed', last_error: 'exited with code 1:\nModuleNotFoundError: grpc' }, null, 'Executor: failed — exited with code 1: ModuleNotFoundError: grpc', 'error'],
    [{ state: 'disconnected' }, null, 'Executor: disconnected', 'error'],
    [{ switching_to: 'py38' }, null, 'Executor: switching to py38…', 'busy'],
    [null, null, 'Executor: starting…', 'busy'],
    [null, 'the executor is not available', 'Executor: unavailable (the executor is not available)', 'idle'],
  ])('describes %o / %s as %s', (c, err, text, tone) => {
    expect(connectionLine(state({ connection: c === null ? null : conn(c), connectionError: err }))).toEqual({ text, tone });
  });

  it('lists interpreters as radio items: active checked, unusable disabled with the reason', () => {
    const items = radios(trayModel(state()).entries);
    expect(items.map((i) => [i.label, i.checked, i.enabled])).toEqual([
      ['py311 — CPython 3.11.4', true, true],
      ['Old Python (py38) — CPython 3.8.10', false, true],
      ['broken — error: grpcio is missing (pip install grpcio)', false, false],
      ['gone — unavailable: file not found: /opt/py/bin/python', false, false],
      ['fresh (not validated)', false, true],
      ['checking — validating…', false, true],
    ]);
    expect(items.map((i) => i.command)).toEqual(LIST.interpreters.map((v) => ({ kind: 'activate', name: v.key })));
  });

  it('has the actions in order, Quit last', () => {
    const m = trayModel(state());
    const actions = m.entries.filter((e) => e.type === 'action').map((e) => 'label' in e && e.label);
    expect(actions).toEqual(['Open dashboard', 'Reconnect', 'Test connection', 'Quit']);
    expect(m.entries.at(-1)).toEqual({ type: 'action', label: 'Quit', enabled: true, command: { kind: 'quit' } });
  });

  it('disables switching, reconnect and test while an action runs, and shows what runs', () => {
    const m = trayModel(state({ busy: 'Switching to py38…', notice: 'old notice' }));
    expect(m.entries[1]).toEqual({ type: 'label', label: 'Switching to py38…' });
    expect(labels(m.entries)).not.toContain('old notice');
    expect(radios(m.entries).every((r) => !r.enabled)).toBe(true);
    const byLabel = (l: string) => m.entries.find((e) => 'label' in e && e.label === l);
    expect(byLabel('Reconnect')).toMatchObject({ enabled: false });
    expect(byLabel('Test connection')).toMatchObject({ enabled: false });
    expect(byLabel('Open dashboard')).toMatchObject({ enabled: true });
    expect(byLabel('Quit')).toMatchObject({ enabled: true });
  });

  it('shows the last notice, no interpreters, or loading', () => {
    expect(trayModel(state({ notice: 'Test OK: 3 probes' })).entries[1]).toEqual({ type: 'label', label: 'Test OK: 3 probes' });
    expect(labels(trayModel(state({ interpreters: { revision: 1, active: null, pinned_by: null, active_error: null, interpreters: [] } })).entries)).toContain('No interpreters configured');
    expect(labels(trayModel(state({ interpreters: null })).entries)).toContain('Interpreters: loading…');
  });

  it('offers the theme as radio items', () => {
    const sub = trayModel(state({ theme: 'dark' })).entries.find((e) => e.type === 'submenu' && e.label === 'Appearance');
    expect(sub).toMatchObject({ label: 'Appearance' });
    if (sub?.type !== 'submenu') throw new Error('no submenu');
    expect(sub.entries.map((e) => e.type === 'radio' && [e.label, e.checked])).toEqual([
      ['Follow system', false],
      ['Light', false],
      ['Dark', true],
    ]);
  });

  it('shows the executor pool: each process with its pid, state, calls in flight and restarts', () => {
    const proc = (index: number, pid: number | null, st: 'serving' | 'restarting', inFlight: number, restarts: number) => ({ index, pid, generation: index + 1, state: st, in_flight: inFlight, restarts, started_at: null, last_error: null });
    const c = conn({ pool: { size: 2, serving: 1, processes: [proc(0, 501, 'serving', 3, 0), proc(1, null, 'restarting', 0, 1)] } });
    const m = trayModel(state({ connection: c }));
    expect(m.entries[1]).toEqual({
      type: 'submenu',
      label: 'Executor pool: 1 of 2 serving',
      entries: [
        { type: 'label', label: '#0 pid 501 — serving, 3 in flight, 0 restarts' },
        { type: 'label', label: '#1 pid — — restarting, 0 in flight, 1 restart' },
      ],
    });
    const tpl = toMenuTemplate(m.entries, vi.fn());
    expect(tpl[1]?.label).toBe('Executor pool: 1 of 2 serving');
    expect(Array.isArray(tpl[1]?.submenu) && tpl[1].submenu.length).toBe(2);
    // external mode runs no pool of its own
    expect(labels(trayModel(state({ connection: conn({ mode: 'external', pool: { size: 0, serving: 0, processes: [] } }) })).entries).some((l) => l.startsWith('Executor pool'))).toBe(false);
  });

  it('shows the pools of bound interpreters: state, plugins, processes, why stopped, last use', () => {
    const used = '2026-11-30T12:34:56.000Z';
    const bound = (over: Partial<BoundExecutor>): BoundExecutor => ({
      interpreter: 'ml-venv', interpreter_path: '/v/bin/python', plugins: ['ml', 'score'], state: 'serving', pool: { size: 0, serving: 0, processes: [] },
      in_flight: 0, last_used: null, stopped_at: null, stop_reason: null, last_error: null, ...over,
    });
    const proc = { generation: 1, started_at: null, last_error: null };
    const c = conn({
      bound: [
        bound({ last_used: used, in_flight: 2, pool: { size: 2, serving: 1, processes: [{ ...proc, index: 0, pid: 701, state: 'serving', in_flight: 2, restarts: 0 }, { ...proc, index: 1, pid: null, state: 'restarting', in_flight: 0, restarts: 1 }] } }),
        bound({ interpreter: 'old', plugins: ['legacy'], state: 'idle-stopped', last_used: used, stopped_at: used, stop_reason: 'idle for 300 s (executor.bound_idle_seconds)' }),
        bound({ interpreter: 'gone', plugins: ['x'], state: 'failing', last_error: "interpreter 'gone': file not found\n/opt/gone/bin/python", stop_reason: 'not started yet' }),
        bound({ interpreter: 'later', plugins: ['y'], state: 'stopped', stop_reason: 'not started yet: the first call of a plugin bound to it starts it' }),
      ],
    });
    const m = trayModel(state({ connection: c }));
    // right after the active pool, before the interpreters
    expect(labels(m.entries).slice(0, 4)).toEqual(['Executor: connected — py311', 'Executor pool: 1 of 1 serving', 'Bound interpreters: 1 of 4 running', '--separator']);
    const menu = m.entries[2];
    expect(menu?.type === 'submenu' && menu.entries).toEqual([
      {
        type: 'submenu',
        label: 'ml-venv — serving (1 of 2)',
        entries: [
          { type: 'label', label: 'Plugins: ml, score' },
          { type: 'label', label: '#0 pid 701 — serving, 2 in flight, 0 restarts' },
          { type: 'label', label: '#1 pid — — restarting, 0 in flight, 1 restart' },
          { type: 'label', label: `Last use: ${clockTime(used)}` },
        ],
      },
      {
        type: 'submenu',
        label: 'old — stopped (idle)',
        entries: [
          { type: 'label', label: 'Plugins: legacy' },
          { type: 'label', label: 'Stopped: idle for 300 s (executor.bound_idle_seconds)' },
          { type: 'label', label: `Last use: ${clockTime(used)}` },
        ],
      },
      {
        type: 'submenu',
        label: 'gone — failing',
        entries: [
          { type: 'label', label: 'Plugins: x' },
          { type: 'label', label: "Error: interpreter 'gone': file not found /opt/gone/bin/python" },
          { type: 'label', label: 'Not used yet' },
        ],
      },
      {
        type: 'submenu',
        label: 'later — stopped',
        entries: [
          { type: 'label', label: 'Plugins: y' },
          { type: 'label', label: oneLine('Stopped: not started yet: the first call of a plugin bound to it starts it') },
          { type: 'label', label: 'Not used yet' },
        ],
      },
    ]);
    // Electron gets nested submenus of disabled labels
    const tpl = toMenuTemplate(m.entries, vi.fn());
    const sub = tpl[2]?.submenu;
    expect(Array.isArray(sub) && sub.map((i) => i.label)).toEqual(['ml-venv — serving (1 of 2)', 'old — stopped (idle)', 'gone — failing', 'later — stopped']);
    // none bound: no entry
    expect(labels(trayModel(state()).entries).some((l) => l.startsWith('Bound interpreters'))).toBe(false);
  });

  it('keeps labels on one bounded line', () => {
    expect(oneLine('a\n  b\tc')).toBe('a b c');
    expect(oneLine('x'.repeat(200))).toHaveLength(70);
    expect(interpreterLabel(interp('k', { status: 'error', status_reason: 'y'.repeat(500) })).length).toBeLessThanOrEqual(70);
  });

  it('is a pure function of the state', () => {
    expect(trayModel(state())).toEqual(trayModel(state()));
  });
});

describe('menu template', () => {
  it('maps the model to Electron items and routes clicks to commands', () => {
    const run = vi.fn();
    const tpl = toMenuTemplate(trayModel(state()).entries, run);
    expect(tpl[0]).toEqual({ label: 'Executor: connected — py311', enabled: false });
    const py38 = tpl.find((i) => i.label?.startsWith('Old Python'));
    expect(py38).toMatchObject({ type: 'radio', checked: false, enabled: true });
    py38?.click?.({} as never, undefined, {} as never);
    expect(run).toHaveBeenCalledWith({ kind: 'activate', name: 'py38' });
    const broken = tpl.find((i) => i.label?.startsWith('broken'));
    expect(broken).toMatchObject({ type: 'radio', enabled: false });
    const appearance = tpl.find((i) => i.label === 'Appearance');
    expect(Array.isArray(appearance?.submenu) && appearance.submenu.length).toBe(3);
    tpl.find((i) => i.label === 'Quit')?.click?.({} as never, undefined, {} as never);
    expect(run).toHaveBeenLastCalledWith({ kind: 'quit' });
  });
});

/** A Tray stand-in recording what the controller shows. */
class FakeTray {
  static last: FakeTray | undefined;
  menus: MenuItemConstructorOptions[][] = [];
  tooltip = '';
  images = 0;
  destroyed = false;
  clickListener: (() => void) | undefined;
  constructor(_image: NativeImage) {
    FakeTray.last = this;
    this.images++;
  }
  on(_event: 'click', l: () => void): this {
    this.clickListener = l;
    return this;
  }
  setToolTip(t: string): void {
    this.tooltip = t;
  }
  setImage(): void {
    this.images++;
  }
  setContextMenu(menu: { template: MenuItemConstructorOptions[] }): void {
    this.menus.push(menu.template);
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  destroy(): void {
    this.destroyed = true;
  }
  get menu(): MenuItemConstructorOptions[] {
    return this.menus.at(-1) ?? [];
  }
  click(prefix: string): void {
    const find = (items: MenuItemConstructorOptions[]): MenuItemConstructorOptions | undefined =>
      items.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? i.submenu : [])]).find((i) => i.label?.startsWith(prefix));
    const item = find(this.menu);
    if (!item?.click) throw new Error(`no clickable item ${prefix}`);
    item.click({} as never, undefined, {} as never);
  }
}

function controller(handlers: Partial<TrayHandlers> = {}) {
  const events = new EventBus();
  const h: TrayHandlers = {
    listInterpreters: vi.fn(async () => LIST),
    getConnection: vi.fn(async () => conn()),
    activateInterpreter: vi.fn(async ({ name }) => ({ active: name, previous: 'py311', switched: true, message: `Switched to ${name}` })),
    reconnect: vi.fn(async () => conn({ revision: 5 })),
    testConnection: vi.fn(async () => ({ ok: true, status: 'SERVING', probes: 3, latency_ms: { min: 1, median: 2, max: 3 }, executor: { pid: 1, address: null, python_version: null, implementation: null, executable: null, plugins: 2 }, error: null })),
    ...handlers,
  };
  const deps = {
    Tray: FakeTray as unknown as typeof Tray,
    Menu: { buildFromTemplate: (template: MenuItemConstructorOptions[]) => ({ template }) } as unknown as Pick<typeof Menu, 'buildFromTemplate'>,
    createImage: () => ({}) as NativeImage,
    handlers: h,
    events,
    theme: 'system' as const,
    onOpen: vi.fn(),
    onQuit: vi.fn(),
    onTheme: vi.fn(),
    log: { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() },
  };
  const c = new TrayController(deps);
  c.start();
  const tray = FakeTray.last as FakeTray;
  return { c, tray, events, h, deps };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('TrayController', () => {
  it('fills the menu from the handlers and rebuilds it from events', async () => {
    const { tray, events } = controller();
    await settle();
    expect(tray.menu[0]?.label).toBe('Executor: connected — py311');
    expect(tray.tooltip).toBe('Webhook Bridge — executor connected — py311');
    const builds = tray.menus.length;
    events.emit('connectionChanged', conn({ revision: 2, state: 'reconnecting', restarts: 1 }));
    expect(tray.menu[0]?.label).toBe('Executor: reconnecting — py311 (restart 1)…');
    events.emit('interpretersChanged', { ...LIST, revision: 4, active: 'py38', interpreters: LIST.interpreters.map((v) => ({ ...v, active: v.key === 'py38' })) });
    expect(tray.menu.find((i) => i.checked)?.label).toMatch(/^Old Python/);
    expect(tray.menus.length).toBe(builds + 2);
  });

  it('does not rebuild when nothing shown changed, and ignores stale revisions', async () => {
    const { tray, events } = controller();
    await settle();
    const builds = tray.menus.length;
    events.emit('connectionChanged', conn({ revision: 2, requests: { total: 10, failed: 0, in_flight: 1, p50_ms: 1, p99_ms: 2 } }));
    expect(tray.menus.length).toBe(builds);
    events.emit('connectionChanged', conn({ revision: 1, state: 'failed' }));
    expect(tray.menu[0]?.label).toBe('Executor: connected — py311');
  });

  it('switches the interpreter through activateInterpreter and reports the outcome', async () => {
    const { tray, h } = controller();
    await settle();
    tray.click('Old Python');
    expect(h.activateInterpreter).toHaveBeenCalledWith({ name: 'py38' });
    expect(tray.menu[1]?.label).toBe('Switching to py38…');
    await settle();
    expect(tray.menu[1]?.label).toBe('Switched to py38');
  });

  it('does nothing for the active interpreter, and reports a failed switch', async () => {
    const { tray, h } = controller({ activateInterpreter: vi.fn(async () => Promise.reject(new AppError('CONFLICT', 'a job is running'))) });
    await settle();
    tray.click('py311');
    expect(h.activateInterpreter).not.toHaveBeenCalled();
    tray.click('Old Python');
    await settle();
    expect(tray.menu[1]?.label).toBe('Could not switch to py38: a job is running');
    expect(tray.menu.find((i) => i.checked)?.label).toMatch(/^py311/);
  });

  it('runs Reconnect and Test connection, one action at a time', async () => {
    const { tray, h } = controller();
    await settle();
    tray.click('Test connection');
    tray.click('Old Python'); // ignored while busy (and disabled in the menu)
    expect(h.activateInterpreter).not.toHaveBeenCalled();
    await settle();
    expect(tray.menu[1]?.label).toBe('Test OK: 3 probes, median 2.0 ms');
    tray.click('Reconnect');
    await settle();
    expect(h.reconnect).toHaveBeenCalledWith({});
    expect(tray.menu[1]?.label).toBe('Reconnect: executor connected');
  });

  it('shows an executor that is not available', async () => {
    const { tray } = controller({ getConnection: vi.fn(async () => Promise.reject(new AppError('UNAVAILABLE', 'the executor is not available'))) });
    await settle();
    expect(tray.menu[0]?.label).toBe('Executor: unavailable (the executor is not available)');
  });

  it('opens the dashboard, quits, sets the theme; disposes cleanly', async () => {
    const { tray, deps, c, events } = controller();
    await settle();
    tray.click('Open dashboard');
    expect(deps.onOpen).toHaveBeenCalled();
    tray.clickListener?.();
    expect(deps.onOpen).toHaveBeenCalledTimes(2);
    tray.click('Dark');
    expect(deps.onTheme).toHaveBeenCalledWith('dark');
    expect(tray.menu.find((i) => i.label === 'Appearance')?.submenu).toContainEqual(expect.objectContaining({ label: 'Dark', checked: true }));
    tray.click('Quit');
    expect(deps.onQuit).toHaveBeenCalled();
    c.dispose();
    expect(tray.destroyed).toBe(true);
    const builds = tray.menus.length;
    events.emit('connectionChanged', conn({ revision: 9, state: 'failed' }));
    expect(tray.menus.length).toBe(builds);
  });
});

describe('tray icon', () => {
  it('is a valid RGBA PNG of the requested size', () => {
    const png = discPng(32, [1, 2, 3]);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
    expect(png.readUInt32BE(16)).toBe(32);
    expect(png.readUInt32BE(20)).toBe(32);
    const ihdrCrc = png.readUInt32BE(8 + 8 + 13);
    expect(ihdrCrc).toBe(crc32(png.subarray(12, 12 + 4 + 13)));
    const idatLen = png.readUInt32BE(33);
    const raw = inflateSync(png.subarray(41, 41 + idatLen));
    expect(raw.length).toBe((32 * 4 + 1) * 32);
    const centre = 16 * (32 * 4 + 1) + 1 + 16 * 4;
    expect([...raw.subarray(centre, centre + 4)]).toEqual([1, 2, 3, 255]);
    expect(raw[1 + 3]).toBe(0); // corner transparent
  });

  it('differs by tone', () => {
    expect(toneIcon('ok').equals(toneIcon('error'))).toBe(false);
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });
});
