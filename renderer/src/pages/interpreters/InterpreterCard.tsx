import type { ReactElement } from 'react';
import type { InterpreterStatus, InterpreterView } from '../../../../shared/dto/interpreters';
import { Badge, Button, Mono, type Tone } from '../../components/ui';
import { Icon } from '../../components/icons';
import { formatDateTime, relativeTime } from '../../lib/format';
import { useInterpreters } from '../../stores/interpreters';
import { kindLabel } from './discovered';
import { ProvisioningSlot } from './ProvisioningSlot';
import { ValidationReportView } from './ValidationReportView';

const STATUS: Record<InterpreterStatus, { tone: Tone; label: string }> = {
  ready: { tone: 'ok', label: 'Ready' },
  error: { tone: 'danger', label: 'Error' },
  unavailable: { tone: 'danger', label: 'Unavailable' },
  validating: { tone: 'info', label: 'Validating…' },
  unknown: { tone: 'neutral', label: 'Not validated' },
};

export function InterpreterCard({ it, onRemove, pinnedBy = null }: { it: InterpreterView; onRemove(it: InterpreterView): void; pinnedBy?: string | null }): ReactElement {
  const validation = useInterpreters((s) => s.validations[it.key]);
  const activation = useInterpreters((s) => s.activation);
  const validate = useInterpreters((s) => s.validate);
  const activate = useInterpreters((s) => s.activate);
  const status = STATUS[it.status];
  const activating = activation?.running === true;
  const envEntries = Object.entries(it.environment);
  const problem = it.status_reason ?? it.validation_error;
  // an environment variable pins the active interpreter: activating another one is refused
  const pinned = pinnedBy !== null && !it.active;
  return (
    <article className={`interp ${it.active ? 'is-active' : ''}`} aria-label={`Interpreter ${it.name}`} data-key={it.key}>
      <header className="interp-head">
        <span className="interp-logo" aria-hidden="true">
          <Icon name="python" size={22} />
        </span>
        <div className="interp-title">
          <h3>
            {it.name}
            {it.active && <Badge tone="accent">Active</Badge>}
            <Badge tone={status.tone} dot title={it.status_reason ?? undefined}>{status.label}</Badge>
          </h3>
          <p className="interp-sub">
            <Mono>{it.key}</Mono>
            <span aria-hidden="true">·</span>
            <Mono title={it.path}>{it.path}</Mono>
          </p>
        </div>
        <div className="interp-actions">
          <Button small icon={<Icon name="check" size={14} />} busy={validation?.running} onClick={() => void validate(it.key)}>
            Validate
          </Button>
          <Button
            small
            variant={it.active ? 'secondary' : 'primary'}
            icon={<Icon name="bolt" size={14} />}
            disabled={it.active || activating || pinned}
            busy={activating && activation?.name === it.key}
            onClick={() => void activate(it.key)}
            title={it.active ? 'This interpreter runs the executor' : pinned ? `${pinnedBy} pins the active interpreter: unset it and restart the app to choose another` : 'Switch the executor to this interpreter'}
          >
            {activating && activation?.name === it.key ? 'Activating…' : 'Activate'}
          </Button>
          <Button
            small
            variant="ghost"
            className="btn-danger-ghost"
            icon={<Icon name="trash" size={14} />}
            disabled={it.active}
            title={it.active ? 'The active interpreter cannot be removed: activate another one first' : `Remove ${it.name}`}
            aria-label={`Remove ${it.name}`}
            onClick={() => onRemove(it)}
          >
            Remove
          </Button>
        </div>
      </header>
      <dl className="facts">
        <div><dt>Version</dt><dd>{it.version ?? '—'}{it.implementation && it.implementation !== 'cpython' ? ` (${it.implementation})` : ''}</dd></div>
        <div><dt>Kind</dt><dd>{it.legacy ? 'legacy setting' : kindLabel(it.kind)}</dd></div>
        <div><dt>Virtual env</dt><dd>{it.venv_path ? <Mono title={it.venv_path}>{it.venv_path}</Mono> : '—'}</dd></div>
        <div><dt>Installer</dt><dd>{it.use_uv ? 'uv' : 'pip'}</dd></div>
        <div>
          <dt>Last validation</dt>
          <dd title={formatDateTime(it.last_validated)}>
            {it.last_validated
              ? `${it.validated ? 'passed' : 'failed'} ${relativeTime(it.last_validated)}`
              : validation?.report
                ? `${validation.report.ok ? 'passed' : 'failed'} (not saved)`
                : 'never'}
          </dd>
        </div>
      </dl>
      <div className="interp-lists">
        <div>
          <span className="list-label">Required packages</span>
          {it.required_packages.length ? it.required_packages.map((p) => <span key={p} className="chip">{p}</span>) : <span className="muted small">none</span>}
        </div>
        <div>
          <span className="list-label">Environment</span>
          {envEntries.length ? (
            envEntries.map(([k, v]) => (
              <span key={k} className="chip mono">
                {k}={v}
              </span>
            ))
          ) : (
            <span className="muted small">inherited</span>
          )}
        </div>
      </div>
      {problem && it.status !== 'ready' && (
        <p className="interp-problem" role="note">
          <Icon name="warn" size={14} /> {problem}
        </p>
      )}
      {validation?.error && (
        <p className="interp-problem" role="alert">
          Validation could not run: {validation.error.message}
        </p>
      )}
      {validation?.report && <ValidationReportView report={validation.report} />}
      <ProvisioningSlot interpreter={it} />
    </article>
  );
}
