/**
 * Follows config edits that concern the running executor: a changed `executor.mode` swaps the
 * backend; a changed `executor.host/port/timeout/threads/workers/queue_*`, `.reload_interval_seconds`,
 * `.max_streams`, `plugins.dirs`,
 * `plugins.legacy_envelope`, `plugins.legacy_generation` or an edit of the running
 * interpreter's entry (`path`, `venv_path`, `environment`) restarts it live. A new
 * `active_interpreter` is not followed here: the activation use-case switches (core/activation.ts).
 */
import type { Settings } from '../config/schema.js';
import { SerialQueue } from '../config/serial-queue.js';
import type { ConfigChange } from '../config/store.js';
import { errorMessage } from '../app-error.js';
import type { Disposable, Event } from '../events.js';
import type { Logger } from '../logging/logger.js';
import type { ExecutorBackend } from './backend.js';
import { executorArgs } from './concurrency.js';
import type { ConnectionManager } from './connection-status.js';

export interface ConfigFollowerDeps {
  config: { readonly settings: Settings; readonly onDidChange: Event<ConfigChange> };
  manager: ConnectionManager;
  makeBackend: (mode: 'spawn' | 'external') => ExecutorBackend;
  pluginDirs: (s: Settings) => string[];
  log: Logger;
}

export function followConfig(deps: ConfigFollowerDeps): { start(): void; stop(): Promise<void> } {
  const { config, manager, log } = deps;
  const running = (): string | null => {
    const snap = manager.backend.snapshot();
    return (snap.current?.interpreter ?? snap.target)?.key ?? null;
  };
  const launchSig = (): string => {
    const s = config.settings;
    return JSON.stringify([s.executor.host, s.executor.port, s.executor.timeout, s.executor.workers, s.plugins.legacy_envelope, s.plugins.legacy_generation, executorArgs(s.executor), deps.pluginDirs(s)]);
  };
  const entrySig = (name: string | null): string => {
    const s = config.settings;
    const entry = name === null ? undefined : s.python.interpreters[name];
    return JSON.stringify(entry ? [entry.path, entry.venv_path, entry.environment] : [s.python.interpreter]);
  };
  let lastLaunch = '';
  let lastEntry = '';
  let lastRunning: string | null = null;
  const reactions = new SerialQueue();
  let sub: Disposable | undefined;
  let stopped = false;

  const onChange = async (): Promise<void> => {
    if (stopped) return;
    const backend = manager.backend;
    const mode = config.settings.executor.mode;
    if (mode !== backend.mode) {
      log.info(`executor.mode is now ${mode}: switching the executor backend`);
      const next = deps.makeBackend(mode);
      manager.setBackend(next);
      await next.start();
      await backend.stop();
      return;
    }
    const name = running();
    const [launchNow, entryNow] = [launchSig(), entrySig(name)];
    // another interpreter running now (a switch): its entry is the one to watch from here on
    const relaunch = launchNow !== lastLaunch || (name === lastRunning && entryNow !== lastEntry);
    [lastLaunch, lastEntry, lastRunning] = [launchNow, entryNow, name];
    if (backend.mode === 'spawn' && relaunch) {
      log.info('executor settings changed: restarting the executor');
      await backend.restart();
    }
  };

  return {
    start() {
      [lastLaunch, lastRunning] = [launchSig(), running()];
      lastEntry = entrySig(lastRunning);
      sub = config.onDidChange(() => {
        void reactions.run(onChange).catch((err: unknown) => log.error(`applying the configuration change failed: ${errorMessage(err)}`));
      });
    },
    async stop() {
      stopped = true;
      sub?.dispose();
      await reactions.run(async () => undefined);
    },
  };
}
