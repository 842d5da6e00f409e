/**
 * The one activation use-case: resolve → start the executor under the new interpreter → cut over →
 * persist `active_interpreter`, or roll back. Every way in goes through here: REST and IPC
 * (`activateInterpreter`, `updateConfig`, `reconnect({interpreter})`), the tray (the same
 * handlers), and hand edits of `active_interpreter` in the file (followed below).
 *
 * Policy for WEBHOOK_BRIDGE_ACTIVE_INTERPRETER: it pins the active interpreter. Activating another
 * one is refused with CONFLICT saying the override wins; the list shows `pinned_by`.
 */
import type { ActivateResult } from '../../shared/dto/interpreters.js';
import type { ConnectionStatus } from '../../shared/dto/connection.js';
import { SerialQueue } from './config/serial-queue.js';
import type { ConfigChange } from './config/store.js';
import { conflict, errorMessage, notFound } from './app-error.js';
import type { Disposable, Event } from './events.js';
import type { ActiveChoice, ResolvedInterpreter } from './interpreters/registry.js';
import type { Logger } from './logging/logger.js';
import type { Executor } from './services.js';

/** What activation needs of the interpreter registry. */
export interface ActivationRegistry {
  activeChoice(): ActiveChoice;
  has(name: string): boolean;
  resolve(name: string): Promise<ResolvedInterpreter>;
  persistActive(name: string): Promise<void>;
  remove(name: string, refuse: (name: string) => string | null): Promise<{ removed: string }>;
}

export interface ActivationDeps {
  registry: ActivationRegistry;
  executor: Pick<Executor, 'mode' | 'status' | 'runningInterpreter' | 'switchTo' | 'restart'>;
  config: { readonly valid: boolean; readonly onDidChange: Event<ConfigChange>; edit(mutate: () => void): Promise<void> };
  /** Why an interpreter cannot be removed for another reason (a package job), or null. */
  busyReason: (name: string) => string | null;
  logger: Logger;
}

export interface ActivationService extends Disposable {
  /** Makes `name` the active interpreter (a no-op that says so when it already is). */
  activate(name: string): Promise<ActivateResult>;
  /** Restarts the executor; with another interpreter's name, activates that one. */
  reconnect(interpreter?: string): Promise<ConnectionStatus>;
  /** Removes an entry unless it is the active one, the one the executor runs, or busy with a job. */
  remove(name: string): Promise<{ removed: string }>;
}

export function createActivation(deps: ActivationDeps): ActivationService {
  const { registry, executor, config } = deps;
  const log = deps.logger.child('activation');
  // activations, removals and followed hand edits run one at a time
  const queue = new SerialQueue();

  const activateNow = async (name: string): Promise<ActivateResult> => {
    const choice = registry.activeChoice();
    if (choice.pinnedBy && name !== choice.name) {
      throw conflict(
        `${choice.pinnedBy} is set to '${choice.name ?? ''}' and pins the active interpreter: the override wins, so '${name}' cannot be activated while it is set (unset it and restart the app to choose another)`,
        { pinned_by: choice.pinnedBy, active: choice.name },
      );
    }
    if (!registry.has(name)) throw notFound(`no interpreter named '${name}'`);
    if (name === choice.name) {
      return { active: name, previous: name, switched: false, message: `'${name}' is already the active interpreter; nothing changed (use reconnect to restart the executor)` };
    }
    if (!config.valid) await config.edit(() => undefined); // raises CONFIG_INVALID
    const target = await registry.resolve(name);
    const previous = choice.name;
    // start under the new interpreter and cut over (throws CONFLICT and keeps the old one serving)
    const idle = executor.mode() === 'spawn' && executor.status().state === 'disconnected';
    const outcome = idle ? { switched: false, message: 'no executor is running; the new interpreter is used at the next start' } : await executor.switchTo(target);
    try {
      await registry.persistActive(name);
    } catch (err) {
      // the choice could not be saved: put the executor back on what the config still names
      if (outcome.switched && previous !== null) {
        await executor.switchTo(await registry.resolve(previous)).catch((e: unknown) => log.error(`could not switch back to '${previous}' after a failed save: ${errorMessage(e)}`));
      }
      throw err;
    }
    log.info(`activated interpreter '${name}'${previous ? ` (was '${previous}')` : ''}`);
    return { active: name, previous, ...outcome };
  };

  /** An edit of `active_interpreter` made elsewhere: switch to it, or put the running one back in the file. */
  const followHandEdit = async (): Promise<void> => {
    const state = executor.status().state;
    if (executor.mode() !== 'spawn' || state === 'disconnected') return;
    const choice = registry.activeChoice();
    const running = executor.runningInterpreter();
    if (choice.error) {
      log.error(`${choice.error}; the executor keeps running${running ? ` under '${running}'` : ''}`);
      return;
    }
    if (choice.name === null || choice.name === running) return;
    log.info(`the configuration now makes '${choice.name}' active: switching the executor`);
    try {
      await executor.switchTo(await registry.resolve(choice.name));
    } catch (err) {
      if (running === null || choice.pinnedBy || !registry.has(running)) throw err;
      log.error(`${errorMessage(err)}; putting active_interpreter back to '${running}'`);
      await registry.persistActive(running);
    }
  };
  // any edit that names another interpreter (by hand, or a config.edit elsewhere); our own persist
  // finds the executor already running the new one and does nothing
  const sub = config.onDidChange(() => {
    void queue.run(followHandEdit).catch((err: unknown) => log.error(`following the edited active_interpreter failed: ${errorMessage(err)}`));
  });

  return {
    activate: (name) => queue.run(() => activateNow(name)),
    async reconnect(interpreter) {
      if (interpreter !== undefined && interpreter !== registry.activeChoice().name) await queue.run(() => activateNow(interpreter));
      else await queue.run(() => executor.restart());
      return executor.status();
    },
    remove(name) {
      return queue.run(() =>
        registry.remove(name, (n) =>
          n === executor.runningInterpreter() ? `'${n}' is the interpreter the executor runs; activate another one before removing it` : deps.busyReason(n),
        ),
      );
    },
    dispose: () => sub.dispose(),
  };
}
