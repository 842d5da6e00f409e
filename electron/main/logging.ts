/**
 * Main-process logging. One folder for everything: the platform log folder the core uses
 * (`platformPaths().logDir`, also given to Electron with `app.setAppLogsPath`).
 *
 *  - Until the core is up (and after it stopped) the shell writes `shell.log` there through
 *    electron-log (rotating at 1 MB to `shell.old.log`): startup failures end up on disk.
 *  - Once `attach(core.logger)` ran, shell lines go through the core's logger instead, which
 *    feeds the Logs page (LogBuffer, `logAppended` events) and `main.log` (the core's rotating
 *    electron-log file sink), next to the executor's lines that the core logs the same way.
 *
 * electron-log's plain-Node entry is used on purpose: `electron-log/main` would register its own
 * `ipcMain` channel, and only ipc.ts registers IPC.
 */
import path from 'node:path';
import electronLog from 'electron-log/node';
import type { LogLevel } from '../../shared/dto/config.js';
import { errorMessage } from '../core/app-error.js';
import type { Logger } from '../core/logging/logger.js';
import type { ShellLogLike } from './window.js';

export type LogWriter = (level: LogLevel, message: string) => void;

/** Shell log lines: to the core's logger when attached, else to the fallback file writer. */
export class ShellLog implements ShellLogLike {
  private core: Logger | null = null;

  constructor(private readonly fallback: LogWriter) {}

  attach(logger: Logger): void {
    this.core = logger.child('shell');
  }

  detach(): void {
    this.core = null;
  }

  get attached(): boolean {
    return this.core !== null;
  }

  log(level: LogLevel, message: string): void {
    if (this.core) this.core.log(level, message);
    else this.fallback(level, message);
  }

  debug(message: string): void {
    this.log('debug', message);
  }
  info(message: string): void {
    this.log('info', message);
  }
  warn(message: string): void {
    this.log('warn', message);
  }
  error(message: string): void {
    this.log('error', message);
  }
}

export interface ShellLogOptions {
  logDir: string;
  /** Echo fallback lines to the console (development). */
  console: boolean;
  maxBytes?: number;
}

/** Creates the shell's log and starts catching uncaught errors and rejections into it. */
export function createShellLog(opts: ShellLogOptions): ShellLog {
  const log = electronLog.create({ logId: 'webhook-bridge:shell' });
  const file = path.join(opts.logDir, 'shell.log');
  log.transports.file.level = 'debug';
  log.transports.file.maxSize = opts.maxBytes ?? 1024 * 1024;
  log.transports.file.format = '{y}-{m}-{d}T{h}:{i}:{s}.{ms} {level} [shell] {text}';
  log.transports.file.resolvePathFn = () => file;
  log.transports.console.level = opts.console ? 'info' : false;
  const shell = new ShellLog((level, message) => {
    if (level === 'error') log.error(message);
    else if (level === 'warn') log.warn(message);
    else if (level === 'debug') log.debug(message);
    else log.info(message);
  });
  log.errorHandler.startCatching({
    showDialog: false,
    onError: ({ error, errorName }) => {
      shell.error(`${errorName || 'Uncaught error'}: ${error.stack ?? errorMessage(error)}`);
      return false;
    },
  });
  return shell;
}
