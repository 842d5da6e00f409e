import type { OperationInput, OperationName, OperationOutput } from '../../shared/contract.js';
import type { Core } from './create-core.js';
import { shortConfigPatch } from './config/patch-keys.js';
import { AppError } from './errors.js';

/** One handler per contract operation: a missing one is a compile error. */
export type Handlers = { [K in OperationName]: (input: OperationInput<K>) => Promise<OperationOutput<K>> };

const APP_VERSION = '0.1.0';

function unavailable(what: string): never {
  throw new AppError('UNAVAILABLE', `${what} is not available`);
}

/** Binds every operation of the contract to the core. REST and IPC both call these. */
export function createHandlers(core: Core): Handlers {
  const { registry, config, logs } = core;
  return {
    health: async () => {
      const executor = core.executor?.healthSummary() ?? { state: 'disabled', serving: false, interpreter: registry.activeName() };
      return {
        status: executor.serving && config.valid ? 'ok' : 'degraded',
        version: APP_VERSION,
        uptime_s: Math.round((core.now().getTime() - core.startedAt.getTime()) / 1000),
        config_valid: config.valid,
        executor,
      };
    },
    listInterpreters: async () => registry.list(),
    addInterpreter: async (input) => registry.add(input),
    removeInterpreter: async ({ name }) => registry.remove(name),
    activateInterpreter: async ({ name }) => registry.activate(name),
    validateInterpreter: async ({ name }) => registry.validate(name),
    discoverInterpreters: async ({ refresh }) => (core.discovery ? core.discovery(refresh ?? false) : unavailable('discovery')),
    installPackages: async (input) => (core.jobs ? core.jobs.install(input) : unavailable('package installation')),
    createVenv: async ({ name }) => (core.jobs ? core.jobs.createVenv(name) : unavailable('virtual environment creation')),
    getJob: async ({ id }) => (core.jobs ? core.jobs.get(id) : unavailable('jobs')),
    cancelJob: async ({ id }) => (core.jobs ? core.jobs.cancel(id) : unavailable('jobs')),
    getConfig: async () => config.view,
    updateConfig: async (input) => core.updateConfig(shortConfigPatch(input)),
    getConnection: async () => (core.executor ? core.executor.status() : unavailable('the executor')),
    reconnect: async (input) => (core.executor ? core.executor.reconnect(input.interpreter) : unavailable('the executor')),
    testConnection: async () => (core.executor ? core.executor.test() : unavailable('the executor')),
    getLogs: async ({ since, limit }) => logs.read(since ?? 0, limit ?? 1000),
    listPlugins: async () => (core.executor ? core.executor.listPlugins() : unavailable('the executor')),
    getPlugin: async ({ name }) => (core.executor ? core.executor.getPlugin(name) : unavailable('the executor')),
    testPlugin: async (input) => (core.executor ? core.executor.testPlugin(input) : unavailable('the executor')),
  };
}
