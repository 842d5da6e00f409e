/**
 * `LimitedExecutor`: the executor with each plugin's `max_concurrency` applied to sync calls. It sits
 * beneath the delivery recorder (core.executor = async dispatcher → RecordingExecutor → this →
 * gateway), so the wait for a slot counts in the recorded duration and a refused call (503) is
 * recorded like any other. Everything but `execute` goes straight through.
 */
import type { ExecuteOptions, Executor, WebhookRequest, WebhookResponse } from '../services.js';
import { ForwardingExecutor } from './forwarding-executor.js';
import type { ConcurrencyLimiter } from './limiter.js';

export interface LimitedExecutorDeps {
  limiter: Pick<ConcurrencyLimiter, 'acquire'>;
  /** How long a sync call may wait for a slot of this plugin (ms), read at each call. */
  maxWaitMs(plugin: string): number;
  /**
   * Before a call: null when the plugin's limit is known now, else a promise settled once it is
   * (the class attribute `max_concurrency` fetched from the executor for the plugin's first call).
   */
  ready?(plugin: string): Promise<void> | null;
}

export class LimitedExecutor extends ForwardingExecutor {
  constructor(
    inner: Executor,
    private readonly deps: LimitedExecutorDeps,
  ) {
    super(inner);
  }

  /** The executor beneath the limit (the bench and the async runner, which takes its slots itself). */
  get limited(): Executor {
    return this.inner;
  }


  override async execute(request: WebhookRequest, options: ExecuteOptions = {}): Promise<WebhookResponse> {
    const known = this.deps.ready?.(request.plugin);
    if (known) await known;
    const release = await this.deps.limiter.acquire(request.plugin, {
      maxWaitMs: this.deps.maxWaitMs(request.plugin),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    try {
      return await this.inner.execute(request, options);
    } finally {
      release();
    }
  }
}
