/**
 * The shell's own preferences (electron-store, `preferences.json` in Electron's userData, which
 * index.ts points at `<data folder>/desktop`):
 * window bounds, last page, theme. The bridge's settings stay in the YAML config — nothing here
 * duplicates them. Values are checked on read, so a hand-edited or corrupt file cannot put the
 * window off-screen or load a foreign page.
 */
import type { Rectangle } from 'electron';
import { sanitizePage } from './security.js';
import type { WindowPrefs } from './window.js';

export type Theme = 'system' | 'light' | 'dark';
export const THEMES: readonly Theme[] = ['system', 'light', 'dark'];

export interface PreferenceValues {
  windowBounds: Rectangle | null;
  maximized: boolean;
  lastPage: string | null;
  theme: Theme;
}

/** The slice of electron-store used (an in-memory map in tests). */
export interface KeyValueStore {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
}

const MIN_SIZE = { width: 400, height: 300 };
const MAX_COORD = 100_000;

function isInt(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && Math.abs(n) <= MAX_COORD;
}

export function sanitizeBounds(raw: unknown): Rectangle | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const b = raw as Record<string, unknown>;
  if (!isInt(b['x']) || !isInt(b['y']) || !isInt(b['width']) || !isInt(b['height'])) return null;
  if (b['width'] < MIN_SIZE.width || b['height'] < MIN_SIZE.height) return null;
  return { x: b['x'], y: b['y'], width: b['width'], height: b['height'] };
}

export function sanitizeTheme(raw: unknown): Theme {
  return typeof raw === 'string' && (THEMES as readonly string[]).includes(raw) ? (raw as Theme) : 'system';
}

/**
 * Keeps stored bounds only if enough of the window (its top strip, where the title bar is) lies
 * on a current display's work area; shrinks it to that display when larger. Null: defaults.
 */
export function fitBounds(bounds: Rectangle | null, workAreas: readonly Rectangle[]): Rectangle | null {
  if (!bounds) return null;
  for (const area of workAreas) {
    const overlapW = Math.min(bounds.x + bounds.width, area.x + area.width) - Math.max(bounds.x, area.x);
    const titleVisible = bounds.y >= area.y && bounds.y + 40 <= area.y + area.height;
    if (overlapW >= 100 && titleVisible) {
      return { ...bounds, width: Math.min(bounds.width, area.width), height: Math.min(bounds.height, area.height) };
    }
  }
  return null;
}

export class Preferences implements WindowPrefs {
  constructor(private readonly store: KeyValueStore) {}

  values(): PreferenceValues {
    return {
      windowBounds: this.bounds(),
      maximized: this.maximized(),
      lastPage: this.lastPage(),
      theme: this.theme(),
    };
  }

  bounds(): Rectangle | null {
    return sanitizeBounds(this.store.get('windowBounds'));
  }

  maximized(): boolean {
    return this.store.get('maximized') === true;
  }

  lastPage(): string | null {
    return sanitizePage(this.store.get('lastPage'));
  }

  theme(): Theme {
    return sanitizeTheme(this.store.get('theme'));
  }

  saveWindow(bounds: Rectangle, maximized: boolean): void {
    const clean = sanitizeBounds(bounds);
    if (clean) this.store.set('windowBounds', clean);
    this.store.set('maximized', maximized);
  }

  saveLastPage(page: string): void {
    const clean = sanitizePage(page);
    if (clean && clean !== this.store.get('lastPage')) this.store.set('lastPage', clean);
  }

  saveTheme(theme: Theme): void {
    this.store.set('theme', sanitizeTheme(theme));
  }
}

/** Opens the electron-store file (main process only; imported lazily so tests never load Electron). */
export async function openPreferences(): Promise<Preferences> {
  const { default: Store } = await import('electron-store');
  const store = new Store<Record<string, unknown>>({ name: 'preferences', clearInvalidConfig: true });
  return new Preferences({ get: (key) => store.get(key), set: (key, value) => store.set(key, value) });
}
