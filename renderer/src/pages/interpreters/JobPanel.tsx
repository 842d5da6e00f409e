import { useEffect, useId, useLayoutEffect, useRef, useState, type ReactElement } from 'react';
import type { InterpreterView } from '../../../../shared/dto/interpreters';
import type { Job, JobPhase } from '../../../../shared/dto/jobs';
import { Button, Spinner } from '../../components/ui';
import { Icon } from '../../components/icons';
import { useJobs } from '../../stores/jobs';
import { commandLine, jobDuration, jobHeadline, phaseIndex, phaseLabel, phasesOf } from './provisioning';

export interface JobPanelProps {
  job: Job;
  interpreter: InterpreterView;
  /** Move focus to the panel when it appears (it replaces the button that started the job). */
  autoFocus?: boolean;
  onRetry?: () => void;
}

/** One install or venv job: phase, progress bar, warnings, live tool output, Cancel, then the outcome. */
export function JobPanel({ job, interpreter, autoFocus = false, onRetry }: JobPanelProps): ReactElement {
  const cancel = useJobs((s) => s.cancel);
  const dismiss = useJobs((s) => s.dismiss);
  const cancelling = useJobs((s) => Boolean(s.cancelling[job.id]));
  const [late, setLate] = useState(false);
  const [showLog, setShowLog] = useState<boolean | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const section = useRef<HTMLElement>(null);
  /** Whether keyboard focus was last in the panel (focus that went nowhere, as when Cancel is removed, counts). */
  const focusInside = useRef(false);
  const running = job.state === 'running';
  const logId = useId();

  useEffect(() => {
    if (autoFocus) heading.current?.focus({ preventScroll: true });
  }, [autoFocus]);
  useEffect(() => {
    // Cancel goes away when the job ends: keep keyboard focus in the panel
    if (running || !focusInside.current) return;
    const active = document.activeElement;
    if (!active || active === document.body || section.current?.contains(active)) heading.current?.focus({ preventScroll: true });
  }, [running]);

  const onCancel = (): void => {
    void cancel(job.id).then((after) => setLate(after?.state === 'running'));
  };
  const logOpen = showLog ?? job.state !== 'succeeded';
  const duration = jobDuration(job);

  return (
    <section
      className={`job job-${job.state}`}
      aria-label={`${job.kind === 'install' ? 'Package install' : 'Virtual environment'} job for ${interpreter.name}`}
      ref={section}
      onFocus={() => (focusInside.current = true)}
      onBlur={(e) => {
        if (e.relatedTarget) focusInside.current = e.currentTarget.contains(e.relatedTarget);
      }}
    >
      <header className="job-head">
        <span className="job-icon" aria-hidden="true">
          {running ? <Spinner /> : <Icon name={job.state === 'succeeded' ? 'check' : job.state === 'failed' ? 'cross' : 'stop'} size={14} />}
        </span>
        <div className="job-title">
          <h4 ref={heading} tabIndex={-1}>{jobHeadline(job)}</h4>
          <p className="job-status" role="status">
            {running ? (
              <>
                {phaseLabel(job.kind, job.phase)}
                {job.percent !== null && ` · ${Math.round(job.percent)}%`}
              </>
            ) : (
              <>
                {job.state === 'cancelled' ? 'Stopped' : 'Finished'}
                {duration && ` in ${duration}`}
              </>
            )}
          </p>
        </div>
        <div className="job-actions">
          {running && (
            <Button small icon={<Icon name="stop" size={12} />} busy={cancelling} onClick={onCancel} aria-label={`Cancel ${job.kind === 'install' ? 'the install' : 'the venv creation'}`}>
              {cancelling ? 'Cancelling…' : 'Cancel'}
            </Button>
          )}
          {job.state === 'failed' && onRetry && (
            <Button small icon={<Icon name="refresh" size={14} />} onClick={onRetry}>
              Try again
            </Button>
          )}
          {!running && (
            <Button small variant="ghost" onClick={() => dismiss(job.id)} aria-label={`Close the ${job.kind === 'install' ? 'install' : 'venv'} result`}>
              Close
            </Button>
          )}
        </div>
      </header>

      <ProgressBar job={job} />
      <Steps job={job} />

      {job.warnings.length > 0 && (
        <ul className="job-warnings" aria-label="Warnings">
          {job.warnings.map((w, i) => (
            <li key={`${i}-${w}`}>
              <Icon name="warn" size={14} />
              <span>{w}</span>
            </li>
          ))}
        </ul>
      )}
      {late && running && <p className="job-note">Too late to cancel: the changes are made, only checking remains.</p>}
      <Outcome job={job} interpreter={interpreter} />

      <div className="job-log-head">
        <button type="button" className="link-button" aria-expanded={logOpen} aria-controls={logId} onClick={() => setShowLog(!logOpen)}>
          <Icon name="chevron" size={14} className={logOpen ? '' : 'rot-270'} />
          Output{job.output.length > 0 && ` (${job.output.length} line${job.output.length === 1 ? '' : 's'})`}
        </button>
        {job.command.length > 0 && (
          <code className="job-command" title={commandLine(job.command)}>
            $ {commandLine(job.command)}
          </code>
        )}
      </div>
      {logOpen && <JobLog id={logId} job={job} />}
    </section>
  );
}

function ProgressBar({ job }: { job: Job }): ReactElement {
  const running = job.state === 'running';
  const percent = job.state === 'succeeded' ? 100 : job.percent;
  const determinate = percent !== null;
  const label = `${jobHeadline(job)} ${running ? phaseLabel(job.kind, job.phase).toLowerCase() : ''}`.trim();
  return (
    <div
      className={`progress ${determinate ? '' : 'is-indeterminate'} ${running ? 'is-running' : ''}`}
      role="progressbar"
      aria-label="Progress"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={determinate ? Math.round(percent) : undefined}
      aria-valuetext={determinate ? `${Math.round(percent)}% · ${label}` : label}
    >
      <div className="progress-fill" style={determinate ? { width: `${Math.max(0, Math.min(100, percent))}%` } : undefined} />
    </div>
  );
}

type StepState = 'done' | 'skipped' | 'current' | 'failed' | 'stopped' | 'todo';
const STEP_ICON: Partial<Record<StepState, 'check' | 'cross' | 'stop'>> = { done: 'check', failed: 'cross', stopped: 'stop' };

const NONE: readonly JobPhase[] = [];

/**
 * Resolving → (Downloading →) Installing → Verifying: done, skipped (a local wheel is not
 * downloaded), current, and where a job failed or stopped (the last phase it was seen in).
 */
function Steps({ job }: { job: Job }): ReactElement {
  const visited = useJobs((s) => s.visited[job.id] ?? NONE);
  const last = visited.at(-1);
  const at = job.state === 'running' ? phaseIndex(job.phase) : job.state === 'succeeded' ? Infinity : last ? phaseIndex(last) : -1;
  const ended: StepState = job.state === 'failed' ? 'failed' : 'stopped';
  const passed = (phase: JobPhase): StepState => (visited.length === 0 || visited.includes(phase) ? 'done' : 'skipped');
  return (
    <ol className="job-steps" aria-label="Steps">
      {phasesOf(job.kind).map((phase) => {
        const i = phaseIndex(phase);
        const state: StepState = i < at ? passed(phase) : i === at ? (job.state === 'running' ? 'current' : ended) : 'todo';
        const icon = STEP_ICON[state];
        return (
          <li key={phase} className={`step step-${state}`} aria-current={state === 'current' ? 'step' : undefined}>
            {icon && <Icon name={icon} size={12} />}
            {phaseLabel(job.kind, phase)}
            {(state === 'failed' || state === 'stopped' || state === 'skipped') && <span className="sr-only"> ({state})</span>}
          </li>
        );
      })}
    </ol>
  );
}

function Outcome({ job, interpreter }: { job: Job; interpreter: InterpreterView }): ReactElement | null {
  if (job.state === 'running') return null;
  if (job.state === 'failed') {
    return (
      <div className="job-outcome is-failed" role="alert">
        {job.error ?? 'The tool failed without saying why; see the output below.'}
      </div>
    );
  }
  if (job.state === 'cancelled') {
    return <div className="job-outcome is-cancelled">Cancelled: the tool and everything it started were stopped. Nothing was changed.</div>;
  }
  const [title, text] =
    interpreter.status === 'ready'
      ? ['Validation passes:', `'${interpreter.name}' is ready to run the executor.`]
      : interpreter.status === 'validating'
        ? ['Validating again…', '']
        : interpreter.status === 'error'
          ? [job.kind === 'install' ? 'Validation still fails:' : 'Validation fails:', interpreter.status_reason ?? 'validate again to see the checks.']
          : [null, null];
  if (!title) return null;
  return (
    <div className={`job-outcome ${interpreter.status === 'error' ? 'is-partial' : 'is-ok'}`} role="status">
      <strong>{title}</strong> {text}
    </div>
  );
}

/** The tool's output in monospace, following new lines unless the user scrolled up. */
function JobLog({ id, job }: { id: string; job: Job }): ReactElement {
  const ref = useRef<HTMLPreElement>(null);
  const follow = useRef(true);
  useLayoutEffect(() => {
    const el = ref.current;
    if (el && follow.current) el.scrollTop = el.scrollHeight;
  }, [job.output]);
  return (
    <pre
      id={id}
      ref={ref}
      className="job-log"
      tabIndex={0}
      role="log"
      aria-label="Tool output"
      onScroll={(e) => {
        const el = e.currentTarget;
        follow.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
      }}
    >
      {job.output.length ? job.output.join('\n') : job.state === 'running' ? 'Waiting for output…' : 'No output.'}
    </pre>
  );
}
