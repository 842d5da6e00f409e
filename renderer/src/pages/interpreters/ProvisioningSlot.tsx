import { useEffect, useState, type ReactElement } from 'react';
import type { InterpreterView } from '../../../../shared/dto/interpreters';
import { Banner, Button, Mono } from '../../components/ui';
import { Icon } from '../../components/icons';
import { useInterpreters } from '../../stores/interpreters';
import { latestJob, useJobs } from '../../stores/jobs';
import { JobPanel } from './JobPanel';
import { missingPackages, offersInstall, offersVenv } from './provisioning';

/**
 * Provisioning on an interpreter card: "Install missing packages" when validation found required
 * packages missing, "Create virtual environment" when its venv_path holds none, the PEP 668 choice,
 * and the newest job of the interpreter (progress, log, cancel, outcome) from the jobs store.
 */
export function ProvisioningSlot({ interpreter: it }: { interpreter: InterpreterView }): ReactElement | null {
  const report = useInterpreters((s) => s.validations[it.key]?.report ?? null);
  const job = useJobs((s) => latestJob(s, it.key));
  const req = useJobs((s) => s.requests[it.key]);
  const install = useJobs((s) => s.install);
  const createVenv = useJobs((s) => s.createVenv);
  const clearRequest = useJobs((s) => s.clearRequest);
  const [focusJob, setFocusJob] = useState(false);

  const jobId = job?.id;
  useEffect(() => {
    if (jobId) setFocusJob(false); // the panel took focus on mount; jobs started elsewhere do not
  }, [jobId]);

  const running = job?.state === 'running';
  const busy = req?.busy === true;
  const failedKind = job?.state === 'failed' ? job.kind : null;
  const showInstall = !running && failedKind !== 'install' && offersInstall(it, report);
  const showVenv = !running && failedKind !== 'venv' && offersVenv(it);
  const refused = req?.externallyManaged === true && !busy;
  const startInstall = (breakSystemPackages = false): void => {
    setFocusJob(true);
    void install(it.key, { breakSystemPackages });
  };
  const startVenv = (): void => {
    setFocusJob(true);
    void createVenv(it.key);
  };

  if (!job && !req && !showInstall && !showVenv) return null;
  const missing = missingPackages(report);
  const tool = it.use_uv ? 'uv (pip when uv is not available)' : 'pip';
  return (
    <div className="prov">
      {refused && (
        <div className="prov-offer is-warn" role="alert">
          <span className="prov-icon" aria-hidden="true"><Icon name="shield" size={18} /></span>
          <div className="prov-text">
            <strong>'{it.name}' is managed by the operating system</strong>
            <p>
              Packages installed into it (PEP 668) can break software of your system. A virtual environment keeps them apart
              {it.venv_path ? <>: create it at <Mono>{it.venv_path}</Mono>, then install there.</> : <>: add an interpreter from this Python with “Create virtual environment”, then install there.</>}
            </p>
          </div>
          <div className="prov-buttons">
            {it.venv_path && (
              <Button small variant="primary" icon={<Icon name="folderPlus" size={14} />} onClick={startVenv}>
                Create virtual environment
              </Button>
            )}
            <Button small title="Runs the install with --break-system-packages" onClick={() => startInstall(true)}>
              Install anyway
            </Button>
            <Button small variant="ghost" onClick={() => clearRequest(it.key)}>
              Not now
            </Button>
          </div>
        </div>
      )}
      {req?.error && !req.externallyManaged && (
        <Banner
          tone="danger"
          title={req.kind === 'install' ? 'Could not install packages' : 'Could not create the virtual environment'}
          actions={<Button small variant="ghost" onClick={() => clearRequest(it.key)}>Dismiss</Button>}
        >
          {req.error.message}
        </Banner>
      )}
      {job && (
        <JobPanel
          key={job.id}
          job={job}
          interpreter={it}
          autoFocus={focusJob}
          onRetry={job.kind === 'install' ? () => startInstall() : startVenv}
        />
      )}
      {showVenv && (
        <div className="prov-offer">
          <span className="prov-icon" aria-hidden="true"><Icon name="folderPlus" size={18} /></span>
          <div className="prov-text">
            <strong>No virtual environment at <Mono>{it.venv_path}</Mono></strong>
            <p className="muted">Creates it from this interpreter's Python ({it.use_uv ? 'uv venv' : 'python -m venv'}), then runs the interpreter from it.</p>
          </div>
          <div className="prov-buttons">
            <Button small variant="primary" icon={<Icon name="folderPlus" size={14} />} busy={busy && req?.kind === 'venv'} disabled={busy} onClick={startVenv}>
              Create virtual environment
            </Button>
          </div>
        </div>
      )}
      {showInstall && !refused && (
        <div className="prov-offer">
          <span className="prov-icon" aria-hidden="true"><Icon name="package" size={18} /></span>
          <div className="prov-text">
            {missing?.length ? (
              <strong>
                Missing required package{missing.length === 1 ? '' : 's'}:
                {missing.map((p) => <span key={p} className="chip chip-missing">{p}</span>)}
              </strong>
            ) : (
              <strong>
                Validation failed. Required:
                {it.required_packages.map((p) => <span key={p} className="chip">{p}</span>)}
              </strong>
            )}
            <p className="muted">Installs the required packages that validation finds missing, with {tool}.</p>
          </div>
          <div className="prov-buttons">
            <Button small variant="primary" icon={<Icon name="package" size={14} />} busy={busy && req?.kind === 'install'} disabled={busy} onClick={() => startInstall()}>
              Install missing packages
            </Button>
          </div>
        </div>
      )}
    </div>
  );
}
