import { create } from 'zustand';
import type { Job, JobPhase } from '../../../shared/dto/jobs';
import { ApiError, toApiError } from '../api/api-error';
import { getApi } from '../api/runtime';
import { useInterpreters } from './interpreters';

export type JobKind = Job['kind'];

/** A start request of one interpreter (install or venv) while it runs, or when it was refused. */
export interface JobRequest {
  kind: JobKind;
  busy: boolean;
  error: ApiError | null;
  /** The install was refused because the interpreter is externally managed (PEP 668). */
  externallyManaged: boolean;
}

/**
 * Provisioning jobs (install packages, create a venv): `jobUpdated` events keep the highest
 * revision per job id; the start calls answer with the queued job, and a 409 for a busy
 * interpreter brings the job already running there.
 */
export interface JobsStore {
  jobs: Record<string, Job>;
  /** Start requests by interpreter name. */
  requests: Record<string, JobRequest>;
  /** Job ids being cancelled. */
  cancelling: Record<string, true>;
  /** Finished jobs the user closed. */
  dismissed: Record<string, true>;
  /** The phases each job was seen running in, in order (a finished job's phase is `done`). */
  visited: Record<string, JobPhase[]>;
  apply(job: Job): boolean;
  /** Installs the missing required packages, or `packages` (or, after a PEP 668 refusal, anyway). */
  install(name: string, opts?: { breakSystemPackages?: boolean; packages?: string[] }): Promise<Job | null>;
  createVenv(name: string): Promise<Job | null>;
  /** Resolves with the job as the cancel left it (still running when it came too late to stop it). */
  cancel(id: string): Promise<Job | null>;
  dismiss(id: string): void;
  clearRequest(name: string): void;
}

/** How many jobs the store keeps (finished ones go first). */
const KEEP = 40;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The newest job of an interpreter that the user has not closed. */
export function latestJob(s: Pick<JobsStore, 'jobs' | 'dismissed'>, interpreter: string): Job | null {
  let best: Job | null = null;
  for (const job of Object.values(s.jobs)) {
    if (job.interpreter !== interpreter || s.dismissed[job.id]) continue;
    if (!best || job.started_at > best.started_at || (job.started_at === best.started_at && job.state === 'running')) best = job;
  }
  return best;
}

function prune(jobs: Record<string, Job>): Record<string, Job> {
  const all = Object.values(jobs);
  if (all.length <= KEEP) return jobs;
  const drop = all.filter((j) => j.state !== 'running').sort((a, b) => a.started_at.localeCompare(b.started_at)).slice(0, all.length - KEEP);
  const out = { ...jobs };
  for (const j of drop) delete out[j.id];
  return out;
}

/** A finished install or venv job re-validated the interpreter: a report read before it is stale. */
function dropStaleReport(job: Job): void {
  const { validations } = useInterpreters.getState();
  const v = validations[job.interpreter];
  if (!v || v.running) return;
  const { [job.interpreter]: _stale, ...rest } = validations;
  useInterpreters.setState({ validations: rest });
}

export const useJobs = create<JobsStore>()((set, get) => {
  const request = (name: string, r: JobRequest | null): void => {
    const { [name]: _old, ...rest } = get().requests;
    set({ requests: r ? { ...rest, [name]: r } : rest });
  };

  /** Starts a job; a 409 naming the job already running there shows that one instead. */
  const start = async (name: string, kind: JobKind, call: () => Promise<Job>): Promise<Job | null> => {
    request(name, { kind, busy: true, error: null, externallyManaged: false });
    try {
      const job = await call();
      get().apply(job);
      request(name, null);
      return job;
    } catch (err) {
      const error = toApiError(err);
      const details = isRecord(error.details) ? error.details : {};
      const running = error.code === 'CONFLICT' && typeof details['job'] === 'string' ? details['job'] : null;
      if (running) {
        try {
          const job = await getApi().client.getJob({ id: running });
          get().apply(job);
          request(name, null);
          return job;
        } catch {
          // fall through: show the 409 itself
        }
      }
      request(name, { kind, busy: false, error, externallyManaged: error.code === 'CONFLICT' && details['reason'] === 'externally-managed' });
      return null;
    }
  };

  return {
    jobs: {},
    requests: {},
    cancelling: {},
    dismissed: {},
    visited: {},

    apply(job) {
      const current = get().jobs[job.id];
      if (current && current.revision > job.revision) return false;
      const jobs = prune({ ...get().jobs, [job.id]: job });
      const visited = Object.fromEntries(Object.entries(get().visited).filter(([id]) => id in jobs && (current || id !== job.id)));
      const seen = visited[job.id] ?? [];
      if (job.state === 'running' && job.phase !== 'queued' && !seen.includes(job.phase)) visited[job.id] = [...seen, job.phase];
      set({ jobs, visited });
      const ended = job.state === 'succeeded' || job.state === 'failed';
      if (ended && (!current || current.state === 'running')) dropStaleReport(job);
      return true;
    },

    install(name, opts = {}) {
      return start(name, 'install', () =>
        getApi().client.installPackages({
          name,
          ...(opts.packages ? { packages: opts.packages } : {}),
          ...(opts.breakSystemPackages ? { break_system_packages: true } : {}),
        }),
      );
    },

    createVenv(name) {
      return start(name, 'venv', () => getApi().client.createVenv({ name }));
    },

    async cancel(id) {
      set({ cancelling: { ...get().cancelling, [id]: true } });
      try {
        const job = await getApi().client.cancelJob({ id });
        get().apply(job);
        return job;
      } catch (err) {
        const job = get().jobs[id];
        if (job) request(job.interpreter, { kind: job.kind, busy: false, error: toApiError(err), externallyManaged: false });
        return null;
      } finally {
        const { [id]: _done, ...rest } = get().cancelling;
        set({ cancelling: rest });
      }
    },

    dismiss(id) {
      set({ dismissed: { ...get().dismissed, [id]: true } });
    },

    clearRequest(name) {
      request(name, null);
    },
  };
});
