import type { OperationInput, OperationName, OperationOutput } from '../../shared/contract.js';
import type { ConfigView, Health, UpdateConfigInput } from '../../shared/dto/config.js';
import type { ActivationService } from './activation.js';
import { shortConfigPatch } from './config/patch-keys.js';
import type { ConfigStore } from './config/store.js';
import type { PluginBinding } from '../../shared/dto/plugins.js';
import type { DiscoveryService } from './interpreters/create-interpreters.js';
import type { InterpreterRegistry } from './interpreters/registry.js';
import type { DeliveriesService } from './inbox/deliveries.js';
import type { LogBuffer } from './logging/logger.js';
import type { Executor, JobsService } from './services.js';

/** One handler per contract operation: a missing one is a compile error. */
export type Handlers = { [K in OperationName]: (input: OperationInput<K>) => Promise<OperationOutput<K>> };

const APP_VERSION = '0.1.0';

/** The services the operations are bound to (a built core has them all). */
export interface OperationsDeps {
  config: Pick<ConfigStore, 'valid' | 'view'>;
  registry: Pick<InterpreterRegistry, 'list' | 'add' | 'validate'>;
  discovery: DiscoveryService;
  executor: Pick<Executor, 'readiness' | 'status' | 'test' | 'listPlugins' | 'getPlugin' | 'testPlugin'>;
  jobs: Pick<JobsService, 'install' | 'createVenv' | 'get' | 'cancel'>;
  activation: Pick<ActivationService, 'activate' | 'reconnect' | 'remove'>;
  logs: Pick<LogBuffer, 'read'>;
  deliveries: DeliveriesService;
  now: () => Date;
  startedAt: Date;
  updateConfig(input: UpdateConfigInput): Promise<ConfigView>;
  /** Binds a plugin to an interpreter, or back to the active one (null). */
  bindPlugin(plugin: string, interpreter: string | null): Promise<PluginBinding>;
}

/** Binds every operation of the contract to the core. REST and IPC both call these. */
export function createHandlers(core: OperationsDeps): Handlers {
  const { registry, config, logs, executor, jobs, activation } = core;
  return {
    health: async (): Promise<Health> => {
      const readiness = executor.readiness();
      return {
        status: readiness.serving && config.valid ? 'ok' : 'degraded',
        version: APP_VERSION,
        uptime_s: Math.round((core.now().getTime() - core.startedAt.getTime()) / 1000),
        config_valid: config.valid,
        executor: readiness,
      };
    },
    listInterpreters: async () => registry.list(),
    addInterpreter: async (input) => registry.add(input),
    removeInterpreter: async ({ name }) => activation.remove(name),
    activateInterpreter: async ({ name }) => activation.activate(name),
    validateInterpreter: async ({ name }) => registry.validate(name),
    discoverInterpreters: async ({ refresh }) => core.discovery.discover(refresh ?? false),
    installPackages: async (input) => jobs.install(input),
    createVenv: async ({ name }) => jobs.createVenv(name),
    getJob: async ({ id }) => jobs.get(id),
    cancelJob: async ({ id }) => jobs.cancel(id),
    getConfig: async () => config.view,
    updateConfig: async (input) => core.updateConfig(shortConfigPatch(input)),
    getConnection: async () => executor.status(),
    reconnect: async ({ interpreter }) => activation.reconnect(interpreter),
    testConnection: async () => executor.test(),
    getLogs: async ({ since, limit }) => logs.read(since ?? 0, limit ?? 1000),
    listPlugins: async () => executor.listPlugins(),
    getPlugin: async ({ name }) => executor.getPlugin(name),
    testPlugin: async (input) => executor.testPlugin(input),
    listDeliveries: async (filter) => core.deliveries.list(filter),
    getDelivery: async ({ id }) => core.deliveries.get(id),
    replayDelivery: async (input) => core.deliveries.replay(input),
    retryDelivery: async ({ id }) => core.deliveries.retry(id),
    exportDelivery: async (input) => core.deliveries.export(input),
    deleteDeliveries: async (filter) => core.deliveries.delete(filter),
    setPluginInterpreter: async ({ name, interpreter }) => core.bindPlugin(name, interpreter),
    clearPluginInterpreter: async ({ name }) => core.bindPlugin(name, null),
  };
}
