import { existsSync, realpathSync, statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logging/logger.js';

/** The file and, when it is a symlink, its target (where edits of the content happen). */
export function linkAndTarget(file: string): string[] {
  try {
    const target = realpathSync(file);
    return target === file ? [file] : [file, target];
  } catch {
    return [file];
  }
}

/**
 * Watches the config file for edits made by hand: the folder holding it and, for a symlinked
 * config, the folder of the link's target (dotfile managers link configs). Survives the folder
 * being deleted: it notices that, checks every `retryMs` whether the folder is back, then
 * watches it again and reports a change, so edits by hand are seen again.
 */
export class ConfigWatcher {
  private watchers: FSWatcher[] = [];
  /** folder → its inode when watching started: a folder deleted and made again has another */
  private inodes = new Map<string, number>();
  private retry: NodeJS.Timeout | undefined;
  private disposed = false;
  private watching = '';

  constructor(
    private readonly file: string,
    private readonly onChange: () => void,
    private readonly log: Logger,
    private readonly retryMs = 1000,
  ) {}

  start(): void {
    this.close();
    if (this.disposed) return;
    const files = linkAndTarget(this.file);
    this.watching = files.join('\0');
    const names = new Set(files.map((f) => path.basename(f)));
    const folders = [...new Set(files.map((f) => path.dirname(f)))];
    for (const dir of folders) {
      try {
        this.inodes.set(dir, statSync(dir).ino);
        const w = watch(dir, (_event, name) => {
          if (name === null || names.has(name)) this.onChange();
          else if (!this.intact()) this.lost();
        });
        w.on('error', (err) => {
          this.log.warn(`watching ${dir} failed (${err.message}): watching again when it is back`);
          this.lost();
        });
        this.watchers.push(w);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.log.warn(`cannot watch ${dir} for edits by hand: ${(err as Error).message}`);
        this.lost();
        return;
      }
    }
  }

  /** Watches again when the link now points elsewhere or a folder was replaced (not while waiting for it). */
  refresh(): void {
    if (this.retry || this.disposed) return;
    if (linkAndTarget(this.file).join('\0') !== this.watching || !this.intact()) this.start();
  }

  /** Whether every watched folder is still the one being watched. */
  intact(): boolean {
    for (const [dir, ino] of this.inodes) {
      try {
        if (statSync(dir).ino !== ino) return false;
      } catch {
        return false;
      }
    }
    return this.watchers.length > 0;
  }

  /** The folder vanished (or the watch failed): poll until it is back, then watch it again. */
  lost(): void {
    if (this.retry || this.disposed) return;
    this.close();
    this.retry = setInterval(() => {
      const folders = linkAndTarget(this.file).map((f) => path.dirname(f));
      if (!folders.every((d) => existsSync(d))) return;
      clearInterval(this.retry);
      this.retry = undefined;
      this.log.info(`${folders[0]} is back: watching it for edits by hand again`);
      this.start();
      this.onChange();
    }, this.retryMs);
    this.retry.unref();
  }

  private close(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
    this.inodes.clear();
  }

  dispose(): void {
    this.disposed = true;
    clearInterval(this.retry);
    this.retry = undefined;
    this.close();
  }
}
