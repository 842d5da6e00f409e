import { useEffect, useRef, useState, type FormEvent, type ReactElement } from 'react';
import type { PluginInfo, PluginTestInput, PluginTestResult } from '../../../shared/dto/plugins';
import { fieldErrors, toApiError, type ApiError } from '../api/api-error';
import { getApi } from '../api/runtime';
import { useRouter } from '../app/router';
import { Badge, Banner, Button, Card, EmptyState, ErrorState, Field, Mono, PageHeader, Skeleton } from '../components/ui';
import { Icon } from '../components/icons';
import { formatMs } from '../lib/format';
import { useDeliveries } from '../stores/deliveries';
import { usePlugins } from '../stores/plugins';
import { MissingPackage } from './plugins/MissingPackage';
import { PluginInterpreter } from './plugins/PluginInterpreter';

const METHODS: PluginTestInput['method'][] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

export function PluginsPage(): ReactElement {
  const { data, loaded, loading, error, load } = usePlugins();
  const navigate = useRouter((s) => s.navigate);
  const [selected, setSelected] = useState<string>('');
  const formRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!loaded) void load();
  }, [loaded, load]);
  const plugins = data?.plugins ?? [];
  const pick = (name: string): void => {
    setSelected(name);
    formRef.current?.scrollIntoView({ block: 'nearest' });
    formRef.current?.querySelector<HTMLElement>('select')?.focus();
  };

  return (
    <div className="page">
      <PageHeader
        title="Plugins"
        subtitle="The webhook handlers the executor loaded from your plugin folders."
        actions={<Button icon={<Icon name="refresh" />} busy={loading} onClick={() => void load()}>Reload list</Button>}
      />
      {!data && error ? (
        <ErrorState error={error} title={error.code === 'UNAVAILABLE' ? 'The executor is not running' : undefined} onRetry={() => void load()}>
          {error.code === 'UNAVAILABLE' && (
            <p className="state-body">
              Plugins are listed by the executor. See the{' '}
              <a href="/connection" onClick={(e) => { e.preventDefault(); navigate('connection'); }}>Connection</a> page for its state.
            </p>
          )}
        </ErrorState>
      ) : !data ? (
        <Skeleton rows={3} height={56} />
      ) : plugins.length === 0 ? (
        <EmptyState title="No plugins loaded">
          Put a Python file with a plugin class in one of the folders listed under <Mono>plugins.dirs</Mono> in the configuration.
        </EmptyState>
      ) : (
        <Card title={`${plugins.length} plugin${plugins.length === 1 ? '' : 's'}`}>
          <table className="table plugins-table">
            <thead>
              <tr><th scope="col">Name</th><th scope="col">Methods</th><th scope="col">Description</th><th scope="col">State</th><th scope="col">Interpreter</th><th scope="col"><span className="sr-only">Actions</span></th></tr>
            </thead>
            <tbody>
              {plugins.map((p) => (
                <tr key={p.name}>
                  <td>
                    <strong>{p.name}</strong>
                    <div className="muted small"><Mono title={p.source}>{baseName(p.source)}</Mono></div>
                  </td>
                  <td>{p.methods.map((m) => <span key={m} className="chip mono">{m}</span>)}</td>
                  <td>{p.description || <span className="muted">—</span>}</td>
                  <td>
                    {p.available ? <Badge tone="ok" dot>available</Badge> : <Badge tone="danger" dot title={p.error}>unavailable</Badge>}
                    {p.has_secret && <Badge tone="info" title="Requests must be signed with the plugin's secret">signed</Badge>}
                    {p.style === 'legacy' && <Badge tone="info" title="Written for webhook_bridge 0.6–4.0 (webhook_bridge.plugin): runs unchanged">webhook_bridge</Badge>}
                    {!p.available && p.error && <div className="danger-text small">{p.error}</div>}
                    {!p.available && p.missing && <MissingPackage plugin={p} />}
                  </td>
                  <td><PluginInterpreter plugin={p} /></td>
                  <td><Button small disabled={!p.available} onClick={() => pick(p.name)} aria-label={`Test ${p.name}`}>Test</Button></td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      )}
      {plugins.length > 0 && (
        <div ref={formRef}>
          <TestForm plugins={plugins} selected={selected || (plugins.find((p) => p.available)?.name ?? '')} onSelect={setSelected} />
        </div>
      )}
    </div>
  );
}

function baseName(file: string): string {
  return file.split(/[\\/]/).pop() || file;
}

export function parseJsonBody(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  if (!text.trim()) return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, message: `not valid JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
}

function TestForm({ plugins, selected, onSelect }: { plugins: PluginInfo[]; selected: string; onSelect(name: string): void }): ReactElement {
  const plugin = plugins.find((p) => p.name === selected);
  const methods = plugin?.methods.length ? METHODS.filter((m) => plugin.methods.includes(m)) : METHODS;
  const [method, setMethod] = useState<PluginTestInput['method']>('POST');
  const [query, setQuery] = useState('');
  const [body, setBody] = useState('{\n  "event": "ping"\n}');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<PluginTestResult | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [bodyError, setBodyError] = useState<string | undefined>();
  const chosen = methods.includes(method) ? method : (methods[0] ?? 'POST');
  const errors = fieldErrors(error);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const parsed = parseJsonBody(body);
    if (!parsed.ok) {
      setBodyError(parsed.message);
      return;
    }
    setBodyError(undefined);
    const input: PluginTestInput = { name: selected, method: chosen };
    if (parsed.value !== undefined && chosen !== 'GET') input.body = parsed.value;
    if (query.trim()) input.query = query.trim().replace(/^\?/, '');
    setBusy(true);
    setError(null);
    try {
      setResult(await getApi().client.testPlugin(input));
    } catch (err) {
      setResult(null);
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title="Send a test request">
      <form className="form" onSubmit={(e) => void submit(e)} aria-label="Send a test request">
        <div className="form-grid form-grid-3">
          <Field label="Plugin" error={errors['name']}>
            {({ id, describedBy }) => (
              <select id={id} className="input" value={selected} aria-describedby={describedBy} onChange={(e) => onSelect(e.target.value)}>
                {plugins.map((p) => <option key={p.name} value={p.name} disabled={!p.available}>{p.name}</option>)}
              </select>
            )}
          </Field>
          <Field label="Method" error={errors['method']}>
            {({ id, describedBy }) => (
              <select id={id} className="input" value={chosen} aria-describedby={describedBy} onChange={(e) => setMethod(e.target.value as PluginTestInput['method'])}>
                {methods.map((m) => <option key={m} value={m}>{m}</option>)}
              </select>
            )}
          </Field>
          <Field label="Query string" error={errors['query']} hint="Optional, e.g. a=1&b=2">
            {({ id, describedBy, invalid }) => (
              <input id={id} className="input mono-input" value={query} aria-describedby={describedBy} aria-invalid={invalid} spellCheck={false} onChange={(e) => setQuery(e.target.value)} />
            )}
          </Field>
          <Field label="JSON body" error={bodyError ?? errors['body']} hint={chosen === 'GET' ? 'GET requests are sent without a body.' : 'Leave empty to send no body.'} className="span-3">
            {({ id, describedBy, invalid }) => (
              <textarea id={id} className="input mono-input code-area" rows={6} value={body} aria-describedby={describedBy} aria-invalid={invalid} spellCheck={false} disabled={chosen === 'GET'} onChange={(e) => setBody(e.target.value)} />
            )}
          </Field>
        </div>
        <div className="form-actions">
          <Button type="submit" variant="primary" icon={<Icon name="send" />} busy={busy} disabled={!selected}>Send</Button>
        </div>
      </form>
      {error && !Object.keys(errors).length && <Banner tone="danger" title="The test request failed">{error.message}</Banner>}
      {result && <TestOutcome result={result} />}
    </Card>
  );
}

function prettyBody(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

function TestOutcome({ result }: { result: PluginTestResult }): ReactElement {
  const tone = result.status < 300 ? 'ok' : result.status < 500 ? 'warn' : 'danger';
  const headers = Object.entries(result.headers);
  const navigate = useRouter((s) => s.navigate);
  const deliveryId = result.delivery_id;
  return (
    <div className="outcome" aria-label="Test response" aria-live="polite">
      <div className="test-head">
        <Badge tone={tone} dot>HTTP {result.status}</Badge>
        <span>{formatMs(result.duration_ms)}</span>
        {deliveryId && (
          <a
            href="/deliveries"
            onClick={(e) => {
              e.preventDefault();
              useDeliveries.getState().select(deliveryId);
              navigate('deliveries');
            }}
          >
            Open delivery {deliveryId.slice(-8)}
          </a>
        )}
      </div>
      {headers.length > 0 && (
        <details className="headers">
          <summary>{headers.length} response header{headers.length === 1 ? '' : 's'}</summary>
          <pre className="code">{headers.map(([k, v]) => `${k}: ${v}`).join('\n')}</pre>
        </details>
      )}
      <pre className="code" aria-label="Response body">{result.body ? prettyBody(result.body) : '(empty body)'}</pre>
    </div>
  );
}
