/** The job engine with fake plans and a fake tool runner: states, revisions, batching, limits, cancel. */
import { afterEach, describe, expect, it } from 'vitest';
import { Value } from 'typebox/value';
import { JobSchema, type Job } from '../../shared/dto/jobs.js';
import { AppError, invalid } from '../../electron/core/app-error.js';
import { EventBus } from '../../electron/core/events.js';
import { Logger } from '../../electron/core/logging/logger.js';
import { Jobs, type JobsDeps } from '../../electron/core/provisioning/jobs.js';
import { JobFailure, unlessCancelled, type JobContext, type JobPlan } from '../../electron/core/provisioning/plan.js';
import type { Exit } from '../../electron/core/process/exit.js';
import type { SpawnTool, SpawnToolOptions } from '../../electron/core/provisioning/plan.js';

/** A tool that prints what the test says and exits when told (or when killed). */
class FakeTool {
  opts: SpawnToolOptions | undefined;
  argv: string[] = [];
  killed = 0;
  private finish!: (exit: Exit) => void;
  readonly exited = new Promise<Exit>((resolve) => (this.finish = resolve));
  print(...lines: string[]): void {
    for (const l of lines) this.opts?.onLine(l, 'stdout');
  }
  exit(code: number | null, signal: string | null = null): void {
    this.finish({ code, signal, spawnError: null });
  }
}

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

function setup(overrides: Partial<JobsDeps> = {}) {
  const events = new EventBus();
  const emitted: Job[] = [];
  events.on('jobUpdated', (j) => emitted.push(j));
  const tools: FakeTool[] = [];
  const spawnTool: SpawnTool = (file, args, opts) => {
    const tool = new FakeTool();
    tool.opts = opts;
    tool.argv = [file, ...args];
    tools.push(tool);
    return {
      pid: 1234,
      exited: tool.exited,
      kill: async () => {
        tool.killed++;
        tool.exit(null, 'SIGTERM');
        await tool.exited;
      },
    };
  };
  let nextPlan: () => Promise<JobPlan> = async () => ({ kind: 'install', execute: async () => undefined });
  let n = 0;
  const jobs = new Jobs({
    planners: {
      has: (name) => name !== 'ghost',
      install: () => nextPlan(),
      venv: () => nextPlan(),
    },
    events,
    logger: Logger.create({ level: 'error', sinks: [] }),
    now: () => new Date('2026-01-01T00:00:00Z'),
    spawnTool,
    redact: (s) => s.replace('hunter2', '[redacted]'),
    throttleMs: 30,
    newId: () => `job_${++n}`,
    ...overrides,
  });
  return { jobs, emitted, tools, plan: (p: () => Promise<JobPlan>) => (nextPlan = p) };
}

/** A plan that runs one tool and succeeds when it exits 0. */
const toolPlan = (extra: Partial<JobPlan> = {}): JobPlan => ({
  kind: 'install',
  async execute(ctx: JobContext) {
    ctx.phase('resolving');
    const exit = await ctx.run(['pip', 'install', 'x'], {}, (line) => {
      if (line.startsWith('Installing')) ctx.phase('installing');
    });
    if (exit.code !== 0) throw new JobFailure(`pip exited with code ${exit.code}`);
    ctx.commit();
    ctx.phase('verifying');
  },
  ...extra,
});

async function settle(jobs: Jobs, id: string): Promise<Job> {
  for (let i = 0; i < 200; i++) {
    const j = await jobs.get(id);
    if (j.state !== 'running') return j;
    await tick(5);
  }
  throw new Error('job did not finish');
}

let current: Jobs | undefined;
afterEach(async () => {
  await current?.dispose();
  current = undefined;
});

describe('provisioning jobs', () => {
  it('runs a plan: queued job handed back, phases, output, success with percent 100 and phase done', async () => {
    const t = setup();
    current = t.jobs;
    t.plan(async () => toolPlan());
    const job = await t.jobs.install({ name: 'venv' });
    expect(job).toMatchObject({ id: 'job_1', kind: 'install', interpreter: 'venv', state: 'running', phase: 'queued', revision: 1, finished_at: null });
    await tick();
    const tool = t.tools[0]!;
    expect(tool.argv).toEqual(['pip', 'install', 'x']);
    tool.print('Collecting x', '', 'Installing collected packages: x', 'password hunter2');
    tool.exit(0);
    const done = await settle(t.jobs, job.id);
    expect(done).toMatchObject({ state: 'succeeded', phase: 'done', percent: 100, error: null, command: ['pip', 'install', 'x'] });
    expect(done.output).toEqual(['Collecting x', 'Installing collected packages: x', 'password [redacted]']);
    expect(done.finished_at).toBe('2026-01-01T00:00:00.000Z');
    const revisions = t.emitted.map((e) => e.revision);
    expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
    expect(new Set(revisions).size).toBe(revisions.length);
    expect(t.emitted.at(-1)).toMatchObject({ state: 'succeeded', revision: done.revision });
    expect(t.emitted.map((e) => e.phase)).toEqual(expect.arrayContaining(['queued', 'resolving', 'installing', 'verifying', 'done']));
    for (const e of [...t.emitted, done]) expect(Value.Check(JobSchema, e)).toBe(true);
  });

  it('batches output lines into few events', async () => {
    const t = setup();
    current = t.jobs;
    t.plan(async () => toolPlan());
    const job = await t.jobs.install({ name: 'venv' });
    await tick();
    const before = t.emitted.length;
    for (let i = 0; i < 300; i++) t.tools[0]!.print(`line ${i}`);
    await tick(60);
    const during = t.emitted.length - before;
    expect(during).toBeGreaterThanOrEqual(1);
    expect(during).toBeLessThanOrEqual(2);
    expect(t.emitted.at(-1)!.output.at(-1)).toBe('line 299');
    t.tools[0]!.exit(0);
    await settle(t.jobs, job.id);
  });

  it('keeps only the last lines of output', async () => {
    const t = setup({ maxLines: 5 });
    current = t.jobs;
    t.plan(async () => toolPlan());
    const job = await t.jobs.install({ name: 'venv' });
    await tick();
    for (let i = 0; i < 12; i++) t.tools[0]!.print(`line ${i}`);
    t.tools[0]!.exit(0);
    const done = await settle(t.jobs, job.id);
    expect(done.output).toEqual(['line 7', 'line 8', 'line 9', 'line 10', 'line 11']);
  });

  it('allows one job per interpreter (409 CONFLICT naming the job), others in parallel', async () => {
    const t = setup();
    current = t.jobs;
    t.plan(async () => toolPlan());
    const first = await t.jobs.install({ name: 'venv' });
    await expect(t.jobs.install({ name: 'venv' })).rejects.toMatchObject({ code: 'CONFLICT', details: { job: first.id } });
    await expect(t.jobs.createVenv('venv')).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(t.jobs.isBusy('venv')).toBe(true); // the registry refuses to remove it meanwhile
    const other = await t.jobs.install({ name: 'other' });
    expect(other.interpreter).toBe('other');
    await tick();
    for (const tool of t.tools) tool.exit(0);
    await settle(t.jobs, first.id);
    await settle(t.jobs, other.id);
    expect(t.jobs.isBusy('venv')).toBe(false);
    const again = await t.jobs.install({ name: 'venv' });
    await tick();
    t.tools.at(-1)!.exit(0);
    await settle(t.jobs, again.id);
  });

  it('holds the interpreter while a request is prepared, and frees it when the plan is refused', async () => {
    const t = setup();
    current = t.jobs;
    let release!: () => void;
    t.plan(() => new Promise<JobPlan>((_, reject) => (release = () => reject(invalid('venv_path', 'not set')))));
    const pending = t.jobs.createVenv('venv');
    await tick();
    await expect(t.jobs.install({ name: 'venv' })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/being prepared/) });
    release();
    await expect(pending).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(t.emitted).toEqual([]);
    t.plan(async () => ({ kind: 'venv', execute: async () => undefined }));
    const ok = await t.jobs.createVenv('venv');
    expect((await settle(t.jobs, ok.id)).state).toBe('succeeded');
  });

  it('answers 404 for an unknown interpreter or job', async () => {
    const t = setup();
    current = t.jobs;
    await expect(t.jobs.install({ name: 'ghost' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(t.jobs.get('job_nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(t.jobs.cancel('job_nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('fails with the plan\'s message and runs the after-failure hook with the furthest phase', async () => {
    const t = setup();
    current = t.jobs;
    const after: string[] = [];
    t.plan(async () => toolPlan({ afterFailure: async (reached, state) => void after.push(`${reached}/${state}`) }));
    const job = await t.jobs.install({ name: 'venv' });
    await tick();
    t.tools[0]!.print('Installing collected packages: x');
    t.tools[0]!.exit(1);
    const done = await settle(t.jobs, job.id);
    expect(done).toMatchObject({ state: 'failed', phase: 'done', error: 'pip exited with code 1' });
    await t.jobs.dispose();
    expect(after).toEqual(['installing/failed']);
  });

  it('reports an unexpected exception as a failure without its stack', async () => {
    const t = setup();
    current = t.jobs;
    t.plan(async () => ({ kind: 'install', execute: async () => { throw new TypeError('x is undefined'); } }));
    const job = await t.jobs.install({ name: 'venv' });
    expect(await settle(t.jobs, job.id)).toMatchObject({ state: 'failed', error: 'unexpected error: x is undefined' });
  });

  it('cancels: the tool is killed, the job ends cancelled, a second cancel changes nothing', async () => {
    const t = setup();
    current = t.jobs;
    const after: string[] = [];
    t.plan(async () => toolPlan({ afterFailure: async (reached, state) => void after.push(`${reached}/${state}`) }));
    const job = await t.jobs.install({ name: 'venv' });
    await tick();
    const cancelled = await t.jobs.cancel(job.id);
    expect(cancelled).toMatchObject({ state: 'cancelled', phase: 'done', error: null });
    expect(cancelled.output.at(-1)).toMatch(/^cancelled/);
    expect(t.tools[0]!.killed).toBe(1);
    expect(await t.jobs.cancel(job.id)).toEqual(cancelled);
    expect(t.tools[0]!.killed).toBe(1);
    await t.jobs.dispose();
    expect(after).toEqual(['resolving/cancelled']);
  });

  it('cancels a job that waits on something other than a tool (a download)', async () => {
    const t = setup();
    current = t.jobs;
    t.plan(async () => ({
      kind: 'install',
      execute: async (ctx) => {
        await unlessCancelled(ctx, new Promise(() => undefined));
      },
    }));
    const job = await t.jobs.install({ name: 'venv' });
    await tick();
    expect((await t.jobs.cancel(job.id)).state).toBe('cancelled');
  });

  it('does not cancel once the change is being committed', async () => {
    const t = setup();
    current = t.jobs;
    let go!: () => void;
    t.plan(async () => ({
      kind: 'venv',
      execute: async (ctx) => {
        ctx.commit();
        await new Promise<void>((r) => (go = r));
      },
    }));
    const job = await t.jobs.createVenv('venv');
    await tick();
    expect((await t.jobs.cancel(job.id)).state).toBe('running');
    go();
    expect((await settle(t.jobs, job.id)).state).toBe('succeeded');
  });

  it('stops a tool that runs past the time limit', async () => {
    const t = setup({ toolTimeoutMs: 50 });
    current = t.jobs;
    t.plan(async () => toolPlan());
    const job = await t.jobs.install({ name: 'venv' });
    const done = await settle(t.jobs, job.id);
    expect(done.state).toBe('failed');
    expect(done.error).toMatch(/did not finish within/);
    expect(t.tools[0]!.killed).toBeGreaterThanOrEqual(1);
  });

  it('keeps the last finished jobs only', async () => {
    const t = setup({ keepFinished: 2 });
    current = t.jobs;
    t.plan(async () => ({ kind: 'install', execute: async () => undefined }));
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const j = await t.jobs.install({ name: 'venv' });
      ids.push(j.id);
      await settle(t.jobs, j.id);
    }
    await expect(t.jobs.get(ids[0]!)).rejects.toBeInstanceOf(AppError);
    await expect(t.jobs.get(ids[1]!)).rejects.toBeInstanceOf(AppError);
    expect((await t.jobs.get(ids[3]!)).state).toBe('succeeded');
  });

  it('cancels running jobs on dispose and refuses new ones', async () => {
    const t = setup();
    t.plan(async () => toolPlan());
    const job = await t.jobs.install({ name: 'venv' });
    await tick();
    await t.jobs.dispose();
    expect(t.tools[0]!.killed).toBe(1);
    expect(t.emitted.at(-1)).toMatchObject({ id: job.id, state: 'cancelled' });
    await expect(t.jobs.install({ name: 'venv' })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});
