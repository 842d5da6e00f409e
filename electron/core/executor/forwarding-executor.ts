/**
 * `ForwardingExecutor`: the base of the executors that wrap another one (the async dispatcher, the
 * delivery recorder, the concurrency limit): every member goes straight to `inner`, and a wrapper
 * overrides only what it changes. Members are arrow fields, so they stay bound when handed on as
 * callbacks; an override is an arrow field too (TypeScript refuses a method over a field).
 */
import type { ExecuteOptions, Executor, WebhookRequest, WebhookResponse } from '../services.js';

export abstract class ForwardingExecutor implements Executor {
  constructor(protected readonly inner: Executor) {}

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

  abstract execute(request: WebhookRequest, options?: ExecuteOptions): Promise<WebhookResponse>;
}
