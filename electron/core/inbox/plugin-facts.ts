/**
 * What the app needs to know of a plugin's class on every webhook (its `ack` and `max_concurrency`
 * attributes, and whether it has a secret), one cache for the async dispatcher and the concurrency
 * limit alike, without a round trip per webhook: `GetPluginInfo` is asked once per plugin and
 * executor generation. A new generation (the executor restarted or switched: `invalidate()`) or an
 * entry older than `refreshMs` (the plugin file may have been edited: the executor reloads it without
 * restarting) is refreshed in the background while the last known value keeps answering; only the
 * first webhook of a plugin waits for the answer. When the executor cannot answer (restarting), the
 * last known value holds, so an immediate plugin stays immediate while its executor is down.
 */
import type { PluginInfo } from '../../../shared/dto/plugins.js';

export interface PluginFactsValue {
  ack: 'immediate' | 'sync' | null;
  maxConcurrency: number;
  hasSecret: boolean;
}

interface Entry {
  value: PluginFactsValue | null;
  /** Monotonic ms of the answer, or -Infinity when stale (a new generation). */
  at: number;
  refreshing: Promise<PluginFactsValue | null> | null;
}

export interface PluginFactsOptions {
  getPlugin: (name: string) => Promise<PluginInfo>;
  /** Monotonic ms. */
  now?: () => number;
  /** How old an answer may be before it is refreshed in the background (default 5 s). */
  refreshMs?: number;
}

const MAX_ENTRIES = 2000;
/** After a failed ask, how long until the next one (ms). */
const FAILED_RETRY_MS = 1000;

export class PluginFacts {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private readonly refreshMs: number;

  constructor(private readonly opts: PluginFactsOptions) {
    this.now = opts.now ?? (() => performance.now());
    this.refreshMs = opts.refreshMs ?? 5000;
  }

  /** The last known facts, or null (never answered); starts a refresh when they are old. Never waits. */
  peek(plugin: string): PluginFactsValue | null {
    const e = this.entries.get(plugin);
    if (!e) {
      void this.refresh(plugin);
      return null;
    }
    if (this.now() - e.at >= this.refreshMs) void this.refresh(plugin);
    return e.value;
  }

  /** The facts: the cached ones when known (refreshed behind when old), else the executor's answer (null when it has none). */
  async get(plugin: string): Promise<PluginFactsValue | null> {
    const e = this.entries.get(plugin);
    if (e && (e.value !== null || this.now() - e.at < this.refreshMs)) {
      if (this.now() - e.at >= this.refreshMs) void this.refresh(plugin);
      return e.value;
    }
    return this.refresh(plugin);
  }

  /**
   * null when nothing needs waiting for (known, refreshed behind when old; or asked a moment ago
   * without an answer), else the pending first ask: a plugin's first call waits for it, once.
   */
  ensure(plugin: string): Promise<void> | null {
    const e = this.entries.get(plugin);
    if (e && (e.value !== null || this.now() - e.at < this.refreshMs)) {
      if (this.now() - e.at >= this.refreshMs) void this.refresh(plugin);
      return null;
    }
    return this.refresh(plugin).then(() => undefined);
  }

  /** The executor changed (a new generation): every entry is asked again on its next use. */
  invalidate(): void {
    for (const e of this.entries.values()) e.at = -Infinity;
  }

  private refresh(plugin: string): Promise<PluginFactsValue | null> {
    let e = this.entries.get(plugin);
    if (e?.refreshing) return e.refreshing;
    if (!e) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
      e = { value: null, at: -Infinity, refreshing: null };
      this.entries.set(plugin, e);
    }
    const entry = e;
    // an answer counts from when it was asked: an edit landing meanwhile is seen by the next refresh
    const asked = this.now();
    entry.refreshing = this.opts
      .getPlugin(plugin)
      .then(
        (info) => {
          entry.value = { ack: info.ack, maxConcurrency: info.max_concurrency, hasSecret: info.has_secret };
          entry.at = asked;
          return entry.value;
        },
        () => {
          // no answer (executor down, no such plugin): the last known value holds; asked again
          // after FAILED_RETRY_MS, not on every webhook of a plugin that does not exist
          entry.at = Math.max(entry.at, asked - this.refreshMs + FAILED_RETRY_MS);
          return entry.value;
        },
      )
      .finally(() => {
        entry.refreshing = null;
      });
    return entry.refreshing;
  }
}
