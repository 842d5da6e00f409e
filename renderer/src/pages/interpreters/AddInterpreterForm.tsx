import { useId, useMemo, useState, type FormEvent, type ReactElement } from 'react';
import type { AddInterpreterInput } from '../../../../shared/dto/interpreters';
import { fieldErrors, type ApiError } from '../../api/api-error';
import { Banner, Button, Field } from '../../components/ui';
import { Icon } from '../../components/icons';
import { slugKey } from '../../lib/format';
import { useInterpreters } from '../../stores/interpreters';
import { useJobs } from '../../stores/jobs';
import { addable, displayName, prefillFrom, type FormPrefill } from './discovered';
import { EnvEditor, type EnvRow } from './EnvEditor';

export interface AddInterpreterFormProps {
  prefill?: FormPrefill | null;
  /** `creatingVenv`: the interpreter was added and the creation of its venv was asked for. */
  onDone(key: string, creatingVenv?: boolean): void;
  onCancel(): void;
}

const KNOWN_FIELDS = ['key', 'name', 'path', 'venv_path', 'use_uv', 'required_packages', 'environment'];

export function parsePackages(text: string): string[] {
  return text.split(/[\n,]+/).map((s) => s.trim()).filter(Boolean);
}

export function AddInterpreterForm({ prefill, onDone, onCancel }: AddInterpreterFormProps): ReactElement {
  const createId = useId();
  const add = useInterpreters((s) => s.add);
  const list = useInterpreters((s) => s.data);
  const discovery = useInterpreters((s) => s.discovery);
  const [key, setKey] = useState(prefill?.key ?? '');
  const [keyTouched, setKeyTouched] = useState(Boolean(prefill));
  const [name, setName] = useState(prefill?.name ?? '');
  const [path, setPath] = useState(prefill?.path ?? '');
  const [venv, setVenv] = useState(prefill?.venv_path ?? '');
  const [makeVenv, setMakeVenv] = useState(false);
  const [useUv, setUseUv] = useState(false);
  const [packages, setPackages] = useState('');
  const [env, setEnv] = useState<EnvRow[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [missing, setMissing] = useState<Record<string, string>>({});
  const [picked, setPicked] = useState(prefill?.path ?? '');

  const taken = useMemo(() => new Set(list?.interpreters.map((i) => i.key) ?? []), [list]);
  const found = useMemo(() => addable(discovery.result?.interpreters ?? []), [discovery.result]);
  const errors = { ...fieldErrors(error), ...missing };
  const general = error && !KNOWN_FIELDS.some((f) => errors[f]) ? error : null;

  const pick = (p: string): void => {
    setPicked(p);
    const i = found.find((x) => x.path === p);
    if (!i) return;
    const fill = prefillFrom(i, taken);
    setKey(fill.key);
    setKeyTouched(true);
    setName(fill.name);
    setPath(fill.path);
    setError(null);
    setMissing({});
  };

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const required: Record<string, string> = {};
    if (!key.trim()) required['key'] = 'is required';
    if (!path.trim()) required['path'] = 'is required';
    if (makeVenv && !venv.trim()) required['venv_path'] = 'is required to create a virtual environment';
    setMissing(required);
    if (Object.keys(required).length) return;
    const input: AddInterpreterInput = { key: key.trim(), path: path.trim() };
    if (name.trim()) input.name = name.trim();
    if (venv.trim()) input.venv_path = venv.trim();
    if (useUv) input.use_uv = true;
    const pkgs = parsePackages(packages);
    if (pkgs.length) input.required_packages = pkgs;
    const vars = env.filter((r) => r.name.trim() || r.value);
    if (vars.length) input.environment = Object.fromEntries(vars.map((r) => [r.name.trim(), r.value]));
    setBusy(true);
    const err = await add(input);
    setBusy(false);
    setError(err);
    if (err) return;
    // the venv is made from `path` (the base interpreter); the job then points the interpreter at it
    if (!makeVenv) return onDone(input.key);
    void useJobs.getState().createVenv(input.key);
    onDone(input.key, true);
  };

  return (
    <form className="form add-form" onSubmit={(e) => void submit(e)} noValidate aria-label="Add interpreter">
      <div className="picker">
        <Field label="Found on this machine" hint={pickerHint(discovery.loading, found.length, discovery.error)}>
          {({ id, describedBy }) => (
            <select id={id} className="input" aria-describedby={describedBy} value={picked} onChange={(e) => pick(e.target.value)} disabled={found.length === 0}>
              <option value="">{discovery.loading ? 'Looking for interpreters…' : found.length ? 'Choose one to fill the form…' : 'Nothing new found'}</option>
              {found.map((i) => (
                <option key={i.path} value={i.path}>
                  {displayName(i)} — {i.path}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      {general && <Banner tone="danger" title="Could not add the interpreter">{general.message}</Banner>}
      <div className="form-grid">
        <Field label="Display name" error={errors['name']} hint="Shown in lists and the tray.">
          {({ id, describedBy, invalid }) => (
            <input id={id} className="input" value={name} aria-describedby={describedBy} aria-invalid={invalid}
              onChange={(e) => { setName(e.target.value); if (!keyTouched) setKey(e.target.value ? slugKey(e.target.value) : ''); }} />
          )}
        </Field>
        <Field label="Key" error={errors['key']} hint="Letters, digits, . _ - (used in the API and the config file).">
          {({ id, describedBy, invalid }) => (
            <input id={id} className="input mono-input" value={key} required aria-describedby={describedBy} aria-invalid={invalid} spellCheck={false}
              onChange={(e) => { setKey(e.target.value); setKeyTouched(true); }} />
          )}
        </Field>
        <Field
          label={makeVenv ? 'Base interpreter path' : 'Interpreter path'}
          error={errors['path']}
          hint={makeVenv ? 'The Python the virtual environment is made from (~ allowed).' : 'Absolute path of the python executable (~ allowed).'}
          className="span-2"
        >
          {({ id, describedBy, invalid }) => (
            <input id={id} className="input mono-input" value={path} required placeholder="/usr/bin/python3" aria-describedby={describedBy} aria-invalid={invalid} spellCheck={false}
              onChange={(e) => setPath(e.target.value)} />
          )}
        </Field>
        <Field
          label="Virtual environment"
          error={errors['venv_path']}
          hint={makeVenv ? 'Created after adding (python -m venv, or uv venv with uv); the interpreter then runs its python.' : 'Optional folder of a venv to run in.'}
        >
          {({ id, describedBy, invalid }) => (
            <>
              <input id={id} className="input mono-input" value={venv} placeholder="~/.venvs/webhooks" aria-describedby={describedBy} aria-invalid={invalid} spellCheck={false}
                onChange={(e) => setVenv(e.target.value)} />
              <label className="check-label" htmlFor={createId}>
                <input id={createId} type="checkbox" checked={makeVenv} onChange={(e) => setMakeVenv(e.target.checked)} />
                Create virtual environment
              </label>
            </>
          )}
        </Field>
        <Field label="Package installer" error={errors['use_uv']}>
          {({ id, describedBy }) => (
            <label className="check-label" htmlFor={id}>
              <input id={id} type="checkbox" checked={useUv} aria-describedby={describedBy} onChange={(e) => setUseUv(e.target.checked)} />
              Use uv instead of pip
            </label>
          )}
        </Field>
        <Field
          label="Required packages"
          error={errors['required_packages']}
          hint={makeVenv ? 'One per line or comma-separated. A new venv is empty: the executor needs grpcio and protobuf in it.' : 'One per line or comma-separated, e.g. requests>=2.31'}
          className="span-2"
        >
          {({ id, describedBy, invalid }) => (
            <textarea id={id} className="input mono-input" rows={2} value={packages} aria-describedby={describedBy} aria-invalid={invalid} spellCheck={false}
              onChange={(e) => setPackages(e.target.value)} />
          )}
        </Field>
        <Field label="Environment variables" error={errors['environment']} className="span-2">
          {({ describedBy }) => <EnvEditor rows={env} onChange={setEnv} describedBy={describedBy} />}
        </Field>
      </div>
      <div className="form-actions">
        <Button onClick={onCancel}>Cancel</Button>
        <Button type="submit" variant="primary" busy={busy} icon={<Icon name="plus" />}>
          {makeVenv ? 'Add and create venv' : 'Add to configuration'}
        </Button>
      </div>
    </form>
  );
}

function pickerHint(loading: boolean, count: number, error: ApiError | null): string {
  if (error) return `Discovery failed: ${error.message}`;
  if (loading) return 'Searching PATH, pyenv, conda, uv and the usual folders…';
  return count ? `${count} interpreter${count === 1 ? '' : 's'} not added yet. Picking one fills the form.` : 'Every interpreter found is already added — or type a path below.';
}
