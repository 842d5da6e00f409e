/**
 * The plugin class attributes the app acts on (`max_concurrency`, `ack`), as the executor reports
 * them in PluginInfo, kept per plugin for `ttlMs`: `peek` answers synchronously from what is known,
 * `ensure` fetches a plugin never asked about (the first call waits for it, once) and refreshes a
 * stale entry in the background, so a changed class (the executor reloads plugin files) applies
 * within `ttlMs` without a gRPC call per webhook.
 */
import type { PluginInfo } from '../../../shared/dto/plugins.js';

export interface PluginInfoCacheDeps {
  fetch(plugin: string): Promise<PluginInfo>;
  /** How long an answer stays fresh (ms); default 5000. */
  ttlMs?: number;
  /** Monotonic ms. */
  now?: () => number;
}

interface Entry {
  info: PluginInfo | null;
  at: number;
  loading: Promise<void> | null;
}

/** At most this many plugins are remembered (names come from URLs; a scan of made-up names must not grow it without end). */
const MAX_ENTRIES = 2048;

export class PluginInfoCache {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(private readonly deps: PluginInfoCacheDeps) {
    this.ttlMs = deps.ttlMs ?? 5_000;
    this.now = deps.now ?? (() => performance.now());
  }

  /** What is known of the plugin: its info, null (unknown plugin, or the executor did not answer), undefined (never asked). */
  peek(plugin: string): PluginInfo | null | undefined {
    return this.entries.get(plugin)?.info;
  }

  /** null when nothing needs waiting for (known; refreshed behind if stale), else the first fetch to wait for. */
  ensure(plugin: string): Promise<void> | null {
    const e = this.entries.get(plugin);
    if (e && e.loading === null && this.now() - e.at < this.ttlMs) return null;
    if (e?.loading) return e.at < 0 ? e.loading : null;
    const entry: Entry = e ?? { info: null, at: -1, loading: null };
    if (!e) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
      this.entries.set(plugin, entry);
    }
    entry.loading = this.deps.fetch(plugin).then(
      (info) => {
        entry.info = info;
      },
      () => {
        entry.info = null;
      },
    ).finally(() => {
      entry.at = this.now();
      entry.loading = null;
    });
    return e ? null : entry.loading;
  }

  /** Forget everything (the executor restarted or switched: its plugins may differ). */
  clear(): void {
    this.entries.clear();
  }
}
