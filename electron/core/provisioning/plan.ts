/**
 * What a provisioning plan (install.ts, venv.ts) sees of the job it runs in, what it hands to
 * the job engine (jobs.ts), and the engine's port to the process runner (tools: pip, uv, venv).
 */
import type { InstallInput, Job, JobPhase } from '../../../shared/dto/jobs.js';
import type { Exit } from '../process/exit.js';
import type { ProcessRunner } from '../process/runner.js';

export interface SpawnToolOptions {
  /** The complete environment of the tool (nothing is inherited implicitly). */
  env: Readonly<Record<string, string>>;
  cwd?: string;
  onLine(line: string, stream: 'stdout' | 'stderr'): void;
}

export interface ToolProcess {
  readonly pid: number | undefined;
  /** Resolves once the process has exited and its output is read to the end. */
  readonly exited: Promise<Exit>;
  /** Stops the process and everything it started (SIGTERM, grace, SIGKILL); resolves when none of them is left. */
  kill(): Promise<void>;
}

export type SpawnTool = (file: string, args: readonly string[], options: SpawnToolOptions) => ToolProcess;

/** Tools started by the process runner: their own process group, output lines capped, a tree kill. */
export function toolSpawner(runner: Pick<ProcessRunner, 'spawn'>): SpawnTool {
  return (file, args, options) => {
    const proc = runner.spawn({ file, args, env: options.env, cwd: options.cwd, onLine: options.onLine });
    return {
      pid: proc.pid,
      exited: proc.exited,
      kill: async () => {
        await proc.stop();
      },
    };
  };
}

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
  run(argv: readonly string[], env: Readonly<Record<string, string>>, onLine?: (line: string) => void): Promise<Exit>;
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
