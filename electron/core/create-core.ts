import type { UpdateConfigInput, ConfigView } from '../../shared/dto/config.js';
import type { DiscoveryResult } from '../../shared/interpreters-discovery.js';
import { ConfigStore } from './config/store.js';
import { EventBus, type Disposable } from './events.js';
import { findPythonOnPath } from './interpreters/find-python.js';
import { InterpreterRegistry } from './interpreters/registry.js';
import { LogBuffer, Logger, Redactor, type LogSink } from './logging/logger.js';
import type { ExecutorService, JobsService } from './services.js';

export interface CoreOptions {
  configFile: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Extra sinks (console, rotating file); the in-memory buffer is always there. */
  logSinks: LogSink[];
  now?: () => Date;
  watchConfig?: boolean;
  /** The user's home folder, for `~` in paths. */
  home?: string;
  redactor?: Redactor;
}

/** The domain core: config, interpreter registry, events and logs (executor and jobs plug in). */
export interface Core {
  readonly config: ConfigStore;
  readonly registry: InterpreterRegistry;
  readonly events: EventBus;
  readonly logger: Logger;
  readonly logs: LogBuffer;
  readonly now: () => Date;
  readonly startedAt: Date;
  executor: ExecutorService | undefined;
  jobs: JobsService | undefined;
  discovery: ((refresh: boolean) => Promise<DiscoveryResult>) | undefined;
  updateConfig(input: UpdateConfigInput): Promise<ConfigView>;
  dispose(): Promise<void>;
}

export async function createCore(opts: CoreOptions): Promise<Core> {
  const now = opts.now ?? (() => new Date());
  const events = new EventBus();
  const logs = new LogBuffer(5000);
  const logger = Logger.create({ level: 'info', sinks: [logs, ...opts.logSinks], now, instance: logs.instance, ...(opts.redactor ? { redactor: opts.redactor } : {}) });
  const disposables: Disposable[] = [logs.onDidAppend((e) => events.emit('logAppended', e))];

  const config = await ConfigStore.open({ path: opts.configFile, env: opts.env, logger, now, watch: opts.watchConfig ?? true });
  logger.setLevel(config.settings.logging.level);
  disposables.push(
    config.onDidChange(({ view }) => {
      logger.setLevel(config.settings.logging.level);
      events.emit('configChanged', view);
    }),
  );

  const registry = new InterpreterRegistry({
    config,
    events,
    logger,
    now,
    findDefaultPython: () => findPythonOnPath(opts.env),
    ...(opts.home ? { home: opts.home } : {}),
  });

  const core: Core = {
    config,
    registry,
    events,
    logger,
    logs,
    now,
    startedAt: now(),
    executor: undefined,
    jobs: undefined,
    discovery: undefined,
    async updateConfig(input) {
      const { active_interpreter: active, ...rest } = input;
      // the switch is the part that can fail (the new executor may never become ready): do it
      // first, so a refused switch leaves every other setting of the request unwritten too
      if (active !== undefined && active !== registry.activeName()) await registry.activate(active);
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
    async dispose() {
      await core.jobs?.dispose();
      await core.executor?.stop();
      registry.dispose();
      config.dispose();
      for (const d of disposables) d.dispose();
      events.dispose();
    },
  };
  return core;
}
