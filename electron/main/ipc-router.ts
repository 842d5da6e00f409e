/**
 * The IPC side of the contract, with Electron's `ipcMain` passed in (ipc.ts does that; tests pass
 * a fake). Every operation of `shared/contract.ts` is registered here in one loop: sender check →
 * the same input validation as REST → the handler → a `Result` envelope. Every contract event is
 * forwarded to the window.
 */
import { eventNames, events, operationNames, operations, type OperationName } from '../../shared/contract.js';
import { fail, ok, type Result } from '../../shared/result.js';
import { AppError, errorMessage, toErrorBody } from '../core/app-error.js';
import type { Disposable, EventBus } from '../core/events.js';
import type { InputValidator } from '../core/input.js';
import type { Handlers } from '../core/operations.js';
import { isAppUrl } from './security.js';

/** What the router needs of a frame (Electron's WebFrameMain satisfies it). */
export interface FrameLike {
  readonly url: string;
  readonly processId: number;
  readonly frameToken: string;
  readonly parent?: FrameLike | null;
}

/** What the router needs of an invoke event (Electron's IpcMainInvokeEvent satisfies it). */
export interface InvokeEventLike {
  readonly senderFrame: FrameLike | null;
}

/** The slice of Electron's `ipcMain` the router uses. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

export interface RouterLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface RouterDeps {
  handlers: Handlers;
  validator: InputValidator;
  /** The main frame of our window right now (null while there is no window). */
  trustedFrame: () => FrameLike | null;
  log: RouterLog;
}

/**
 * Only our own window's main frame, showing one of the app's pages, may call operations.
 * Frames are compared by process and frame token: Electron may hand out distinct WebFrameMain
 * objects for the same frame.
 */
export function isTrustedSender(sender: FrameLike | null, trusted: FrameLike | null): boolean {
  if (!sender || !trusted) return false;
  if (sender !== trusted && (sender.processId !== trusted.processId || sender.frameToken !== trusted.frameToken)) return false;
  if (sender.parent) return false;
  return isAppUrl(sender.url);
}

const FORBIDDEN: Result<never> = fail({ code: 'FORBIDDEN', message: "IPC caller is not the app's window" });

/** Answers one call of operation `name`; never throws. */
export async function answer(name: OperationName, deps: RouterDeps, event: InvokeEventLike, input: unknown): Promise<Result<unknown>> {
  let senderOk: boolean;
  try {
    senderOk = isTrustedSender(event.senderFrame, deps.trustedFrame());
  } catch {
    senderOk = false; // a destroyed frame throws on access
  }
  if (!senderOk) {
    deps.log.warn(`IPC ${operations[name].channel} refused: sender is not the app's main frame`);
    return FORBIDDEN;
  }
  try {
    const valid = deps.validator.check(name, input === undefined ? {} : input);
    const handler = deps.handlers[name] as (i: unknown) => Promise<unknown>;
    return ok(await handler(valid));
  } catch (err) {
    if (!(err instanceof AppError)) {
      deps.log.error(`IPC ${operations[name].channel} failed: ${err instanceof Error && err.stack ? err.stack : errorMessage(err)}`);
    }
    return fail(toErrorBody(err));
  }
}

/** Registers every contract operation on its channel; dispose removes them again. */
export function registerOperations(ipc: IpcMainLike, deps: RouterDeps): Disposable {
  const channels: string[] = [];
  for (const name of operationNames) {
    const channel = operations[name].channel;
    ipc.handle(channel, (event, input) => answer(name, deps, event, input));
    channels.push(channel);
  }
  return {
    dispose() {
      for (const channel of channels) ipc.removeHandler(channel);
    },
  };
}

/** The slice of `ipcMain` seen as an event emitter (`ipcMain.on` listeners). */
export interface IpcListenersLike {
  eventNames(): Array<string | symbol>;
  removeAllListeners(channel: string): unknown;
}

/**
 * Removes `ipcMain.on` listeners that libraries registered behind our back (electron-store answers
 * `electron-store-get-data` by `sendSync`): the contract's `invoke` channels are the only way in.
 * Returns the channels it closed.
 */
export function closeForeignChannels(ipc: IpcListenersLike, log: RouterLog): string[] {
  const closed: string[] = [];
  for (const name of ipc.eventNames()) {
    if (typeof name !== 'string') continue;
    ipc.removeAllListeners(name);
    closed.push(name);
  }
  if (closed.length > 0) log.info(`IPC: closed listeners outside the contract: ${closed.join(', ')}`);
  return closed;
}

/** Forwards every contract event from the core's bus to `send(channel, payload)`. */
export function forwardEvents(bus: EventBus, send: (channel: string, payload: unknown) => void): Disposable {
  const subs = eventNames.map((name) => bus.on(name, (payload) => send(events[name].channel, payload)));
  return {
    dispose() {
      for (const s of subs) s.dispose();
    },
  };
}
