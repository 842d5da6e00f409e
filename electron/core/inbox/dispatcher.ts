/**
 * `core.executor`: decides, per webhook, whether the sender waits for the plugin (`ack: sync`, the
 * default: the call goes on to the recorder) or is answered at once (`ack: immediate`): the delivery
 * is committed synchronously as `queued`, the answer is `202 {"delivery_id": …}` with a `Location`
 * of its job status (`GET /api/dashboard/deliveries/{id}`), and the durable queue runs it.
 *
 * The plugin's ack is `plugins.settings.<name>.ack` when the config says, else the plugin class's
 * `ack` attribute from `PluginFacts` (cached per executor generation: no round trip per webhook).
 * Replays and test requests (they carry a delivery id or `replayOf`) always run at once: whoever
 * asked for them waits for the result.
 *
 * A repeat of a provider's delivery id within `inbox.dedup_window_seconds` is answered as the sync
 * path answers it (200 naming the original) unless the original failed (dead, or ended 4xx/5xx).
 *
 * Recording off (`inbox.enabled: false`) does not make an immediate plugin lose deliveries: its
 * deliveries are still written (the database is the queue). When the store cannot write, the
 * delivery is refused with 503 (the sender retries), never acknowledged without being kept.
 */
import { AppError } from '../app-error.js';
import { ForwardingExecutor } from '../executor/forwarding-executor.js';
import type { ExecuteOptions, Executor, WebhookRequest, WebhookResponse } from '../services.js';
import { queuedRecord } from './async-record.js';
import type { Inbox } from './create-inbox.js';
import { idTime } from './ids.js';
import type { PluginFacts } from './plugin-facts.js';
import { retryRefusal, type DeliveryQueue } from './queue.js';
import { runsAgain } from './dedup.js';
import { duplicateResponse } from './recorder.js';
import type { LogChannel } from './types.js';
import type { Delivery } from '../../../shared/dto/deliveries.js';

export type AckMode = 'sync' | 'immediate';

export interface DispatcherOptions {
  /** The recording executor: sync calls and everything that is not a webhook call. */
  inner: Executor;
  inbox: Pick<Inbox, 'nextId' | 'writeNow' | 'load' | 'flush' | 'get' | 'findDuplicate'>;
  log: LogChannel;
  queue: DeliveryQueue;
  facts: PluginFacts;
  /** `plugins.settings.<name>.ack`, undefined when the config does not say. */
  configuredAck: (plugin: string) => AckMode | undefined;
  /** Wall clock, ms. */
  now: () => number;
}

/** Where a delivery's job status is read (the 202's Location). */
export const deliveryPath = (id: string): string => `/api/dashboard/deliveries/${id}`;

export class AsyncDispatcher extends ForwardingExecutor {
  constructor(private readonly opts: DispatcherOptions) {
    super(opts.inner);
  }

  /** The executor this one dispatches to (the bench measures beneath it). */
  get wrapped(): Executor {
    return this.inner;
  }

  override start = async (): Promise<void> => {
    await this.inner.start();
    this.opts.queue.start();
  };

  override stop = async (): Promise<void> => {
    const drained = this.opts.queue.stop();
    await this.inner.stop();
    await drained;
  };

  /** Whether the plugin's deliveries are acknowledged at once: the config, else the class attribute. */
  async ackOf(plugin: string): Promise<AckMode> {
    const configured = this.opts.configuredAck(plugin);
    if (configured) return configured;
    return (await this.opts.facts.get(plugin))?.ack === 'immediate' ? 'immediate' : 'sync';
  }

  override async execute(request: WebhookRequest, options: ExecuteOptions = {}): Promise<WebhookResponse> {
    if (options.replayOf !== undefined || options.deliveryId !== undefined) return this.inner.execute(request, options);
    if ((await this.ackOf(request.plugin)) !== 'immediate') return this.inner.execute(request, options);
    const id = this.opts.inbox.nextId();
    const record = queuedRecord(id, idTime(id), request);
    // dedup (inbox.dedup_window_seconds): a repeat of a provider delivery queued, running or done well is not queued again
    if (record.provider !== null && record.providerDeliveryId !== null) {
      const key = { plugin: request.plugin, provider: record.provider, providerDeliveryId: record.providerDeliveryId };
      const original = this.opts.inbox.findDuplicate(key);
      if (original && !runsAgain(original)) {
        this.opts.log.info(`inbox: ${key.provider} delivery ${key.providerDeliveryId} for plugin '${key.plugin}' repeats delivery ${original.id} (${original.state}); not queued again`);
        return duplicateResponse(original);
      }
    }
    // durable before the answer: a synchronous commit (after whatever the group-commit writer holds)
    this.opts.inbox.writeNow(record, 'recorded');
    this.opts.queue.enqueue(id, request.plugin, record.receivedMs);
    return {
      status: 202,
      headers: [['Location', deliveryPath(id)]],
      body: Buffer.from(JSON.stringify({ delivery_id: id })),
      contentType: 'application/json',
    };
  }

  /**
   * Runs a dead (or failed) delivery again from the queue, with a new series of attempts
   * (max_attempts and max_age count from now); every earlier attempt stays in its history.
   */
  retry(id: string): Delivery {
    const { inbox } = this.opts;
    inbox.flush();
    const r = inbox.load(id);
    if (!r) throw new AppError('NOT_FOUND', `no delivery ${id}`);
    const refusal = this.opts.queue.has(id) ? new AppError('CONFLICT', `delivery ${id} is already queued`) : retryRefusal(r);
    if (refusal) throw refusal;
    const now = this.opts.now();
    inbox.writeNow({ ...r, state: 'queued', nextAttemptMs: now, series: { sinceMs: now, fromAttempt: r.attempt } }, 'updated');
    this.opts.queue.enqueue(id, r.plugin, now);
    return inbox.get(id);
  }
}
