import { useEffect, useState, type ReactElement } from 'react';
import type { PluginInfo } from '../../../../shared/dto/plugins';
import { Banner, Button, Mono } from '../../components/ui';
import { Icon } from '../../components/icons';
import { useConnection } from '../../stores/connection';
import { useInterpreters } from '../../stores/interpreters';
import { latestJob, useJobs } from '../../stores/jobs';
import { JobPanel } from '../interpreters/JobPanel';

/**
 * Under a plugin that imports a module the active interpreter lacks: "Install missing packages"
 * runs the same install job as an interpreter's required packages, for the distribution that
 * provides the module (yaml → PyYAML), with the PEP 668 choice and the job's progress.
 */
export function MissingPackage({ plugin }: { plugin: PluginInfo }): ReactElement | null {
  // a bound plugin misses the package in its own interpreter
  const running = useConnection((s) => s.data?.interpreter ?? null);
  const active = plugin.interpreter ?? running;
  const view = useInterpreters((s) => s.data?.interpreters.find((i) => i.key === active) ?? null);
  const job = useJobs((s) => (active ? latestJob(s, active) : null));
  const req = useJobs((s) => (active ? s.requests[active] : undefined));
  const install = useJobs((s) => s.install);
  const clearRequest = useJobs((s) => s.clearRequest);
  const [started, setStarted] = useState(false);
  const interpretersLoaded = useInterpreters((s) => s.loaded);
  const loadInterpreters = useInterpreters((s) => s.load);
  useEffect(() => {
    if (!interpretersLoaded) void loadInterpreters(); // the job panel shows the interpreter's view
  }, [interpretersLoaded, loadInterpreters]);
  const pkg = plugin.missing?.package;
  if (!plugin.missing || !pkg) return null;
  const start = (breakSystemPackages = false): void => {
    if (!active) return;
    setStarted(true);
    void install(active, { packages: [pkg], breakSystemPackages });
  };
  const busy = req?.busy === true || job?.state === 'running';
  return (
    <div className="prov missing-package">
      <div className="prov-buttons">
        <Button small variant="primary" icon={<Icon name="package" size={14} />} busy={req?.busy === true} disabled={!active || busy} onClick={() => start()}
          title={active ? `Installs ${pkg} into the ${plugin.interpreter ? "plugin's" : 'active'} interpreter '${active}'` : 'No interpreter is active'}>
          Install missing packages
        </Button>
        <span className="muted small">
          <Mono>{pkg}</Mono> provides <Mono>{plugin.missing.module}</Mono>{active ? <> · into '{active}'</> : null}
        </span>
      </div>
      {active && req?.externallyManaged && !req.busy && (
        <Banner tone="warn" title={`'${active}' is managed by the operating system`}
          actions={<>
            <Button small title="Runs the install with --break-system-packages" onClick={() => start(true)}>Install anyway</Button>
            <Button small variant="ghost" onClick={() => clearRequest(active)}>Not now</Button>
          </>}>
          Packages installed into it (PEP 668) can break software of your system; a virtual environment (Interpreters page) keeps them apart.
        </Banner>
      )}
      {active && req?.error && !req.externallyManaged && (
        <Banner tone="danger" title="Could not install packages" actions={<Button small variant="ghost" onClick={() => clearRequest(active)}>Dismiss</Button>}>
          {req.error.message}
        </Banner>
      )}
      {started && job && view && <JobPanel key={job.id} job={job} interpreter={view} onRetry={() => start()} />}
    </div>
  );
}
