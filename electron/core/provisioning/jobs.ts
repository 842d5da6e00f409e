/**
 * Provisioning jobs: one at a time per interpreter, phase/percent/output kept and pushed as
 * `jobUpdated` (output lines batched), cancel stops the tool's process tree, finished jobs kept a while.
 * What a job does comes from a plan (install.ts, venv.ts); this file only runs plans.
 */
import { randomBytes } from 'node:crypto';
import type { InstallInput, Job, JobPhase } from '../../../shared/dto/jobs.js';
import { AppError, conflict, errorMessage, notFound } from '../app-error.js';
import type { EventBus } from '../events.js';
import type { Logger } from '../logging/logger.js';
import type { JobsService } from '../services.js';
import { cleanLine } from './progress.js';
import { Cancelled, JobFailure, type JobContext, type JobPlan, type JobPlanners, type SpawnTool, type ToolProcess } from './plan.js';

export interface JobsDeps {
  planners: JobPlanners;
  events: EventBus;
  logger: Logger;
  now: () => Date;
  spawnTool: SpawnTool;
  redact?: (text: string) => string;
  /** Finished jobs kept for `GET /jobs/{id}` (default 50). */
  keepFinished?: number;
  /** Output lines kept per job (default 500). */
  maxLines?: number;
  /** Output-only updates are batched within this window (default 100 ms). */
  throttleMs?: number;
  /** A tool running longer than this is stopped and the job fails (default 30 minutes). */
  toolTimeoutMs?: number;
  newId?: () => string;
}

const PHASES: readonly JobPhase[] = ['queued', 'resolving', 'downloading', 'installing', 'verifying', 'done'];

interface JobRecord {
  job: Job;
  reached: number;
  dirty: boolean;
  timer: NodeJS.Timeout | undefined;
  cancelRequested: boolean;
  abort: AbortController;
  committed: boolean;
  proc: ToolProcess | undefined;
  settled: Promise<void>;
  followUp: Promise<void>;
}

export class Jobs implements JobsService {
  private readonly records = new Map<string, JobRecord>();
  /** interpreter → id of its running job (null while a request is being prepared). */
  private readonly busy = new Map<string, string | null>();
  private readonly log: Logger;
  private disposed = false;

  constructor(private readonly deps: JobsDeps) {
    this.log = deps.logger.child('jobs');
  }

  /** Whether a job is running (or being prepared) for this interpreter. */
  isBusy(name: string): boolean {
    return this.busy.has(name);
  }

  busyReason(name: string): string | null {
    return this.isBusy(name) ? `a package job is running for '${name}'; wait for it or cancel it` : null;
  }

  install(input: InstallInput): Promise<Job> {
    return this.start(input.name, () => this.deps.planners.install(input));
  }

  createVenv(name: string): Promise<Job> {
    return this.start(name, () => this.deps.planners.venv(name));
  }

  async get(id: string): Promise<Job> {
    const rec = this.records.get(id);
    if (!rec) throw notFound(`no job with id '${id}' (finished jobs are kept for a while only)`);
    this.flush(rec);
    return this.snapshot(rec);
  }

  async cancel(id: string): Promise<Job> {
    const rec = this.records.get(id);
    if (!rec) throw notFound(`no job with id '${id}'`);
    if (rec.job.state === 'running' && !rec.committed && !rec.cancelRequested) {
      rec.cancelRequested = true;
      rec.abort.abort(new Cancelled('cancelled'));
      this.log.info(`cancelling job ${id} (${rec.job.kind} for '${rec.job.interpreter}')`);
      await rec.proc?.kill();
    }
    if (!rec.committed) await rec.settled;
    this.flush(rec);
    return this.snapshot(rec);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const running = [...this.records.values()].filter((r) => r.job.state === 'running');
    await Promise.all(running.map((r) => this.cancel(r.job.id).catch(() => undefined)));
    await Promise.all([...this.records.values()].map((r) => Promise.all([r.settled, r.followUp])));
    for (const r of this.records.values()) clearTimeout(r.timer);
  }

  private async start(name: string, prepare: () => Promise<JobPlan>): Promise<Job> {
    if (this.disposed) throw new AppError('UNAVAILABLE', 'the app is shutting down');
    if (!this.deps.planners.has(name)) throw notFound(`no interpreter named '${name}'`);
    if (this.busy.has(name)) {
      const running = this.busy.get(name);
      const what = running ? `job ${running} is still running` : 'another request is being prepared';
      throw conflict(`'${name}' is busy: ${what}; wait for it to finish or cancel it`, running ? { job: running } : undefined);
    }
    this.busy.set(name, null);
    let plan: JobPlan;
    try {
      plan = await prepare();
    } catch (err) {
      this.busy.delete(name);
      throw err;
    }
    const id = this.deps.newId?.() ?? `job_${randomBytes(9).toString('base64url')}`;
    const rec: JobRecord = {
      job: {
        id, revision: 0, kind: plan.kind, interpreter: name, phase: 'queued', percent: null, output: [], warnings: [],
        state: 'running', error: null, command: [], started_at: this.deps.now().toISOString(), finished_at: null,
      },
      reached: 0, dirty: true, timer: undefined, cancelRequested: false, abort: new AbortController(), committed: false, proc: undefined,
      settled: Promise.resolve(), followUp: Promise.resolve(),
    };
    this.records.set(id, rec);
    this.busy.set(name, id);
    this.log.info(`job ${id}: ${plan.kind} for '${name}' started`);
    this.flush(rec);
    rec.settled = this.run(rec, plan);
    return this.snapshot(rec);
  }

  private async run(rec: JobRecord, plan: JobPlan): Promise<void> {
    await Promise.resolve(); // let start() hand back the queued job first
    const ctx = this.context(rec);
    let state: 'succeeded' | 'failed' | 'cancelled';
    let error: string | null = null;
    try {
      ctx.throwIfCancelled();
      await plan.execute(ctx);
      state = 'succeeded';
    } catch (err) {
      state = rec.cancelRequested && !rec.committed ? 'cancelled' : 'failed';
      if (state === 'failed') {
        error = err instanceof JobFailure || err instanceof AppError ? err.message : `unexpected error: ${errorMessage(err)}`;
        if (!(err instanceof JobFailure || err instanceof AppError)) this.log.error(`job ${rec.job.id}: ${errorMessage(err)}`);
      }
    }
    const job = rec.job;
    if (state === 'succeeded') job.percent = 100;
    if (state === 'cancelled') ctx.line('cancelled: the tool and everything it started were stopped');
    job.state = state;
    job.error = error;
    job.phase = 'done';
    job.finished_at = this.deps.now().toISOString();
    this.busy.delete(job.interpreter);
    this.touch(rec, true);
    this.log[state === 'succeeded' ? 'info' : 'warn'](`job ${job.id}: ${job.kind} for '${job.interpreter}' ${state}${error ? `: ${error}` : ''}`);
    this.prune();
    if (state !== 'succeeded' && plan.afterFailure) {
      rec.followUp = plan.afterFailure(PHASES[rec.reached] ?? 'queued', state).catch((err: unknown) => {
        this.log.warn(`job ${job.id}: after the ${state} job: ${errorMessage(err)}`);
      });
    }
  }

  private context(rec: JobRecord): JobContext {
    const job = rec.job;
    const maxLines = this.deps.maxLines ?? 500;
    const redact = this.deps.redact ?? ((s: string) => s);
    const addLine = (raw: string): string | null => {
      const text = redact(cleanLine(raw));
      if (text.trim() === '') return null;
      job.output.push(text);
      if (job.output.length > maxLines) job.output.splice(0, job.output.length - maxLines);
      this.touch(rec, false);
      return text;
    };
    const ctx: JobContext = {
      id: job.id,
      signal: rec.abort.signal,
      throwIfCancelled: () => {
        if (rec.cancelRequested && !rec.committed) throw new Cancelled('cancelled');
      },
      commit: () => {
        ctx.throwIfCancelled();
        rec.committed = true;
      },
      phase: (phase) => {
        const index = PHASES.indexOf(phase);
        if (index <= rec.reached) return;
        rec.reached = index;
        job.phase = phase;
        this.touch(rec, true);
      },
      percent: (value) => {
        if (job.percent === value) return;
        job.percent = value;
        this.touch(rec, false);
      },
      warn: (message) => {
        job.warnings.push(redact(message));
        this.touch(rec, true);
      },
      line: (text) => void addLine(text),
      command: (argv) => {
        job.command = argv.map(redact);
        this.touch(rec, true);
      },
      recentLines: (count) => job.output.slice(-count),
      run: async (argv, env, onLine) => {
        ctx.throwIfCancelled();
        const [file, ...args] = argv;
        if (file === undefined) throw new Error('empty command');
        ctx.command(argv);
        const proc = this.deps.spawnTool(file, args, {
          env,
          onLine: (line) => {
            const text = addLine(line);
            if (text !== null) onLine?.(text);
          },
        });
        rec.proc = proc;
        if (rec.cancelRequested) void proc.kill(); // cancelled while spawning
        const limit = this.deps.toolTimeoutMs ?? 30 * 60_000;
        let timedOut = false;
        const timer = setTimeout(() => {
          timedOut = true;
          void proc.kill();
        }, limit);
        try {
          const exit = await proc.exited;
          if (!rec.cancelRequested && !this.disposed) await proc.kill(); // leftovers of a finished tool
          ctx.throwIfCancelled();
          if (timedOut) throw new JobFailure(`${file} did not finish within ${Math.round(limit / 60_000)} min and was stopped`);
          return exit;
        } finally {
          clearTimeout(timer);
          rec.proc = undefined;
        }
      },
    };
    return ctx;
  }

  /** Marks a change; urgent ones (phase, state, warnings) go out now, output lines in batches. */
  private touch(rec: JobRecord, urgent: boolean): void {
    rec.dirty = true;
    if (urgent) this.flush(rec);
    else rec.timer ??= setTimeout(() => this.flush(rec), this.deps.throttleMs ?? 100);
  }

  private flush(rec: JobRecord): void {
    clearTimeout(rec.timer);
    rec.timer = undefined;
    if (!rec.dirty) return;
    rec.dirty = false;
    rec.job.revision++;
    this.deps.events.emit('jobUpdated', this.snapshot(rec));
  }

  private snapshot(rec: JobRecord): Job {
    const j = rec.job;
    return { ...j, output: [...j.output], warnings: [...j.warnings], command: [...j.command] };
  }

  private prune(): void {
    const keep = this.deps.keepFinished ?? 50;
    const finished = [...this.records.values()].filter((r) => r.job.state !== 'running');
    for (const r of finished.slice(0, Math.max(0, finished.length - keep))) this.records.delete(r.job.id);
  }
}
