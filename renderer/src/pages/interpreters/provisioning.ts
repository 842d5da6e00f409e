/** What the provisioning part of an interpreter card offers, and how it words a job. */
import type { InterpreterView } from '../../../../shared/dto/interpreters';
import type { Job, JobPhase } from '../../../../shared/dto/jobs';
import type { ValidationReport } from '../../../../shared/interpreters-discovery';

/** Required packages a validation report found missing (null without a report). */
export function missingPackages(report: ValidationReport | null | undefined): string[] | null {
  return report ? report.packages.filter((p) => p.version === null).map((p) => p.name) : null;
}

/**
 * "Install missing packages" fits an interpreter with required packages whose validation failed:
 * with a report in hand, only when it found some of them missing; without one, on a failed status.
 */
export function offersInstall(it: InterpreterView, report: ValidationReport | null | undefined): boolean {
  if (it.required_packages.length === 0) return false;
  if (it.status === 'ready' || it.status === 'unavailable' || it.status === 'validating') return false;
  const missing = missingPackages(report);
  return missing ? missing.length > 0 : it.status === 'error';
}

/** "Create virtual environment" fits a configured interpreter whose venv_path holds no venv yet. */
export function offersVenv(it: InterpreterView): boolean {
  return !it.legacy && it.venv_path !== null && it.venv_exists === false;
}

export const PHASE_LABEL: Record<JobPhase, string> = {
  queued: 'Queued',
  resolving: 'Resolving',
  downloading: 'Downloading',
  installing: 'Installing',
  verifying: 'Verifying',
  done: 'Done',
};

const VENV_LABEL: Partial<Record<JobPhase, string>> = { resolving: 'Preparing', installing: 'Creating' };

/** The name of a phase for this kind of job (a venv is created, not installed). */
export function phaseLabel(kind: Job['kind'], phase: JobPhase): string {
  return (kind === 'venv' ? VENV_LABEL[phase] : undefined) ?? PHASE_LABEL[phase];
}

/** The steps a job of this kind goes through (a venv is not downloaded). */
export function phasesOf(kind: Job['kind']): JobPhase[] {
  return kind === 'install' ? ['resolving', 'downloading', 'installing', 'verifying'] : ['resolving', 'installing', 'verifying'];
}

const ORDER: JobPhase[] = ['queued', 'resolving', 'downloading', 'installing', 'verifying', 'done'];
export function phaseIndex(phase: JobPhase): number {
  return ORDER.indexOf(phase);
}

export function jobHeadline(job: Job): string {
  const install = job.kind === 'install';
  switch (job.state) {
    case 'running': return install ? 'Installing packages…' : 'Creating the virtual environment…';
    case 'succeeded': return install ? 'Packages installed' : 'Virtual environment created';
    case 'failed': return install ? 'Install failed' : 'Could not create the virtual environment';
    case 'cancelled': return install ? 'Install cancelled' : 'Venv creation cancelled';
  }
}

/** Seconds between start and end, `3.2 s` / `1 min 04 s`. */
export function jobDuration(job: Job): string | null {
  if (!job.finished_at) return null;
  const ms = Date.parse(job.finished_at) - Date.parse(job.started_at);
  if (!Number.isFinite(ms) || ms < 0) return null;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/** A command line to read (arguments with spaces quoted). */
export function commandLine(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
