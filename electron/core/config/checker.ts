import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ConfigIssue } from '../../../shared/dto/config.js';
import type { ConfigFile } from './schema.js';
import { MAX_CONFIG_BYTES, parseConfig } from './validate.js';
import { applyEditOps, type EditOp, type EditOutcome } from './edit-ops.js';

export interface CheckedConfig {
  data: ConfigFile;
  errors: ConfigIssue[];
  warnings: ConfigIssue[];
}

/** Texts up to this size are checked on the event loop: parsing them takes a few milliseconds. */
export const INLINE_BYTES = 16 * 1024;
/** A text that takes longer than this to parse (in the worker) is invalid. */
export const PARSE_BUDGET_MS = 10_000;

/** What the worker is asked (parse-worker.ts). */
export type Job = { kind: 'check'; text: string } | { kind: 'edit'; text: string; ops: EditOp[] };
type Reply = { ready: true } | { id: number; result: CheckedConfig | EditOutcome };

/**
 * Where the worker's code is: `parse-worker.js` beside this module (or beside the bundle that holds
 * it), else the TypeScript source (development and tests, loaded through tsx). Null: no worker,
 * texts are parsed on the event loop.
 */
function workerSource(): { url: URL; tsx: string | null } | null {
  const js = new URL('./parse-worker.js', import.meta.url);
  if (js.protocol === 'file:' && existsSync(fileURLToPath(js))) return { url: js, tsx: null };
  const ts = new URL('./parse-worker.ts', import.meta.url);
  if (ts.protocol !== 'file:' || !existsSync(fileURLToPath(ts))) return null;
  try {
    return { url: ts, tsx: new URL('./api/index.mjs', pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm'))).href };
  } catch {
    return null;
  }
}

const BOOT = `
const { workerData, parentPort } = require('node:worker_threads');
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  await import(workerData.url);
})().catch((err) => parentPort.postMessage({ fatal: String((err && err.stack) || err) }));
`;

/**
 * Parses and checks config texts (validate.ts) without blocking the event loop: small texts inline,
 * larger ones in a worker thread with a time budget. A parse over the budget ends the worker (a
 * new one starts for the next text) and the text is invalid.
 */
export class ConfigChecker {
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, (r: CheckedConfig | EditOutcome | null) => void>();
  private readonly source = workerSource();

  constructor(private readonly opts: { budgetMs?: number; inlineBytes?: number } = {}) {}

  /** Whether large texts are parsed off the event loop (false when the worker's code is missing). */
  get offThread(): boolean {
    return this.source !== null;
  }

  /** Parses and checks a config text. */
  check(text: string): Promise<CheckedConfig> {
    return this.run({ kind: 'check', text }, () => {
      const { data, errors, warnings } = parseConfig(text);
      return { data, errors, warnings };
    }, (why) => ({ data: {}, errors: [{ path: '(file)', message: why, line: null }], warnings: [] }));
  }

  /** Applies recorded changes to a config text (edit-ops.ts): the edited text and its check. */
  edit(text: string, ops: EditOp[]): Promise<EditOutcome> {
    return this.run({ kind: 'edit', text, ops }, () => applyEditOps(text, ops), (why) => ({ ok: false, message: why }));
  }

  /** Small texts inline, larger ones in the worker within the budget; `failed` answers for a timeout or a stopped worker. */
  private async run<R extends CheckedConfig | EditOutcome>(job: Job, inline: () => R, failed: (why: string) => R): Promise<R> {
    // over the cap is refused without parsing: no need for the worker
    const small = job.text.length <= (this.opts.inlineBytes ?? INLINE_BYTES) || Buffer.byteLength(job.text, 'utf8') > MAX_CONFIG_BYTES;
    if (this.source === null || small) return inline();
    const budget = this.opts.budgetMs ?? PARSE_BUDGET_MS;
    const worker = await this.start(this.source);
    const id = this.nextId++;
    return new Promise<R>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.stop();
        resolve(failed(`parsing took longer than ${budget / 1000} s: too large or too complex for a config file`));
      }, budget);
      this.pending.set(id, (r) => {
        clearTimeout(timer);
        resolve(r === null ? failed('the config parser stopped') : (r as R));
      });
      worker.ref();
      worker.postMessage({ id, ...job });
    });
  }

  private start(source: { url: URL; tsx: string | null }): Promise<Worker> {
    if (this.worker && this.ready) {
      const w = this.worker;
      return this.ready.then(() => w);
    }
    const worker = new Worker(BOOT, { eval: true, workerData: { url: source.url.href, tsx: source.tsx } });
    this.worker = worker;
    this.ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (msg: Reply | { fatal: string }) => {
        if ('fatal' in msg) reject(new Error(`the config parser could not start: ${msg.fatal}`));
        else if ('ready' in msg) resolve();
        else {
          this.pending.get(msg.id)?.(msg.result);
          this.pending.delete(msg.id);
          if (this.pending.size === 0) worker.unref();
        }
      });
      worker.on('error', (err) => reject(err));
      worker.on('exit', () => {
        if (this.worker === worker) this.stop();
      });
    });
    this.ready.catch(() => this.stop());
    return this.ready.then(() => worker);
  }

  private stop(): void {
    const w = this.worker;
    this.worker = undefined;
    this.ready = undefined;
    for (const [, done] of this.pending) done(null);
    this.pending.clear();
    void w?.terminate();
  }

  dispose(): void {
    this.stop();
  }
}
