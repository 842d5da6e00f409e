/**
 * What a provisioning plan (install.ts, venv.ts) sees of the job it runs in, and what it hands to
 * the job engine (jobs.ts).
 */
import type { InstallInput, Job, JobPhase } from '../../../shared/dto/jobs.js';
import type { ToolExit } from './process.js';

/** A failure a plan expects (tool exit code, nothing found…): its message becomes the job's error. */
export class JobFailure extends Error {
  override name = 'JobFailure';
}

export class Cancelled extends Error {
  override name = 'Cancelled';
}

/** `work`, or a rejection as soon as the job is cancelled (the work itself goes on unobserved). */
export function unlessCancelled<T>(ctx: JobContext, work: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new Cancelled('cancelled'));
    if (ctx.signal.aborted) return onAbort();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => ctx.signal.removeEventListener('abort', onAbort));
  });
}

export interface JobContext {
  readonly id: string;
  /** Aborted when the job is cancelled (for waits that are not a tool: downloads, probes). */
  readonly signal: AbortSignal;
  /** Throws when a cancel was requested (before `commit`). */
  throwIfCancelled(): void;
  /** Past this point the change is being saved: a cancel request comes too late. */
  commit(): void;
  phase(phase: JobPhase): void;
  percent(value: number | null): void;
  warn(message: string): void;
  line(text: string): void;
  command(argv: readonly string[]): void;
  /** Runs a tool with its lines going into the job; cancel and the time limit stop its process tree. */
  run(argv: readonly string[], env: Readonly<Record<string, string>>, onLine?: (line: string) => void): Promise<ToolExit>;
  recentLines(count: number): string[];
}

export interface JobPlan {
  kind: Job['kind'];
  execute(ctx: JobContext): Promise<void>;
  /** After a failed or cancelled job; `reached` is the furthest phase it got to. Errors are logged. */
  afterFailure?(reached: JobPhase, state: 'failed' | 'cancelled'): Promise<void>;
}

export interface JobPlanners {
  has(name: string): boolean;
  install(input: InstallInput): Promise<JobPlan>;
  venv(name: string): Promise<JobPlan>;
}
