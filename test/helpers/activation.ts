/**
 * The interpreter registry and the activation use-case over a config file, for unit tests that
 * need no executor process: the executor port is a stand-in that is not running (activation then
 * only persists, as when the app has not started one) unless a test gives `switchTo` to inject a fault.
 */
import type { ConnectionStatus } from '../../shared/dto/connection.js';
import { createActivation, type ActivationService } from '../../electron/core/activation.js';
import type { ConfigStore } from '../../electron/core/config/store.js';
import type { EventBus } from '../../electron/core/events.js';
import { InterpreterRegistry, type ActivationOutcome, type ResolvedInterpreter, type Validator } from '../../electron/core/interpreters/registry.js';
import type { Logger } from '../../electron/core/logging/logger.js';

const notInThisTest: Validator = async () => {
  throw new Error('validation is not part of this test');
};

export function registryFor(config: ConfigStore, events: EventBus, logger: Logger, opts: { validator?: Validator; now?: () => Date } = {}): InterpreterRegistry {
  return new InterpreterRegistry({ config, events, logger, findDefaultPython: async () => '/usr/bin/python3', validator: opts.validator ?? notInThisTest, ...(opts.now ? { now: opts.now } : {}) });
}

export interface StandInExecutor {
  /** Given: the executor "runs" and switches through this (a fault can be injected); else it is not running. */
  switchTo?: (target: ResolvedInterpreter) => Promise<ActivationOutcome>;
}

export function activationFor(
  registry: InterpreterRegistry,
  config: ConfigStore,
  logger: Logger,
  executor: StandInExecutor = {},
  busyReason: (name: string) => string | null = () => null,
): ActivationService {
  let running: string | null = null;
  const running_ = executor.switchTo !== undefined;
  return createActivation({
    registry,
    config,
    logger,
    busyReason,
    executor: {
      mode: () => 'spawn',
      status: () => ({ state: running_ ? 'connected' : 'disconnected' }) as ConnectionStatus,
      runningInterpreter: () => (running_ ? (running ?? registry.activeName()) : null),
      switchTo: async (target) => {
        if (!executor.switchTo) throw new Error('the stand-in executor is not running');
        const outcome = await executor.switchTo(target);
        running = target.key;
        return outcome;
      },
      restart: async () => undefined,
    },
  });
}
