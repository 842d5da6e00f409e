/**
 * Headless mode: the core and the REST API without Electron.
 *   npm run serve -- [--config PATH] [--host H] [--port N]
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startBridge } from './app.js';

function usage(message: string): never {
  process.stderr.write(`webhook-bridge: ${message}\nusage: npm run serve -- [--config PATH] [--host HOST] [--port N]\n`);
  process.exit(2);
}

function parsePort(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) > 65535) usage(`--port: expected 0-65535, got '${raw}'`);
  return Number(raw);
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        config: { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        quiet: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (err) {
    usage((err as Error).message);
  }
  // Signal handlers go in before anything is printed: a supervisor that reads the ready line and
  // at once sends SIGINT must find them installed (it used to race the lines below).
  const started: { bridge?: Awaited<ReturnType<typeof startBridge>>; pending?: string } = {};
  let exiting = false;
  const shutdown = (signal: string): void => {
    const bridge = started.bridge;
    if (bridge === undefined) {
      started.pending = signal;
      return;
    }
    if (exiting) return;
    exiting = true;
    bridge.core.logger.info(`${signal}: shutting down`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    bridge.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  const here = path.dirname(fileURLToPath(import.meta.url));
  const bridge = await startBridge({
    resourcesDir: path.resolve(here, '..', 'resources'),
    consoleLog: !values.quiet,
    ...(values.config !== undefined ? { configFlag: values.config } : {}),
    ...(values.host !== undefined ? { host: values.host } : {}),
    ...(parsePort(values.port) !== undefined ? { port: parsePort(values.port) as number } : {}),
  });
  const tokenWhere =
    bridge.token.source.kind === 'environment' ? 'WEBHOOK_BRIDGE_API_TOKEN' : `${bridge.token.source.path} (send it as Authorization: Bearer <token>)`;
  process.stdout.write(`Config: ${bridge.paths.configFile}\nAPI token: ${tokenWhere}\n`);
  process.stdout.write(`REST API listening on ${bridge.url}\n`);
  // The token rides in the fragment: browsers never send it to a server, and the page drops it
  // from the address bar at once. It is printed here only, never written to the log.
  const fragment = bridge.token.source.kind === 'file' ? `/#token=${encodeURIComponent(bridge.token.token)}` : '/ (paste WEBHOOK_BRIDGE_API_TOKEN when asked)';
  process.stdout.write(`Dashboard: ${bridge.url}${fragment}\n`);

  started.bridge = bridge;
  if (started.pending !== undefined) shutdown(started.pending);
}

main().catch((err: unknown) => {
  process.stderr.write(`webhook-bridge: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
