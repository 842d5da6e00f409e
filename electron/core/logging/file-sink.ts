import { createRequire } from 'node:module';
import path from 'node:path';
import type { LogSink } from './logger.js';

interface ElectronLogFileTransport {
  level: string | false;
  maxSize: number;
  format: string;
  resolvePathFn: () => string;
}
interface ElectronLogInstance {
  transports: { file: ElectronLogFileTransport; console: { level: string | false } };
  info(...params: unknown[]): void;
  warn(...params: unknown[]): void;
  error(...params: unknown[]): void;
  debug(...params: unknown[]): void;
}
interface ElectronLogNode {
  create(options: { logId: string }): ElectronLogInstance;
}

/**
 * A rotating log file written through electron-log's plain-Node entry (the same library the
 * desktop shell uses), so headless mode and the app write the same files in the same folder.
 */
export function createFileSink(logDir: string, fileName = 'main.log', maxBytes = 2 * 1024 * 1024): LogSink {
  const require = createRequire(import.meta.url);
  const electronLog = require('electron-log/node') as ElectronLogNode;
  const log = electronLog.create({ logId: `webhook-bridge:${fileName}` });
  log.transports.console.level = false;
  log.transports.file.level = 'debug';
  log.transports.file.maxSize = maxBytes;
  log.transports.file.format = '{text}';
  const file = path.join(logDir, fileName);
  log.transports.file.resolvePathFn = () => file;
  return {
    write(e) {
      const line = `${e.time} ${e.level.toUpperCase()} [${e.source}] ${e.message}`;
      if (e.level === 'error') log.error(line);
      else if (e.level === 'warn') log.warn(line);
      else if (e.level === 'debug') log.debug(line);
      else log.info(line);
    },
  };
}
