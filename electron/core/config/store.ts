import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Document } from 'yaml';
import type { ConfigIssue, ConfigView } from '../../../shared/dto/config.js';
import { AppError } from '../app-error.js';
import { Emitter, type Event } from '../events.js';
import type { Logger } from '../logging/logger.js';
import { removeStaleTempFiles, resolveWriteTarget, writeFileAtomic } from './atomic-file.js';
import { resolveSettings, type Effective } from './effective.js';
import { DEFAULT_CONFIG_TEXT, type Settings } from './schema.js';
import { issueToString } from './validate.js';
import { SerialQueue } from './serial-queue.js';
import { ConfigChecker, type CheckedConfig } from './checker.js';
import { ConfigWatcher } from './watcher.js';
import { configTrustProblems, currentUid } from '../trust.js';
import { recordEdit } from './edit-ops.js';
import { withListeningAddress, type ListeningAddress } from './listening.js';

export interface ConfigStoreOptions {
  path: string;
  env: Readonly<Record<string, string | undefined>>;
  logger: Logger;
  now?: () => Date;
  /** Watch the folder for edits made by hand (default true). */
  watch?: boolean;
  debounceMs?: number;
  backups?: number;
  /** The app's user id for the trust rule (tests inject another; null: no rule, as on Windows). */
  uid?: number | null;
  /** How often a vanished config folder is looked for (ms, default 1000). */
  retryMs?: number;
  /** The parse budget and the size parsed inline (tests shorten them). */
  parsing?: { budgetMs?: number; inlineBytes?: number };
}

export interface ConfigChange {
  source: 'app' | 'external';
  view: ConfigView;
}

/** Retries of an edit whose file was changed by hand while it was being written. */
const MAX_EDIT_ATTEMPTS = 5;
const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * The YAML configuration file: loads and checks it, keeps the last good settings, makes minimal
 * serialised edits through the yaml Document API, and notices edits made by hand.
 */
export class ConfigStore {
  private effective: Effective;
  private errors: ConfigIssue[] = [];
  private warnings: ConfigIssue[] = [];
  private knownHash = '';
  /** The last text that parsed and validated: what a deleted file is recreated from. */
  private lastGood: string | undefined;
  /** What lastGood holds, parsed: what edits are recorded against (edit-ops.ts). */
  private lastData: unknown = {};
  private revision = 0;
  private loadedAt: Date;
  private externalAt: Date | null = null;
  private listening: ListeningAddress | undefined;
  private watcher: ConfigWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private readonly queue = new SerialQueue();
  private readonly checker: ConfigChecker;
  private readonly changed = new Emitter<ConfigChange>();
  readonly onDidChange: Event<ConfigChange> = this.changed.event;
  private readonly now: () => Date;
  private readonly log: Logger;

  private constructor(private readonly opts: ConfigStoreOptions) {
    this.now = opts.now ?? (() => new Date());
    this.log = opts.logger.child('config');
    this.effective = resolveSettings({}, opts.env);
    this.checker = new ConfigChecker(opts.parsing);
    this.loadedAt = this.now();
  }

  static async open(opts: ConfigStoreOptions): Promise<ConfigStore> {
    const store = new ConfigStore(opts);
    await store.init();
    return store;
  }

  get path(): string {
    return this.opts.path;
  }

  /** The effective settings: the last good file, with defaults and environment overrides. */
  get settings(): Settings {
    return this.effective.settings;
  }

  /** False while the file on disk does not parse or validate; writes are refused then. */
  get valid(): boolean {
    return this.errors.length === 0;
  }

  /** Where the REST API listens: the view's server.host / server.port show it (`--port 0`). */
  setListeningAddress(at: ListeningAddress): void {
    this.listening = at;
  }

  /** Where the REST API listens, once it does. */
  get listeningAddress(): ListeningAddress | undefined {
    return this.listening;
  }

  get view(): ConfigView {
    return {
      revision: this.revision,
      path: this.opts.path,
      valid: this.valid,
      errors: this.errors,
      warnings: [
        ...this.warnings,
        ...this.effective.envErrors.map((m) => ({ path: '(environment)', message: m, line: null })),
      ],
      external_change_at: this.externalAt?.toISOString() ?? null,
      loaded_at: this.loadedAt.toISOString(),
      values: withListeningAddress(this.effective.values, this.listening),
    };
  }

  private async init(): Promise<void> {
    const file = this.opts.path;
    await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    const removed = await removeStaleTempFiles(file);
    if (removed > 0) this.log.info(`removed ${removed} temp file(s) left by an interrupted write`);
    if (!(await this.refuseUntrusted())) {
      let text: string;
      try {
        text = await fs.readFile(file, 'utf8');
        this.log.debug(`config file: ${file}`);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        this.log.info(`config file ${file} did not exist: created it with commented defaults`);
        await writeFileAtomic(await resolveWriteTarget(this.opts.path), DEFAULT_CONFIG_TEXT, { backups: 0 });
        text = DEFAULT_CONFIG_TEXT;
      }
      await this.adopt(text);
    }
    for (const o of this.effective.values.filter((v) => v.source === 'environment')) {
      this.log.debug(`override from ${o.env}: ${o.key} = ${JSON.stringify(o.value)}`);
    }
    if (this.opts.watch !== false) {
      this.watcher = new ConfigWatcher(file, () => this.scheduleCheck(), this.log, this.opts.retryMs);
      this.watcher.start();
    }
  }

  /**
   * The trust rule (trust.ts): a config file or folder that another user owns or can write is not
   * used. The app runs on the last good settings (defaults at start), reports why with the fix, and
   * refuses changes. Answers whether it refused.
   */
  private async refuseUntrusted(): Promise<boolean> {
    const problems = await configTrustProblems(this.opts.path, this.opts.uid === undefined ? currentUid() : this.opts.uid);
    if (problems.length === 0) return false;
    const issues = problems.map((m) => ({ path: '(file)', message: `not trusted: ${m}`, line: null }));
    if (issues.map((i) => i.message).join() !== this.errors.map((i) => i.message).join()) {
      this.errors = issues;
      this.knownHash = '';
      for (const m of problems) this.log.error(`config ${this.opts.path} is not used: ${m}`);
      this.changed.fire({ source: 'external', view: this.view });
    }
    return true;
  }

  private scheduleCheck(): void {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.checkDisk().catch((err: unknown) => this.log.error(`re-reading ${this.opts.path} failed: ${(err as Error).message}`));
    }, this.opts.debounceMs ?? 150);
  }

  /** Takes a text read from disk as the current state. Returns whether it was valid. */
  private async adopt(text: string, checked?: CheckedConfig): Promise<boolean> {
    const parsed = checked ?? (await this.checker.check(text));
    this.knownHash = sha(text);
    this.revision++;
    this.loadedAt = this.now();
    this.warnings = parsed.warnings;
    for (const w of parsed.warnings) this.log.warn(`config ${this.opts.path}: ${issueToString(w)}`);
    if (parsed.errors.length > 0) {
      this.errors = parsed.errors;
      for (const e of parsed.errors) this.log.error(`config ${this.opts.path}: ${issueToString(e)}`);
      this.log.error('the config file is invalid: running on the last good configuration; changes are refused until it is fixed');
      return false;
    }
    this.errors = [];
    this.lastGood = text;
    this.lastData = parsed.data;
    this.effective = resolveSettings(parsed.data, this.opts.env);
    return true;
  }

  /** Re-reads the file; when it differs from what the app knows, it is an edit made by hand. */
  checkDisk(): Promise<void> {
    return this.queue.run(async () => {
      await this.syncFromDisk();
      this.watcher?.refresh();
    });
  }

  /** Reads the file, adopting it when it changed; answers the text (defaults when missing) and what is on disk. */
  private async syncFromDisk(): Promise<{ text: string; onDisk: string | null }> {
    if (await this.refuseUntrusted()) return { text: this.lastGood ?? DEFAULT_CONFIG_TEXT, onDisk: null };
    let text: string;
    try {
      text = await fs.readFile(this.opts.path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        // deleted by hand: the next write recreates it from the last good configuration
        if (this.knownHash !== '') this.log.warn(`config file ${this.opts.path} is gone: the next change recreates it from the last good configuration`);
        return { text: this.lastGood ?? DEFAULT_CONFIG_TEXT, onDisk: null };
      }
      // unreadable (permissions, a folder in its place): run on the last good settings, refuse writes
      const issue = { path: '(file)', message: `cannot read the config file (${code ?? (err as Error).message})`, line: null };
      if (this.errors[0]?.message !== issue.message) {
        this.errors = [issue];
        this.knownHash = '';
        this.log.error(`config ${this.opts.path}: ${issue.message}; running on the last good configuration`);
        this.changed.fire({ source: 'external', view: this.view });
      }
      return { text: this.lastGood ?? DEFAULT_CONFIG_TEXT, onDisk: null };
    }
    if (sha(text) !== this.knownHash) {
      this.externalAt = this.now();
      const ok = await this.adopt(text);
      this.log.info(`config file changed outside the app${ok ? '' : ' (and is invalid)'}`);
      this.changed.fire({ source: 'external', view: this.view });
    }
    return { text, onDisk: text };
  }

  /**
   * Applies `mutate` to the file's current content (edit-ops.ts) and writes the result atomically. Edits are
   * serialised; an edit that would make the file invalid is refused and nothing is written.
   *
   * The file is compared with what the edit was based on right before it is replaced: when it
   * was edited by hand meanwhile (while the new version was being written and synced), the edit
   * is applied again to the new content instead of overwriting the hand edit. `mutate` may
   * therefore run more than once; it must only change `doc`.
   */
  edit<T>(mutate: (doc: Document, settings: Settings) => T): Promise<T> {
    return this.queue.run(async () => {
      for (let attempt = 1; ; attempt++) {
        const { text, onDisk } = await this.syncFromDisk();
        if (!this.valid) {
          throw new AppError(
            'CONFIG_INVALID',
            `the config file ${this.opts.path} is invalid; fix it before making changes: ${this.errors.map(issueToString).join('; ')}`,
            { errors: this.errors },
          );
        }
        // the mutation runs here on a stand-in (cheap); parsing, printing and the line diff run in
        // the parse worker for large files, so an edit never blocks the event loop for long
        const { result, ops } = recordEdit(this.lastData, (doc) => mutate(doc, this.settings));
        if (ops.length === 0) return result;
        const edited = await this.checker.edit(text, ops);
        if (!edited.ok) throw new AppError('INTERNAL', `could not apply the change to ${this.opts.path}: ${edited.message}`);
        const { next, check } = edited;
        if (check.errors.length > 0) {
          throw new AppError('INVALID_INPUT', `the change would make the config invalid: ${check.errors.map(issueToString).join('; ')}`, {
            errors: check.errors,
          });
        }
        if (next === text) return result;
        let written: boolean;
        try {
          written = await writeFileAtomic(await resolveWriteTarget(this.opts.path), next, { backups: this.opts.backups ?? 3, expected: onDisk });
        } catch (err) {
          const e = err as NodeJS.ErrnoException;
          throw new AppError('INTERNAL', `could not write ${this.opts.path}: ${e.code ?? e.message}; the file is unchanged`);
        }
        if (written) {
          this.watcher?.refresh(); // a folder made again is watched again
          await this.adopt(next, check);
          this.changed.fire({ source: 'app', view: this.view });
          return result;
        }
        if (attempt >= MAX_EDIT_ATTEMPTS) {
          throw new AppError('CONFLICT', `the config file ${this.opts.path} kept changing on disk while the app was editing it; try again`);
        }
        this.log.info('the config file changed on disk during an edit: applying the edit to the new content');
      }
    });
  }

  dispose(): void {
    clearTimeout(this.debounce);
    this.watcher?.dispose();
    this.checker.dispose();
    this.changed.dispose();
  }
}
