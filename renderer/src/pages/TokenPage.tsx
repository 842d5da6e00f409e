import { useState, type FormEvent, type ReactElement } from 'react';
import { Banner, Button, Field } from '../components/ui';
import { Icon } from '../components/icons';
import type { AuthStatus } from '../stores/auth';

/** Shown instead of the dashboard while there is no token, or the server refused the one given. */
export function TokenPage({ status, onSubmit }: { status: AuthStatus; onSubmit(token: string): void }): ReactElement {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | undefined>();
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    const token = value.trim();
    if (!token) {
      setError('Paste the token first');
      return;
    }
    setError(undefined);
    onSubmit(token);
  };
  return (
    <main className="token-page">
      <div className="token-card">
        <div className="token-icon" aria-hidden="true"><Icon name="key" size={28} /></div>
        <h1>Connect to Webhook Bridge</h1>
        {status === 'rejected' ? (
          <Banner tone="danger" title="The server refused this token">It may have been replaced, or it belongs to another bridge. Paste the current one.</Banner>
        ) : (
          <p className="muted">This dashboard needs the bridge's API token. It is never sent in a URL and is kept only for this browser tab.</p>
        )}
        <h2>Where to find it</h2>
        <ol className="token-steps">
          <li>
            <strong>Easiest:</strong> open the <em>Dashboard</em> link that <code className="mono">npm start</code> or <code className="mono">npm run serve</code> prints — it carries the token after <code className="mono">#token=</code>.
          </li>
          <li>
            Or copy it from the file <code className="mono">api-token</code> beside your <code className="mono">config.yaml</code>; the path is printed at start as <code className="mono">API token: …</code>
            <br />
            (Linux: <code className="mono">~/.config/webhook-bridge/api-token</code>, macOS: <code className="mono">~/Library/Application Support/webhook-bridge/api-token</code>, Windows: <code className="mono">%APPDATA%\webhook-bridge\api-token</code>).
          </li>
          <li>
            If the bridge was started with <code className="mono">WEBHOOK_BRIDGE_API_TOKEN</code> set, the token is that variable's value.
          </li>
        </ol>
        <form onSubmit={submit} className="token-form" aria-label="Paste the API token">
          <Field label="API token" error={error}>
            {({ id, describedBy, invalid }) => (
              <input id={id} className="input mono-input" type="password" autoComplete="off" spellCheck={false} value={value} aria-describedby={describedBy} aria-invalid={invalid} onChange={(e) => setValue(e.target.value)} autoFocus />
            )}
          </Field>
          <Button type="submit" variant="primary">Connect</Button>
        </form>
      </div>
    </main>
  );
}
