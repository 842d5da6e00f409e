import type { ReactElement } from 'react';
import type { ValidationCheck, ValidationReport } from '../../../../shared/interpreters-discovery';
import { Icon } from '../../components/icons';
import { formatMs } from '../../lib/format';

function checkClass(c: ValidationCheck): string {
  if (c.ok) return 'check-ok';
  return c.level === 'error' ? 'check-error' : c.level === 'warning' ? 'check-warn' : 'check-info';
}

/** Every check of a validation run with its result, then the packages it found. */
export function ValidationReportView({ report }: { report: ValidationReport }): ReactElement {
  const failed = report.checks.filter((c) => !c.ok && c.level === 'error').length;
  const warned = report.checks.filter((c) => !c.ok && c.level === 'warning').length;
  return (
    <div className="validation" aria-label="Validation result">
      <p className={`validation-summary ${report.ok ? 'ok' : 'bad'}`}>
        <Icon name={report.ok ? 'check' : 'cross'} />
        {report.ok ? 'Ready to run the executor' : `${failed} check${failed === 1 ? '' : 's'} failed`}
        {warned > 0 && `, ${warned} warning${warned === 1 ? '' : 's'}`}
        <span className="muted"> · {formatMs(report.durationMs)}</span>
      </p>
      <ul className="checks">
        {report.checks.map((c, i) => (
          <li key={`${c.check}-${i}`} className={checkClass(c)}>
            <span className="check-icon" aria-hidden="true">
              <Icon name={c.ok ? 'check' : c.level === 'error' ? 'cross' : 'warn'} size={14} />
            </span>
            <span className="check-name">{c.check}</span>
            <span className="sr-only">{c.ok ? 'passed' : c.level === 'error' ? 'failed' : 'warning'}:</span>
            <span className="check-msg">{c.message}</span>
          </li>
        ))}
      </ul>
      {report.packages.length > 0 && (
        <p className="packages-found">
          {report.packages.map((p) => (
            <span key={p.name} className={`chip ${p.version ? '' : 'chip-missing'}`}>
              {p.name} {p.version ?? 'missing'}
            </span>
          ))}
        </p>
      )}
    </div>
  );
}
