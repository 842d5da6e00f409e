/**
 * `LimitedExecutor`: the executor with each plugin's `max_concurrency` applied to sync calls. It sits
 * beneath the delivery recorder (core.executor = async dispatcher → RecordingExecutor → this →
 * gateway), so the wait for a slot counts in the recorded duration and a refused call (503) is
 * recorded like any other. Everything but `execute` goes straight through.
 */
import type { ExecuteOptions, Executor, WebhookRequest, WebhookResponse } from '../services.js';
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

export class LimitedExecutor implements Executor {
  constructor(
    private readonly inner: Executor,
    private readonly deps: LimitedExecutorDeps,
  ) {}

  /** The executor beneath the limit (the bench and the async runner, which takes its slots itself). */
  get limited(): Executor {
    return this.inner;
  }

  start = (): Promise<void> => this.inner.start();
  stop = (): Promise<void> => this.inner.stop();
  mode = (): 'spawn' | 'external' => this.inner.mode();
  readiness: Executor['readiness'] = () => this.inner.readiness();
  status: Executor['status'] = () => this.inner.status();
  runningInterpreter = (): string | null => this.inner.runningInterpreter();
  switchTo: Executor['switchTo'] = (target) => this.inner.switchTo(target);
  restart = (): Promise<void> => this.inner.restart();
  test: Executor['test'] = () => this.inner.test();
  listPlugins: Executor['listPlugins'] = () => this.inner.listPlugins();
  getPlugin: Executor['getPlugin'] = (name) => this.inner.getPlugin(name);
  testPlugin: Executor['testPlugin'] = (input) => this.inner.testPlugin(input);

  async execute(request: WebhookRequest, options: ExecuteOptions = {}): Promise<WebhookResponse> {
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
