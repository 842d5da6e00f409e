/**
 * The one file that imports `ipcMain`: hands it to the router, which registers every contract
 * operation and forwards every contract event. Only `invoke`/`handle` is used (no `sendSync`); `on`
 * listeners that libraries added are removed, so the contract's channels are the only way in.
 */
import { ipcMain } from 'electron';
import type { Disposable, EventBus } from '../core/events.js';
import type { InputValidator } from '../core/input.js';
import type { Handlers } from '../core/operations.js';
import { closeForeignChannels, forwardEvents, registerOperations, type FrameLike, type RouterLog } from './ipc-router.js';

export interface IpcOptions {
  handlers: Handlers;
  /** The validator the REST adapter uses too (`Bridge.validator`): one instance, one set of compiled schemas. */
  validator: InputValidator;
  events: EventBus;
  trustedFrame: () => FrameLike | null;
  send: (channel: string, payload: unknown) => void;
  log: RouterLog;
}

/** Call once the libraries that register IPC of their own (electron-store) are loaded. */
export function registerIpc(opts: IpcOptions): Disposable {
  closeForeignChannels(ipcMain, opts.log);
  const operations = registerOperations(ipcMain, {
    handlers: opts.handlers,
    validator: opts.validator,
    trustedFrame: opts.trustedFrame,
    log: opts.log,
  });
  const forwarding = forwardEvents(opts.events, opts.send);
  return {
    dispose() {
      forwarding.dispose();
      operations.dispose();
    },
  };
}
