import { create } from 'zustand';
import type { Job } from '../../../shared/dto/jobs';

/**
 * Provisioning jobs (install packages, create a venv) as `jobUpdated` events report them.
 * The provisioning UI is a later issue; it reads this store (latest revision per job id).
 */
export interface JobsStore {
  jobs: Record<string, Job>;
  apply(job: Job): boolean;
}

export const useJobs = create<JobsStore>()((set, get) => ({
  jobs: {},
  apply(job) {
    const current = get().jobs[job.id];
    if (current && current.revision > job.revision) return false;
    set({ jobs: { ...get().jobs, [job.id]: job } });
    return true;
  },
}));
