/**
 * The tray menu as a pure function of state: connection line, the executor pool's processes (a
 * submenu), the pools of bound interpreters (a submenu each), interpreters as radio items
 * (active checked, unusable disabled with the reason), then the actions. tray.ts turns the model
 * into an Electron menu; tests check the model in Node.
 */
import type { BoundExecutor, BoundExecutorState, ConnectionStatus, ExecutorProcess } from '../../shared/dto/connection.js';
import type { InterpreterList, InterpreterView } from '../../shared/dto/interpreters.js';
import type { Theme } from './preferences.js';

export type TrayCommand =
  | { kind: 'open' }
  | { kind: 'reconnect' }
  | { kind: 'test' }
  | { kind: 'quit' }
  | { kind: 'activate'; name: string }
  | { kind: 'theme'; theme: Theme };

export type TrayEntry =
  | { type: 'label'; label: string }
  | { type: 'separator' }
  | { type: 'radio'; label: string; checked: boolean; enabled: boolean; command: TrayCommand }
  | { type: 'action'; label: string; enabled: boolean; command: TrayCommand }
  | { type: 'submenu'; label: string; entries: TrayEntry[] };

/** Colour of the tray icon. */
export type TrayTone = 'ok' | 'busy' | 'error' | 'idle';

export interface TrayModel {
  tooltip: string;
  tone: TrayTone;
  entries: TrayEntry[];
}

export interface TrayState {
  /** Latest executor status (null until known). */
  connection: ConnectionStatus | null;
  /** Why the status cannot be read (e.g. no executor in this build). */
  connectionError: string | null;
  interpreters: InterpreterList | null;
  /** What a running tray action is doing ("Switching to py311…"): other actions wait. */
  busy: string | null;
  /** Outcome of the last tray action. */
  notice: string | null;
  theme: Theme;
}

export const initialTrayState = (theme: Theme = 'system'): TrayState => ({
  connection: null,
  connectionError: null,
  interpreters: null,
  busy: null,
  notice: null,
  theme,
});

const MAX_TEXT = 70;

/** One line, bounded: menus show neither newlines nor long stack-like messages well. */
export function oneLine(text: string, max = MAX_TEXT): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function connectionLine(state: TrayState): { text: string; tone: TrayTone } {
  const c = state.connection;
  if (!c) {
    return state.connectionError
      ? { text: `Executor: unavailable (${oneLine(state.connectionError, 50)})`, tone: 'idle' }
      : { text: 'Executor: starting…', tone: 'busy' };
  }
  if (c.switching_to) return { text: `Executor: switching to ${c.switching_to}…`, tone: 'busy' };
  const who = c.interpreter ? ` — ${c.interpreter}` : '';
  switch (c.state) {
    case 'connected':
      return { text: `Executor: connected${who}`, tone: 'ok' };
    case 'connecting':
      return { text: `Executor: connecting${who}…`, tone: 'busy' };
    case 'reconnecting':
      return { text: `Executor: reconnecting${who} (restart ${c.restarts})…`, tone: 'busy' };
    case 'failed':
      return { text: `Executor: failed${c.last_error ? ` — ${oneLine(c.last_error, 50)}` : ''}`, tone: 'error' };
    case 'disconnected':
      return { text: 'Executor: disconnected', tone: 'error' };
  }
}

function processLine(p: ExecutorProcess): TrayEntry {
  const restarts = `${p.restarts} restart${p.restarts === 1 ? '' : 's'}`;
  return { type: 'label', label: `#${p.index} pid ${p.pid ?? '—'} — ${p.state}, ${p.in_flight} in flight, ${restarts}` };
}

/** The executor pool (spawn mode): one line per process with its pid, state, calls in flight and restarts. */
export function poolEntries(c: ConnectionStatus | null): TrayEntry[] {
  if (!c || c.mode !== 'spawn' || c.pool.size === 0) return [];
  return [{ type: 'submenu', label: `Executor pool: ${c.pool.serving} of ${c.pool.size} serving`, entries: c.pool.processes.map(processLine) }];
}

const BOUND_STATE_TEXT: Record<BoundExecutorState, string> = {
  starting: 'starting…',
  serving: 'serving',
  failing: 'failing',
  'idle-stopped': 'stopped (idle)',
  stopped: 'stopped',
};

/** When, in this machine's local time (the menu shows the moment; it is rebuilt on every change). */
export function clockTime(iso: string): string {
  return new Date(iso).toLocaleTimeString();
}

function boundEntry(b: BoundExecutor): TrayEntry {
  const lines: TrayEntry[] = [{ type: 'label', label: oneLine(b.plugins.length > 0 ? `Plugins: ${b.plugins.join(', ')}` : 'No plugin bound (started for a replay)') }];
  lines.push(...b.pool.processes.map(processLine));
  if (b.last_error) lines.push({ type: 'label', label: oneLine(`Error: ${b.last_error}`) });
  else if (b.pool.size === 0 && b.stop_reason) lines.push({ type: 'label', label: oneLine(`Stopped: ${b.stop_reason}`) });
  lines.push({ type: 'label', label: b.last_used ? `Last use: ${clockTime(b.last_used)}` : 'Not used yet' });
  const serving = b.state === 'serving' && b.pool.size > 1 ? ` (${b.pool.serving} of ${b.pool.size})` : '';
  return { type: 'submenu', label: oneLine(`${b.interpreter} — ${BOUND_STATE_TEXT[b.state]}${serving}`), entries: lines };
}

/**
 * The executor pools of interpreters plugins are bound to (started on first use, stopped when
 * idle): one submenu, with one submenu per interpreter (its plugins, processes, error or why it
 * stopped, last use).
 */
export function boundEntries(c: ConnectionStatus | null): TrayEntry[] {
  if (!c || c.bound.length === 0) return [];
  const running = c.bound.filter((b) => b.pool.size > 0).length;
  return [{ type: 'submenu', label: `Bound interpreters: ${running} of ${c.bound.length} running`, entries: c.bound.map(boundEntry) }];
}

const UNUSABLE = new Set(['error', 'unavailable']);

export function isUsable(v: InterpreterView): boolean {
  return !UNUSABLE.has(v.status);
}

export function interpreterLabel(v: InterpreterView): string {
  const title = v.name && v.name !== v.key ? `${v.name} (${v.key})` : v.key;
  if (!isUsable(v)) return oneLine(`${title} — ${v.status}: ${v.status_reason ?? v.validation_error ?? 'not usable'}`);
  if (v.status === 'validating') return `${title} — validating…`;
  const version = v.version ? ` — ${v.implementation ?? 'Python'} ${v.version}` : '';
  const unchecked = v.status === 'unknown' ? ' (not validated)' : '';
  return oneLine(`${title}${version}${unchecked}`);
}

function interpreterEntries(state: TrayState): TrayEntry[] {
  const list = state.interpreters;
  if (!list) return [{ type: 'label', label: 'Interpreters: loading…' }];
  if (list.interpreters.length === 0) return [{ type: 'label', label: 'No interpreters configured' }];
  // the environment variable wins over a choice made here: the others cannot be activated
  const head: TrayEntry = { type: 'label', label: list.pinned_by ? `Interpreter (pinned by ${list.pinned_by})` : 'Interpreter' };
  const problem: TrayEntry[] = list.active_error ? [{ type: 'label', label: oneLine(`No active interpreter: ${list.active_error}`) }] : [];
  return [
    head,
    ...problem,
    ...list.interpreters.map(
      (v): TrayEntry => ({
        type: 'radio',
        label: interpreterLabel(v),
        checked: v.active || list.active === v.key,
        enabled: state.busy === null && isUsable(v) && (list.pinned_by === null || list.active === v.key),
        command: { kind: 'activate', name: v.key },
      }),
    ),
  ];
}

const THEMES: ReadonlyArray<{ theme: Theme; label: string }> = [
  { theme: 'system', label: 'Follow system' },
  { theme: 'light', label: 'Light' },
  { theme: 'dark', label: 'Dark' },
];

export function trayModel(state: TrayState): TrayModel {
  const line = connectionLine(state);
  const idle = state.busy === null;
  const entries: TrayEntry[] = [{ type: 'label', label: line.text }];
  if (state.busy) entries.push({ type: 'label', label: oneLine(state.busy) });
  else if (state.notice) entries.push({ type: 'label', label: oneLine(state.notice) });
  entries.push(
    ...poolEntries(state.connection),
    ...boundEntries(state.connection),
    { type: 'separator' },
    ...interpreterEntries(state),
    { type: 'separator' },
    { type: 'action', label: 'Open dashboard', enabled: true, command: { kind: 'open' } },
    { type: 'action', label: 'Reconnect', enabled: idle, command: { kind: 'reconnect' } },
    { type: 'action', label: 'Test connection', enabled: idle, command: { kind: 'test' } },
    {
      type: 'submenu',
      label: 'Appearance',
      entries: THEMES.map(({ theme, label }) => ({ type: 'radio', label, checked: state.theme === theme, enabled: true, command: { kind: 'theme', theme } })),
    },
    { type: 'separator' },
    { type: 'action', label: 'Quit', enabled: true, command: { kind: 'quit' } },
  );
  return { tooltip: `Webhook Bridge — ${line.text.replace(/^Executor: /, 'executor ')}`, tone: line.tone, entries };
}
