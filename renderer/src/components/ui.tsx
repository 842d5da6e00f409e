import { useId, type ButtonHTMLAttributes, type ReactElement, type ReactNode, type Ref } from 'react';
import type { ApiError } from '../api/api-error';

type Variant = 'primary' | 'secondary' | 'ghost' | 'danger';

export interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  variant?: Variant;
  busy?: boolean;
  small?: boolean;
  icon?: ReactNode;
  ref?: Ref<HTMLButtonElement>;
}

export function Button({ variant = 'secondary', busy = false, small = false, icon, className, children, disabled, type, ref, ...rest }: ButtonProps): ReactElement {
  const iconOnly = children === undefined || children === null || children === '';
  const cls = ['btn', `btn-${variant}`, small ? 'btn-sm' : '', iconOnly ? 'btn-icon' : '', busy ? 'is-busy' : '', className ?? ''].filter(Boolean).join(' ');
  return (
    <button ref={ref} type={type ?? 'button'} className={cls} disabled={disabled || busy} aria-busy={busy || undefined} {...rest}>
      {busy ? <Spinner /> : icon}
      {!iconOnly && <span>{children}</span>}
    </button>
  );
}

export type Tone = 'neutral' | 'ok' | 'warn' | 'danger' | 'info' | 'accent';

export function Badge({ tone = 'neutral', dot = false, children, title }: { tone?: Tone; dot?: boolean; children: ReactNode; title?: string }): ReactElement {
  return (
    <span className={`badge badge-${tone}`} title={title}>
      {dot && <span className="badge-dot" aria-hidden="true" />}
      {children}
    </span>
  );
}

export function Spinner({ label }: { label?: string }): ReactElement {
  return <span className="spinner" role={label ? 'status' : undefined} aria-label={label} aria-hidden={label ? undefined : true} />;
}

export function Card({ title, actions, children, className, id }: { title?: ReactNode; actions?: ReactNode; children: ReactNode; className?: string; id?: string }): ReactElement {
  return (
    <section className={`card ${className ?? ''}`} id={id} aria-label={typeof title === 'string' ? title : undefined}>
      {(title || actions) && (
        <header className="card-head">
          {title && <h2 className="card-title">{title}</h2>}
          {actions && <div className="card-actions">{actions}</div>}
        </header>
      )}
      {children}
    </section>
  );
}

export function PageHeader({ title, subtitle, actions }: { title: string; subtitle?: ReactNode; actions?: ReactNode }): ReactElement {
  return (
    <header className="page-head">
      <div>
        <h1>{title}</h1>
        {subtitle && <p className="page-sub">{subtitle}</p>}
      </div>
      {actions && <div className="page-actions">{actions}</div>}
    </header>
  );
}

export function EmptyState({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }): ReactElement {
  return (
    <div className="state state-empty">
      <p className="state-title">{title}</p>
      {children && <div className="state-body">{children}</div>}
      {action && <div className="state-action">{action}</div>}
    </div>
  );
}

export function ErrorState({ error, title, onRetry, children }: { error: ApiError; title?: string; onRetry?: () => void; children?: ReactNode }): ReactElement {
  return (
    <div className="state state-error" role="alert">
      <p className="state-title">{title ?? errorTitle(error)}</p>
      <p className="state-body">{error.message}</p>
      {children}
      {onRetry && (
        <div className="state-action">
          <Button onClick={onRetry}>Try again</Button>
        </div>
      )}
    </div>
  );
}

export function errorTitle(error: ApiError): string {
  switch (error.code) {
    case 'UNAVAILABLE': return 'Not available right now';
    case 'UNREACHABLE': return 'Cannot reach the bridge';
    case 'UNAUTHORIZED': return 'The API token was refused';
    case 'CONFIG_INVALID': return 'The configuration file is invalid';
    case 'TIMEOUT': return 'Timed out';
    default: return 'Something went wrong';
  }
}

/** Placeholder rows with the height of the real content (no jump when data arrives). */
export function Skeleton({ rows = 3, height = 56 }: { rows?: number; height?: 36 | 56 | 88 | 120 }): ReactElement {
  return (
    <div className="skeleton-list" aria-busy="true" aria-label="Loading">
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className={`skeleton skeleton-h${height}`} />
      ))}
    </div>
  );
}

export function Banner({ tone, title, children, actions }: { tone: 'warn' | 'danger' | 'info' | 'ok'; title: string; children?: ReactNode; actions?: ReactNode }): ReactElement {
  return (
    <div className={`banner banner-${tone}`} role={tone === 'danger' || tone === 'warn' ? 'alert' : 'status'}>
      <div className="banner-text">
        <strong>{title}</strong>
        {children && <div className="banner-body">{children}</div>}
      </div>
      {actions && <div className="banner-actions">{actions}</div>}
    </div>
  );
}

export interface FieldProps {
  label: string;
  hint?: ReactNode;
  error?: string | undefined;
  children: (ids: { id: string; describedBy: string | undefined; invalid: boolean }) => ReactNode;
  className?: string;
}

/** A labelled control with its hint and its error (linked by aria-describedby). */
export function Field({ label, hint, error, children, className }: FieldProps): ReactElement {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errId = error ? `${id}-err` : undefined;
  const describedBy = [errId, hintId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field ${error ? 'has-error' : ''} ${className ?? ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, describedBy, invalid: Boolean(error) })}
      {error && (
        <p className="field-error" id={errId} role="alert">
          {error}
        </p>
      )}
      {hint && !error && (
        <p className="field-hint" id={hintId}>
          {hint}
        </p>
      )}
    </div>
  );
}

export function KeyValues({ items }: { items: Array<[string, ReactNode]> }): ReactElement {
  return (
    <dl className="kv">
      {items.map(([k, v]) => (
        <div key={k} className="kv-row">
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

export function Mono({ children, title }: { children: ReactNode; title?: string }): ReactElement {
  return (
    <code className="mono" title={title}>
      {children}
    </code>
  );
}
