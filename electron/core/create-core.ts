/**
 * Builds the core whole, in order, once: config → process runner → interpreters (registry, discovery, validation) →
 * executor (supervision, calls, connection state) → provisioning (jobs) → activation (the use-case
 * over interpreters and executor) → metrics (this core's Prometheus registry). Each wing gets what it needs through its factory; nothing is
 * attached or replaced afterwards. No wing imports this file.
 */
import path from 'node:path';
import type { UpdateConfigInput, ConfigView } from '../../shared/dto/config.js';
import type { PluginBinding } from '../../shared/dto/plugins.js';
import type { EventName, EventPayload } from '../../shared/contract.js';
import type { ConnectionStatus } from '../../shared/dto/connection.js';
import { createActivation, type ActivationService } from './activation.js';
import { PLUGIN_MAX_WAIT_MS_DEFAULT } from './config/schema.js';
import { ConfigStore } from './config/store.js';
import { EventBus, type Disposable } from './events.js';
import { CallSignals } from './executor/call-signals.js';
import { createExecutor } from './executor/create-executor.js';
import { LimitedExecutor } from './executor/limited-executor.js';
import { ConcurrencyLimiter } from './executor/limiter.js';
import type { ExecutorTuning } from './executor/tuning.js';
import { bindPlugin } from './interpreters/bindings.js';
import { createInterpreters, type DiscoveryService } from './interpreters/create-interpreters.js';
import type { InterpreterRegistry } from './interpreters/registry.js';
import { createAsyncDelivery, slotsOf } from './inbox/create-async.js';
import { createInbox, type Inbox } from './inbox/create-inbox.js';
import { apiBaseUrl, createDeliveries, type DeliveriesService } from './inbox/deliveries.js';
import { PluginFacts } from './inbox/plugin-facts.js';
import { LogBuffer, Logger, Redactor, type LogSink } from './logging/logger.js';
import { createMetrics, type Metrics } from './metrics/metrics.js';
import { ProcessRunner } from './process/runner.js';
import { createJobs, type JobsOptions } from './provisioning/create-jobs.js';
import type { Executor, JobsService } from './services.js';

export interface CoreOptions {
  configFile: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Extra sinks (console, rotating file); the in-memory buffer is always there. */
  logSinks: LogSink[];
  /** Holds python/ (the executor, the probes), plugins/ and proto/. */
  resourcesDir: string;
  /** The app's data folder (a downloaded uv, the tools' working folder). */
  dataDir: string;
  /** The user's home folder, for `~` in paths. */
  home: string;
  cwd?: string;
  now?: () => Date;
  watchConfig?: boolean;
  redactor?: Redactor;
  executorTuning?: Partial<ExecutorTuning>;
  /** Run discovery at start and after edits for the facts in the list (default true). */
  learnInterpreterFacts?: boolean;
  /** Only where a real part cannot exist in a test, or to inject a fault: used in place of the real one. */
  replace?: {
    executor?: Executor;
    uv?: JobsOptions['uv'];
  };
}

/** The domain core: every wing, built. */
export interface Core {
  readonly config: ConfigStore;
  readonly registry: InterpreterRegistry;
  readonly discovery: DiscoveryService;
  /** Every call of `executor.execute` is recorded here (the delivery store). */
  readonly inbox: Inbox;
  /** The delivery operations: list, get, delete, replay, export. */
  readonly deliveries: DeliveriesService;
  readonly executor: Executor;
  /** Each plugin's `max_concurrency` (sync calls wait in `core.executor`; the async runner takes slots with tryAcquire). */
  readonly limiter: ConcurrencyLimiter;
  readonly jobs: JobsService;
  readonly activation: ActivationService;
  /** Prometheus metrics of the calls, the executor and its switches (`GET /metrics`). */
  readonly metrics: Metrics;
  readonly events: EventBus;
  readonly logger: Logger;
  readonly logs: LogBuffer;
  readonly now: () => Date;
  readonly startedAt: Date;
  updateConfig(input: UpdateConfigInput): Promise<ConfigView>;
  /** Binds a plugin to an interpreter (`plugins.settings.<name>.interpreter`), or back to the active one (null). */
  bindPlugin(plugin: string, interpreter: string | null): Promise<PluginBinding>;
  dispose(): Promise<void>;
}

export async function createCore(opts: CoreOptions): Promise<Core> {
  const now = opts.now ?? (() => new Date());
  const events = new EventBus();
  const logs = new LogBuffer(5000);
  const logger = Logger.create({ level: 'info', sinks: [logs, ...opts.logSinks], now, instance: logs.instance, ...(opts.redactor ? { redactor: opts.redactor } : {}) });
  const disposables: Disposable[] = [logs.onDidAppend((e) => events.emit('logAppended', e))];

  // 1. config
  const config = await ConfigStore.open({ path: opts.configFile, env: opts.env, logger, now, watch: opts.watchConfig ?? true });
  logger.setLevel(config.settings.logging.level);
  disposables.push(
    config.onDidChange(({ view }) => {
      logger.setLevel(config.settings.logging.level);
      events.emit('configChanged', view);
    }),
  );
  const { env, home, resourcesDir } = opts;

  // the one process runner: the executor, probes, validation and package tools all start here
  const runner = new ProcessRunner({ env });

  // 2. interpreters
  const interpreters = createInterpreters({
    config, events, logger, now, runner, resourcesDir, env, home,
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    ...(opts.learnInterpreterFacts === false ? { learnFacts: false } : {}),
  });
  const { registry, discovery } = interpreters;

  // 3. the inbox (the delivery store), then the executor (its calls and switches signalled to the
  // metrics), wrapped so every call is recorded
  const signals = new CallSignals();
  const inbox = createInbox({ dataDir: opts.dataDir, settings: () => config.settings.inbox, log: logger.child('inbox'), now });
  // the connection status carries the inbox's recording status, in answers and in events alike
  const executorEvents = {
    emit<K extends EventName>(name: K, payload: EventPayload<K>): void {
      events.emit(name, name === 'connectionChanged' ? ({ ...(payload as ConnectionStatus), inbox: inbox.status() } as EventPayload<K>) : payload);
    },
  };
  // each plugin's max_concurrency (config, read live), applied beneath the recorder: a wait for a
  // slot counts in the recorded duration, a refused call is recorded as its 503
  const pluginSettings = (plugin: string) => config.settings.plugins.settings[plugin];
  const gateway =
    opts.replace?.executor ??
    createExecutor({
      config, events: executorEvents, logger, wall: now, runner, resourcesDir, env, home, workDir: opts.dataDir, signals,
      resolveActive: () => registry.resolveActive(),
      interpreters: { resolve: (name) => registry.resolve(name), problem: (name) => registry.problem(name) },
      ...(opts.executorTuning ? { tuning: opts.executorTuning } : {}),
    });
  // the plugin class attribute max_concurrency (executor's PluginInfo, 0 = none) when the config sets none
  // (one cache of the plugins' class attributes: the async dispatcher reads ack and the secret from it)
  const facts = new PluginFacts({ getPlugin: (plugin) => gateway.getPlugin(plugin) });
  const limiter = new ConcurrencyLimiter({
    limitOf: (plugin) => pluginSettings(plugin)?.max_concurrency ?? (facts.peek(plugin)?.maxConcurrency || null),
  });
  const recording = inbox.wrap(
    new LimitedExecutor(gateway, {
      limiter,
      maxWaitMs: (plugin) => pluginSettings(plugin)?.max_wait_ms ?? PLUGIN_MAX_WAIT_MS_DEFAULT,
      ready: (plugin) => {
        if (pluginSettings(plugin)?.max_concurrency !== undefined) return null;
        const fetching = facts.ensure(plugin);
        if (fetching === null) return null; // known (the usual case): no executor snapshot per call
        // with no executor serving the call would wait anyway: it does not wait twice (the answer
        // arrives behind it for the next calls)
        return gateway.readiness().serving ? fetching : null;
      },
    }),
  );
  // core.executor = the async dispatcher (ack: immediate → 202 + the durable queue) → the recorder
  // → the limiter → the gateway. The queue takes its slots itself (tryAcquire) and calls the gateway.
  const { executor, retry } = createAsyncDelivery({
    inbox, recorded: recording, beneath: gateway, config, events, log: logger.child('inbox'), now, facts,
    // a class-declared limit is known before the plugin's first queued run starts
    slots: slotsOf(limiter, (plugin) => (pluginSettings(plugin)?.max_concurrency === undefined ? facts.ensure(plugin) : null)),
  });
  disposables.push(
    // a raised limit lets waiting calls in at once
    config.onDidChange(() => limiter.refresh()),
    inbox.onDidChangeStatus(() => events.emit('connectionChanged', executor.status())),
    // one event per group commit and kind, with the summaries of the deliveries it wrote
    inbox.onDidChange((changes) => {
      const recorded = changes.filter((c) => c.kind === 'recorded').map((c) => c.delivery);
      const updated = changes.filter((c) => c.kind === 'updated').map((c) => c.delivery);
      if (recorded.length > 0) events.emit('deliveryRecorded', { deliveries: recorded });
      if (updated.length > 0) events.emit('deliveryUpdated', { deliveries: updated });
    }),
  );
  // the delivery operations over the inbox (replays run through the recorded executor)
  const deliveries = createDeliveries({
    inbox, executor, retry, bridgePython: path.join(resourcesDir, 'python'), hasInterpreter: (name) => registry.has(name),
    baseUrl: () => apiBaseUrl(config.listeningAddress ?? config.settings.server),
  });
  disposables.push(deliveries);

  // 4. provisioning
  const jobs = createJobs({
    registry, config, executor, events, logger, now, runner, resourcesDir, env, home, dataDir: opts.dataDir,
    ...(opts.replace?.uv ? { uv: opts.replace.uv } : {}),
  });

  // 5. the activation use-case
  const activation = createActivation({ registry, executor, config, busyReason: (name) => jobs.busyReason(name), logger });

  // 6. metrics: this core's own registry
  const metrics = createMetrics({ signals, status: () => executor.status() });

  return {
    config,
    registry,
    discovery,
    inbox,
    deliveries,
    executor,
    limiter,
    jobs,
    activation,
    metrics,
    events,
    logger,
    logs,
    now,
    startedAt: now(),
    async updateConfig(input) {
      const { active_interpreter: active, ...rest } = input;
      // the switch is the part that can fail (the new executor may never become ready): do it
      // first, so a refused switch leaves every other setting of the request unwritten too
      if (active !== undefined && active !== registry.activeName()) await activation.activate(active);
      if (Object.keys(rest).length > 0) {
        await config.edit((doc) => {
          if (rest.venv_path !== undefined) doc.setIn(['python', 'venv_path'], rest.venv_path);
          if (rest.auto_download_uv !== undefined) doc.setIn(['python', 'auto_download_uv'], rest.auto_download_uv);
          if (rest.logging_level !== undefined) doc.setIn(['logging', 'level'], rest.logging_level);
          if (rest.legacy_envelope !== undefined) doc.setIn(['plugins', 'legacy_envelope'], rest.legacy_envelope);
        });
      }
      return config.view;
    },
    bindPlugin: (plugin, interpreter) => bindPlugin({ config, has: (n) => registry.has(n), logger }, plugin, interpreter),
    async dispose() {
      activation.dispose();
      await jobs.dispose();
      await executor.stop();
      inbox.dispose();
      interpreters.dispose();
      metrics.dispose();
      signals.dispose();
      config.dispose();
      for (const d of disposables) d.dispose();
      events.dispose();
    },
  };
}
