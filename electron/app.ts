/**
 * The one factory both entry points use (headless mode and the Electron shell): builds the core,
 * loads the API token, starts the REST server. Nothing here imports Electron.
 */
import os from 'node:os';
import type { FastifyInstance } from 'fastify';
import { buildServer } from './api/server.js';
import { dashboardPlugin } from './api/dashboard.js';
import { metricsRoute } from './api/metrics.js';
import { webhookRoutes } from './api/webhooks.js';
import { createCore, type Core, type CoreOptions } from './core/create-core.js';
import type { ExecutorTuning } from './core/executor/tuning.js';
import { createFileSink } from './core/logging/file-sink.js';
import { consoleSink, Redactor, type LogSink } from './core/logging/logger.js';
import { InputValidator } from './core/input.js';
import { createHandlers, type Handlers } from './core/operations.js';
import { resolveAppPaths, type AppPaths } from './core/paths.js';
import { loadOrCreateToken, type ApiToken } from './core/token.js';

export interface BridgeOptions {
  configFlag?: string;
  host?: string;
  port?: number;
  env?: Readonly<Record<string, string | undefined>>;
  home?: string;
  cwd?: string;
  /** Log to stderr as well as the file and the in-memory buffer. */
  consoleLog?: boolean;
  /** Write the rotating log file (default true). */
  fileLog?: boolean;
  extraSinks?: LogSink[];
  /** Directory holding resources/ (the executor, plugins, proto). */
  resourcesDir: string;
  /** Timings of the executor's supervision (tests shorten them). */
  executorTuning?: Partial<ExecutorTuning>;
  /** Parts used in place of the real ones (tests only: see CoreOptions.replace). */
  replace?: CoreOptions['replace'];
}

export interface Bridge {
  core: Core;
  handlers: Handlers;
  /** The one validator of operation inputs: the REST server uses it, and the desktop shell gives it to IPC. */
  validator: InputValidator;
  server: FastifyInstance;
  paths: AppPaths & { configFrom: string };
  token: ApiToken;
  url: string;
  stop(): Promise<void>;
}

export async function startBridge(opts: BridgeOptions): Promise<Bridge> {
  const env = opts.env ?? process.env;
  const paths = resolveAppPaths({ platform: process.platform, env, home: opts.home ?? os.homedir() }, opts.configFlag, opts.cwd);
  const redactor = new Redactor();
  const sinks: LogSink[] = [...(opts.extraSinks ?? [])];
  if (opts.consoleLog) sinks.push(consoleSink());
  if (opts.fileLog !== false) sinks.push(createFileSink(paths.logDir));
  const token = await loadOrCreateToken(paths.tokenFile, env);
  redactor.add(token.token);
  const core = await createCore({
    configFile: paths.configFile,
    env,
    logSinks: sinks,
    redactor,
    home: opts.home ?? os.homedir(),
    resourcesDir: opts.resourcesDir,
    dataDir: paths.dataDir,
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    ...(opts.executorTuning ? { executorTuning: opts.executorTuning } : {}),
    ...(opts.replace ? { replace: opts.replace } : {}),
  });
  core.logger.debug(`config file ${paths.configFile} (from ${paths.configFrom}); logs in ${paths.logDir}`);
  const handlers = createHandlers(core);
  const validator = new InputValidator();
  const host = opts.host ?? core.config.settings.server.host;
  const port = opts.port ?? core.config.settings.server.port;
  let server: FastifyInstance | undefined;
  try {
    await core.executor.start(); // a broken interpreter leaves the executor `failed`; the API still starts
    server = await buildServer({
      handlers, validator, events: core.events, logger: core.logger, token: token.token, listenHost: host,
      metricsUnauthenticated: () => core.config.settings.server.metrics_unauthenticated,
      plugins: [webhookRoutes(core.executor), metricsRoute(core.metrics), dashboardPlugin()],
    });
    await server.listen({ host, port });
  } catch (err) {
    await server?.close();
    await core.dispose();
    throw err;
  }
  const address = server.server.address();
  const realPort = typeof address === 'object' && address ? address.port : port;
  core.config.setListeningAddress({ host, port: realPort, requestedPort: port, fromCommandLine: { host: opts.host !== undefined, port: opts.port !== undefined } });
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${realPort}`;
  core.logger.info(`REST API listening on ${url}`);
  let stopping: Promise<void> | undefined;
  return {
    core,
    handlers,
    validator,
    server,
    paths,
    token,
    url,
    stop() {
      stopping ??= (async () => {
        await server.close();
        await core.dispose();
      })();
      return stopping;
    },
  };
}
