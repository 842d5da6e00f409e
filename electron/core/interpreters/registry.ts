import os from 'node:os';
import { statSync } from 'node:fs';
import path from 'node:path';
import type { AddInterpreterInput, InterpreterList, InterpreterStatus, InterpreterView } from '../../../shared/dto/interpreters.js';
import type { ValidationReport } from '../../../shared/interpreters-discovery.js';
import type { ConfigStore } from '../config/store.js';
import type { InterpreterEntry, Settings } from '../config/schema.js';
import { AppError, conflict, fieldDetails, notFound } from '../app-error.js';
import type { Disposable, EventBus } from '../events.js';
import type { Logger } from '../logging/logger.js';
import { pluginsBoundTo } from './bindings.js';
import { assertExecutableFile, maskEnvironment, normalizeUserPath } from './entries.js';

/** The legacy `python.interpreter` setting shows up as an interpreter with this name. */
export const LEGACY_NAME = 'default';

/** An interpreter with everything the executor needs (environment values unmasked). */
export interface ResolvedInterpreter {
  key: string;
  name: string;
  path: string;
  venv_path: string | null;
  use_uv: boolean;
  required_packages: string[];
  environment: Record<string, string>;
}

/** What a switch of the executor to another interpreter did. */
export interface ActivationOutcome {
  switched: boolean;
  message: string;
}

/** Which interpreter is active, who chose it, and why none is when a name matches nothing. */
export interface ActiveChoice {
  name: string | null;
  /** The environment variable that pins the choice (WEBHOOK_BRIDGE_ACTIVE_INTERPRETER), or null. */
  pinnedBy: string | null;
  /** Set when the choice names no configured interpreter (names the key and the value). */
  error: string | null;
}

export interface InterpreterFacts {
  version: string | null;
  implementation: string | null;
  kind: string | null;
}

export interface RegistryDeps {
  config: ConfigStore;
  events: EventBus;
  logger: Logger;
  now?: () => Date;
  /** The user's home folder, for `~` in paths (default: the process's). */
  home?: string;
  /** Finds the interpreter that `python.interpreter: auto` stands for. */
  findDefaultPython: () => Promise<string | null>;
  /** Runs the validation checks of one interpreter (under the environment the executor gets). */
  validator: Validator;
}

export type Validator = (entry: ResolvedInterpreter) => Promise<ValidationReport>;

/** Whether `dir` holds a virtual environment (one stat of its pyvenv.cfg). */
function isVenv(dir: string): boolean {
  try {
    return statSync(path.join(dir, 'pyvenv.cfg')).isFile();
  } catch {
    return false;
  }
}

/** The configured interpreters: list, add, remove, activate, validate. */
export class InterpreterRegistry {
  private readonly statuses = new Map<string, InterpreterStatus>();
  private readonly facts = new Map<string, InterpreterFacts>();
  private revision = 0;
  private readonly sub: Disposable;
  private readonly log: Logger;
  private readonly now: () => Date;

  constructor(private readonly deps: RegistryDeps) {
    this.log = deps.logger.child('interpreters');
    this.now = deps.now ?? (() => new Date());
    this.sub = deps.config.onDidChange(() => {
      this.forgetChangedEntries();
      this.changed();
    });
  }

  private get settings(): Settings {
    return this.deps.config.settings;
  }

  /** Configured entries, with the legacy single interpreter as `default` when it applies. */
  private entries(): Map<string, { entry: InterpreterEntry; legacy: boolean }> {
    const out = new Map<string, { entry: InterpreterEntry; legacy: boolean }>();
    const legacy = this.settings.python.interpreter;
    const named = this.settings.python.interpreters;
    if (legacy && !(LEGACY_NAME in named)) {
      out.set(LEGACY_NAME, { entry: { name: legacy === 'auto' ? 'Default Python (auto)' : 'Default Python', path: legacy }, legacy: true });
    }
    for (const [key, entry] of Object.entries(named)) out.set(key, { entry, legacy: false });
    return out;
  }

  /**
   * The active interpreter: `python.active_interpreter` (the file, or WEBHOOK_BRIDGE_ACTIVE_INTERPRETER,
   * which pins it), else the legacy entry. A name that matches no entry is an error, never a fallback.
   */
  activeChoice(): ActiveChoice {
    const entries = this.entries();
    const configured = this.settings.python.active_interpreter;
    const source = this.deps.config.view.values.find((v) => v.key === 'python.active_interpreter');
    const pinnedBy = source?.source === 'environment' ? (source.env ?? null) : null;
    if (configured) {
      if (entries.has(configured)) return { name: configured, pinnedBy, error: null };
      const where = pinnedBy ?? `python.active_interpreter in ${this.deps.config.path}`;
      const known = [...entries.keys()].map((k) => `'${k}'`).join(', ') || 'none';
      return { name: null, pinnedBy, error: `${where} is '${configured}', which matches no configured interpreter (configured: ${known})` };
    }
    if (entries.get(LEGACY_NAME)?.legacy) return { name: LEGACY_NAME, pinnedBy: null, error: null };
    return { name: null, pinnedBy: null, error: null };
  }

  /** The active interpreter's name, or null (none chosen, or the choice matches no entry). */
  activeName(): string | null {
    return this.activeChoice().name;
  }

  /** The active interpreter resolved for a launch; null when none is chosen; throws when the choice matches nothing. */
  async resolveActive(): Promise<ResolvedInterpreter | null> {
    const choice = this.activeChoice();
    if (choice.error) throw new AppError('CONFIG_INVALID', choice.error);
    return choice.name === null ? null : this.resolve(choice.name);
  }

  has(name: string): boolean {
    return this.entries().has(name);
  }

  async resolve(name: string): Promise<ResolvedInterpreter> {
    const found = this.entries().get(name);
    if (!found) throw notFound(`no interpreter named '${name}'`);
    const { entry } = found;
    let p = entry.path;
    if (p === 'auto') {
      const auto = await this.deps.findDefaultPython();
      if (!auto) throw new AppError('UNAVAILABLE', 'python.interpreter is "auto" but no Python 3 was found on this machine');
      p = auto;
    }
    return {
      key: name,
      name: entry.name ?? name,
      path: p,
      venv_path: entry.venv_path ? this.absoluteVenv(entry.venv_path) : null,
      use_uv: entry.use_uv ?? false,
      required_packages: entry.required_packages ?? [],
      environment: { ...(entry.environment ?? {}) },
    };
  }

  /** Why `name` cannot run plugins now (not configured, its python missing, failed its validation), or null. */
  problem(name: string): string | null {
    const found = this.entries().get(name);
    if (!found) return `no interpreter named '${name}'`;
    const { status, reason } = this.statusOf(name, found.entry);
    if (status === 'unavailable') return reason ?? 'its python is missing';
    if (status === 'error') return `it failed validation${reason ? `: ${reason}` : ''}`;
    return null;
  }

  private statusOf(key: string, entry: InterpreterEntry): { status: InterpreterStatus; reason: string | null } {
    const current = this.statuses.get(key);
    if (current === 'validating') return { status: current, reason: null };
    if (entry.path !== 'auto') {
      try {
        if (!statSync(entry.path).isFile()) return { status: 'unavailable', reason: `${entry.path} is not a file` };
      } catch {
        return { status: 'unavailable', reason: `${entry.path} does not exist` };
      }
    }
    if (current) return { status: current, reason: current === 'error' ? (entry.validation_error ?? null) : null };
    if (entry.validated === true) return { status: 'ready', reason: null };
    if (entry.validated === false) return { status: 'error', reason: entry.validation_error ?? null };
    return { status: 'unknown', reason: null };
  }

  list(): InterpreterList {
    const choice = this.activeChoice();
    const active = choice.name;
    const interpreters: InterpreterView[] = [];
    for (const [key, { entry, legacy }] of this.entries()) {
      const { status, reason } = this.statusOf(key, entry);
      const facts = this.facts.get(key);
      interpreters.push({
        key,
        name: entry.name ?? key,
        path: entry.path,
        venv_path: entry.venv_path ?? null,
        ...(entry.venv_path ? { venv_exists: isVenv(this.absoluteVenv(entry.venv_path)) } : {}),
        use_uv: entry.use_uv ?? false,
        required_packages: entry.required_packages ?? [],
        environment: maskEnvironment(entry.environment),
        active: key === active,
        status,
        status_reason: reason,
        version: facts?.version ?? null,
        implementation: facts?.implementation ?? null,
        kind: facts?.kind ?? null,
        validated: entry.validated ?? null,
        last_validated: entry.last_validated ?? null,
        validation_error: entry.validation_error ?? null,
        legacy,
      });
    }
    return { revision: this.revision, active, pinned_by: choice.pinnedBy, active_error: choice.error, interpreters };
  }

  /** A relative `venv_path` (like the sample's `.venv`) is relative to the config file's folder. */
  private absoluteVenv(venv: string): string {
    const home = this.deps.home ?? os.homedir();
    const expanded = venv === '~' ? home : venv.startsWith('~/') ? path.join(home, venv.slice(2)) : venv;
    return path.resolve(path.dirname(this.deps.config.path), expanded);
  }

  /** What status and facts were learned from: an entry edited since (by hand too) is unknown again. */
  private readonly learnedFrom = new Map<string, string>();

  private fingerprint(entry: InterpreterEntry): string {
    return JSON.stringify([entry.path, entry.venv_path ?? null, entry.required_packages ?? [], entry.environment ?? {}]);
  }

  private forgetChangedEntries(): void {
    const entries = this.entries();
    for (const [key, print] of this.learnedFrom) {
      const found = entries.get(key);
      if (found && this.fingerprint(found.entry) === print) continue;
      this.learnedFrom.delete(key);
      this.facts.delete(key);
      if (this.statuses.get(key) !== 'validating') this.statuses.delete(key);
    }
  }

  private learned(key: string): void {
    const found = this.entries().get(key);
    if (found) this.learnedFrom.set(key, this.fingerprint(found.entry));
  }

  private changed(): void {
    this.revision++;
    this.deps.events.emit('interpretersChanged', this.list());
  }

  async add(input: AddInterpreterInput): Promise<InterpreterList> {
    const home = this.deps.home ?? os.homedir();
    const p = normalizeUserPath(input.path, 'path', home);
    const venv = input.venv_path === undefined ? undefined : normalizeUserPath(input.venv_path, 'venv_path', home);
    await assertExecutableFile(p, 'path');
    const entry: InterpreterEntry = { name: input.name ?? input.key, path: p };
    if (venv !== undefined) entry.venv_path = venv;
    if (input.use_uv !== undefined) entry.use_uv = input.use_uv;
    if (input.required_packages !== undefined) entry.required_packages = [...new Set(input.required_packages.map((s) => s.trim()))];
    if (input.environment !== undefined) entry.environment = input.environment;
    await this.deps.config.edit((doc) => {
      if (this.entries().has(input.key)) {
        const why = `an interpreter named '${input.key}' already exists`;
        throw conflict(why, fieldDetails({ field: 'key', message: why }));
      }
      doc.setIn(['python', 'interpreters', input.key], doc.createNode(entry));
    });
    this.log.info(`added interpreter '${input.key}' (${p})`);
    return this.list();
  }

  /**
   * Removes an entry. `refuse` may veto it inside the same edit (the activation use-case: the running
   * interpreter, a package job); the active one is always refused.
   */
  async remove(name: string, refuse?: (name: string) => string | null): Promise<{ removed: string }> {
    await this.deps.config.edit((doc) => {
      const found = this.entries().get(name);
      if (!found) throw notFound(`no interpreter named '${name}'`);
      if (name === this.activeName()) {
        throw conflict(`'${name}' is the active interpreter; activate another one before removing it`);
      }
      const bound = pluginsBoundTo(this.settings, name);
      if (bound.length > 0) {
        const names = bound.map((p) => `'${p}'`).join(', ');
        throw conflict(`'${name}' runs plugin${bound.length === 1 ? '' : 's'} ${names} (plugins.settings.<name>.interpreter); bind ${bound.length === 1 ? 'it' : 'them'} to another interpreter first`, { plugins: bound });
      }
      const refusal = refuse?.(name);
      if (refusal) throw conflict(refusal);
      if (found.legacy) doc.deleteIn(['python', 'interpreter']);
      else {
        doc.deleteIn(['python', 'interpreters', name]);
        const rest = doc.getIn(['python', 'interpreters']) as { items?: unknown[] } | undefined;
        if (rest?.items?.length === 0) doc.deleteIn(['python', 'interpreters']);
      }
    });
    this.statuses.delete(name);
    this.facts.delete(name);
    this.log.info(`removed interpreter '${name}'`);
    return { removed: name };
  }

  /** Writes `python.active_interpreter` (the activation use-case calls it after the executor switched). */
  async persistActive(name: string): Promise<void> {
    await this.deps.config.edit((doc) => {
      if (!this.entries().has(name)) throw notFound(`no interpreter named '${name}'`);
      doc.setIn(['python', 'active_interpreter'], name);
    });
  }

  /** Runs the validation checks and persists `validated`, `last_validated`, `validation_error`. */
  async validate(name: string): Promise<ValidationReport> {
    const target = await this.resolve(name);
    const validator = this.deps.validator;
    this.statuses.set(name, 'validating');
    this.changed();
    let report: ValidationReport;
    try {
      report = await validator(target);
    } catch (err) {
      this.statuses.set(name, 'error');
      this.changed();
      throw err;
    }
    this.statuses.set(name, report.ok ? 'ready' : 'error');
    this.learned(name);
    const prior = this.facts.get(name);
    this.facts.set(name, { version: report.version, implementation: report.implementation, kind: prior?.kind ?? null });
    const firstFailure = report.checks.find((c) => !c.ok && c.level === 'error');
    const legacy = this.entries().get(name)?.legacy ?? false;
    if (!legacy && this.deps.config.valid) {
      await this.deps.config.edit((doc) => {
        if (!this.entries().has(name)) return; // removed meanwhile
        doc.setIn(['python', 'interpreters', name, 'validated'], report.ok);
        doc.setIn(['python', 'interpreters', name, 'last_validated'], this.now().toISOString());
        doc.setIn(['python', 'interpreters', name, 'validation_error'], firstFailure ? firstFailure.message : null);
      });
    } else {
      this.changed();
    }
    return report;
  }

  /** Records facts found elsewhere (discovery) for the list view. */
  setFacts(name: string, facts: InterpreterFacts): void {
    const before = this.facts.get(name);
    this.facts.set(name, facts);
    this.learned(name);
    if (JSON.stringify(before) !== JSON.stringify(facts)) this.changed();
  }

  dispose(): void {
    this.sub.dispose();
  }
}
