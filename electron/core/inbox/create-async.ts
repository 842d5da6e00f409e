/**
 * Builds the asynchronous side of the inbox for create-core: the plugin facts cache (refreshed when
 * the executor's generation changes), the durable queue and the dispatcher that is `core.executor`.
 * Settings are read at each use (`plugins.settings.<name>.ack / max_attempts / max_age_seconds`,
 * else `inbox.max_attempts / max_age_seconds / retry_initial_ms / retry_max_ms`), so edits apply live.
 */
import type { Delivery } from '../../../shared/dto/deliveries.js';
import type { ConfigStore } from '../config/store.js';
import type { EventBus } from '../events.js';
import type { Executor } from '../services.js';
import type { Inbox } from './create-inbox.js';
import { AsyncDispatcher } from './dispatcher.js';
import type { PluginFacts } from './plugin-facts.js';
import { DeliveryQueue, UNLIMITED, type SlotSource } from './queue.js';
import type { RetryLimits } from './retry-policy.js';
import type { LogChannel } from './types.js';

export interface AsyncDeliveryOptions {
  inbox: Inbox;
  /** The recording executor (sync calls go through it). */
  recorded: Executor;
  /** The executor beneath the recorder (the queue's attempts write their own rows). */
  beneath: Executor;
  config: Pick<ConfigStore, 'settings'>;
  events: Pick<EventBus, 'on'>;
  log: LogChannel;
  now: () => Date;
  /** Concurrency slots per plugin (default: none limited). */
  slots?: SlotSource;
  /** The plugins' class attributes (the one cache the limit reads too); invalidated here on a new generation. */
  facts: PluginFacts;
}

export interface AsyncDelivery {
  executor: AsyncDispatcher;
  facts: PluginFacts;
  /** Runs a dead or failed delivery again from the queue. */
  retry: (id: string) => Delivery;
}

/**
 * The queue's slots from the concurrency limiter. `firstFetch(plugin)` is the pending first lookup of
 * the plugin's class attributes (its max_concurrency), or null: while it runs no slot is given, and
 * its end wakes the queue, so a class-declared limit holds from the first queued run.
 */
export function slotsOf(limiter: SlotSource, firstFetch: (plugin: string) => Promise<void> | null): SlotSource {
  const listeners = new Set<(plugin: string) => void>();
  return {
    tryAcquire(plugin) {
      const first = firstFetch(plugin);
      if (!first) return limiter.tryAcquire(plugin);
      void first.finally(() => {
        for (const l of [...listeners]) l(plugin);
      });
      return null;
    },
    onAvailable(listener) {
      listeners.add(listener);
      const off = limiter.onAvailable(listener);
      return () => {
        listeners.delete(listener);
        off();
      };
    },
  };
}

export function createAsyncDelivery(opts: AsyncDeliveryOptions): AsyncDelivery {
  const { config, inbox } = opts;
  const wall = (): number => opts.now().getTime();
  const { facts } = opts;
  let generation: number | null = null;
  opts.events.on('connectionChanged', (s) => {
    if (s.generation === generation) return;
    generation = s.generation;
    facts.invalidate();
  });
  const pluginSettings = (plugin: string) => config.settings.plugins.settings[plugin];
  const limits = (plugin: string): RetryLimits => {
    const s = config.settings.inbox;
    const p = pluginSettings(plugin);
    return {
      maxAttempts: p?.max_attempts ?? s.max_attempts,
      maxAgeMs: (p?.max_age_seconds ?? s.max_age_seconds) * 1000,
      initialMs: s.retry_initial_ms,
      maxMs: Math.max(s.retry_max_ms, 1),
    };
  };
  let redacted = { key: '', names: new Set<string>() };
  const queue = new DeliveryQueue({
    inbox,
    run: opts.beneath,
    slots: opts.slots ?? UNLIMITED,
    limits,
    hasSecret: (plugin) => facts.peek(plugin)?.hasSecret ?? null,
    redactedHeaders: () => {
      const list = config.settings.inbox.redact_headers;
      const key = list.join('\n');
      if (key !== redacted.key) redacted = { key, names: new Set(list.map((n) => n.toLowerCase())) };
      return redacted.names;
    },
    log: opts.log,
    now: wall,
  });
  const executor = new AsyncDispatcher({
    inner: opts.recorded,
    inbox,
    queue,
    facts,
    configuredAck: (plugin) => pluginSettings(plugin)?.ack,
    log: opts.log,
    now: wall,
  });
  return { executor, facts, retry: (id) => executor.retry(id) };
}
