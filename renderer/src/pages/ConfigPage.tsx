import { useEffect, useState, type FormEvent, type ReactElement } from 'react';
import type { ConfigView, EffectiveValue, LogLevel, UpdateConfigInput } from '../../../shared/dto/config';
import { fieldErrors, type ApiError } from '../api/api-error';
import { Badge, Banner, Button, Card, ErrorState, Field, Mono, PageHeader, Skeleton } from '../components/ui';
import { formatDateTime, formatValue } from '../lib/format';
import { configValue, useConfig } from '../stores/config';
import { useInterpreters } from '../stores/interpreters';

const LEVELS: LogLevel[] = ['debug', 'info', 'warn', 'error'];

export function SourceBadge({ value }: { value: EffectiveValue | undefined }): ReactElement | null {
  if (!value) return null;
  const tone = value.source === 'environment' ? 'warn' : value.source === 'file' ? 'info' : 'neutral';
  return (
    <Badge tone={tone} title={value.env ? `set by ${value.env}` : value.detail}>
      {value.source === 'environment' && value.env ? `env ${value.env}` : value.source}
    </Badge>
  );
}

export function ConfigPage(): ReactElement {
  const { data, loaded, error, load } = useConfig();
  useEffect(() => {
    if (!loaded) void load();
  }, [loaded, load]);
  return (
    <div className="page">
      <PageHeader title="Configuration" subtitle={data ? <>Effective settings from <Mono>{data.path}</Mono></> : 'Effective settings and where each comes from.'} />
      {!data && error ? (
        <ErrorState error={error} onRetry={() => void load()} />
      ) : !data ? (
        <Skeleton rows={4} height={56} />
      ) : (
        <>
          <FileBanners view={data} />
          <PythonSettings view={data} />
          <Card title="Effective values">
            <table className="table values-table">
              <thead>
                <tr><th scope="col">Key</th><th scope="col">Value</th><th scope="col">Source</th></tr>
              </thead>
              <tbody>
                {data.values.map((v) => (
                  <tr key={v.key}>
                    <td><Mono>{v.key}</Mono></td>
                    <td className={v.value === null ? 'muted' : ''}><Mono>{formatValue(v.value)}</Mono>{v.detail ? <span className="muted small"> ({v.detail})</span> : null}</td>
                    <td><SourceBadge value={v} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p className="muted small table-foot">Loaded {formatDateTime(data.loaded_at)} · revision {data.revision}</p>
          </Card>
        </>
      )}
    </div>
  );
}

function FileBanners({ view }: { view: ConfigView }): ReactElement {
  return (
    <>
      {!view.valid && (
        <Banner tone="danger" title="The configuration file on disk is invalid">
          <p>The app keeps running on the last good configuration and saves nothing until the file is fixed; it is re-read as soon as it changes.</p>
          <ul className="issues">
            {view.errors.map((e, i) => (
              <li key={i}><Mono>{e.path}{e.line !== null ? ` (line ${e.line})` : ''}</Mono> {e.message}</li>
            ))}
          </ul>
        </Banner>
      )}
      {view.external_change_at && (
        <Banner tone="info" title="The file was changed outside the app">
          Re-read at {formatDateTime(view.external_change_at)}; the values below are the ones in effect now.
        </Banner>
      )}
      {view.warnings.length > 0 && (
        <Banner tone="warn" title={`${view.warnings.length} warning${view.warnings.length === 1 ? '' : 's'} in the file`}>
          <ul className="issues">
            {view.warnings.map((w, i) => (
              <li key={i}><Mono>{w.path}{w.line !== null ? ` (line ${w.line})` : ''}</Mono> {w.message}</li>
            ))}
          </ul>
        </Banner>
      )}
    </>
  );
}

interface Draft {
  active_interpreter?: string;
  venv_path?: string;
  auto_download_uv?: boolean;
  logging_level?: LogLevel;
  legacy_envelope?: boolean;
}

function envNote(v: EffectiveValue | undefined): string | undefined {
  return v?.source === 'environment' ? `${v.env ?? 'An environment variable'} overrides the file until it is unset.` : undefined;
}

function PythonSettings({ view }: { view: ConfigView }): ReactElement {
  const update = useConfig((s) => s.update);
  const saving = useConfig((s) => s.saving);
  const interpreters = useInterpreters((s) => s.data);
  const interpretersLoaded = useInterpreters((s) => s.loaded);
  const [draft, setDraft] = useState<Draft>({});
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (!interpretersLoaded) void useInterpreters.getState().load();
  }, [interpretersLoaded]);

  const cur = {
    active: configValue(view, 'python.active_interpreter'),
    venv: configValue(view, 'python.venv_path'),
    uv: configValue(view, 'python.auto_download_uv'),
    level: configValue(view, 'logging.level'),
    envelope: configValue(view, 'plugins.legacy_envelope'),
  };
  const current: Required<Draft> = {
    active_interpreter: typeof cur.active?.value === 'string' ? cur.active.value : (interpreters?.active ?? ''),
    venv_path: typeof cur.venv?.value === 'string' ? cur.venv.value : '',
    auto_download_uv: cur.uv?.value === true,
    logging_level: LEVELS.includes(cur.level?.value as LogLevel) ? (cur.level?.value as LogLevel) : 'info',
    legacy_envelope: cur.envelope?.value !== false,
  };
  const value = { ...current, ...draft };
  const patch: UpdateConfigInput = {};
  if (value.active_interpreter !== current.active_interpreter && value.active_interpreter) patch.active_interpreter = value.active_interpreter;
  if (value.venv_path !== current.venv_path) patch.venv_path = value.venv_path;
  if (value.auto_download_uv !== current.auto_download_uv) patch.auto_download_uv = value.auto_download_uv;
  if (value.logging_level !== current.logging_level) patch.logging_level = value.logging_level;
  if (value.legacy_envelope !== current.legacy_envelope) patch.legacy_envelope = value.legacy_envelope;
  const dirty = Object.keys(patch).length > 0;
  const errors = fieldErrors(error);
  const set = (d: Draft): void => {
    setDraft({ ...draft, ...d });
    setSaved(false);
  };

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (!dirty) return;
    const err = await update(patch);
    setError(err);
    if (!err) {
      setDraft({});
      setSaved(true);
    }
  };

  return (
    <Card title="Python settings">
      <form className="form" onSubmit={(e) => void submit(e)} aria-label="Python settings">
        {error && !Object.keys(errors).length && <Banner tone="danger" title="Not saved">{error.message}</Banner>}
        {saved && !dirty && <Banner tone="ok" title="Saved to the configuration file" />}
        <div className="form-grid">
          <Field label="Active interpreter" error={errors['active_interpreter']} hint={envNote(cur.active) ?? 'Changing it switches the executor live.'}>
            {({ id, describedBy, invalid }) => (
              <div className="with-badge">
                <select id={id} className="input" value={value.active_interpreter} aria-describedby={describedBy} aria-invalid={invalid} onChange={(e) => set({ active_interpreter: e.target.value })}>
                  {!value.active_interpreter && <option value="">(none)</option>}
                  {(interpreters?.interpreters ?? []).map((i) => (
                    <option key={i.key} value={i.key}>{i.name === i.key ? i.key : `${i.name} · ${i.key}`}</option>
                  ))}
                  {interpreters && value.active_interpreter && !interpreters.interpreters.some((i) => i.key === value.active_interpreter) && (
                    <option value={value.active_interpreter}>{value.active_interpreter} (not configured)</option>
                  )}
                </select>
                <SourceBadge value={cur.active} />
              </div>
            )}
          </Field>
          <Field label="Logging level" error={errors['logging_level']} hint={envNote(cur.level)}>
            {({ id, describedBy, invalid }) => (
              <div className="with-badge">
                <select id={id} className="input" value={value.logging_level} aria-describedby={describedBy} aria-invalid={invalid} onChange={(e) => set({ logging_level: e.target.value as LogLevel })}>
                  {LEVELS.map((l) => <option key={l} value={l}>{l}</option>)}
                </select>
                <SourceBadge value={cur.level} />
              </div>
            )}
          </Field>
          <Field label="Default virtual environment" error={errors['venv_path']} hint={envNote(cur.venv) ?? 'Folder used for new virtual environments (relative to the config file).'}>
            {({ id, describedBy, invalid }) => (
              <div className="with-badge">
                <input id={id} className="input mono-input" value={value.venv_path} aria-describedby={describedBy} aria-invalid={invalid} spellCheck={false} onChange={(e) => set({ venv_path: e.target.value })} />
                <SourceBadge value={cur.venv} />
              </div>
            )}
          </Field>
          <Field label="uv" error={errors['auto_download_uv']} hint={envNote(cur.uv)}>
            {({ id, describedBy }) => (
              <div className="with-badge">
                <label className="check-label" htmlFor={id}>
                  <input id={id} type="checkbox" checked={value.auto_download_uv} aria-describedby={describedBy} onChange={(e) => set({ auto_download_uv: e.target.checked })} />
                  Download uv automatically when an interpreter needs it
                </label>
                <SourceBadge value={cur.uv} />
              </div>
            )}
          </Field>
          <Field label="webhook_bridge plugins" error={errors['legacy_envelope']} hint="Plugins written for webhook_bridge 0.6–4.0 (webhook_bridge.plugin). Off: the body is the plugin's result as JSON.">
            {({ id, describedBy }) => (
              <div className="with-badge">
                <label className="check-label" htmlFor={id}>
                  <input id={id} type="checkbox" checked={value.legacy_envelope} aria-describedby={describedBy} onChange={(e) => set({ legacy_envelope: e.target.checked })} />
                  Answer in webhook_bridge's envelope (plugin, status_code, data, …)
                </label>
                <SourceBadge value={cur.envelope} />
              </div>
            )}
          </Field>
        </div>
        <div className="form-actions">
          <Button disabled={!dirty || saving} onClick={() => { setDraft({}); setError(null); }}>Discard</Button>
          <Button type="submit" variant="primary" busy={saving} disabled={!dirty || !view.valid} title={view.valid ? undefined : 'Fix the file on disk first'}>
            Save changes
          </Button>
        </div>
      </form>
    </Card>
  );
}
