import { useEffect, useId, useState, type ReactElement } from 'react';
import type { PluginInfo } from '../../../../shared/dto/plugins';
import { toApiError, type ApiError } from '../../api/api-error';
import { getApi } from '../../api/runtime';
import { useInterpreters } from '../../stores/interpreters';
import { usePlugins } from '../../stores/plugins';

/** The value of the "active (default)" choice: the plugin runs under the active interpreter. */
const ACTIVE = '';

/**
 * A plugin's interpreter: "active (default)" or one of the configured interpreters, which then runs
 * that plugin in its own executor (`plugins.settings.<name>.interpreter`). Changing it writes the
 * binding and reloads the list (a bound plugin is listed by its own interpreter's executor).
 */
export function PluginInterpreter({ plugin }: { plugin: PluginInfo }): ReactElement {
  const id = useId();
  const list = useInterpreters((s) => s.data);
  const loaded = useInterpreters((s) => s.loaded);
  const loadInterpreters = useInterpreters((s) => s.load);
  const reload = usePlugins((s) => s.load);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    if (!loaded) void loadInterpreters();
  }, [loaded, loadInterpreters]);
  const current = plugin.interpreter ?? ACTIVE;
  const keys = (list?.interpreters ?? []).map((i) => i.key);
  if (current !== ACTIVE && !keys.includes(current)) keys.push(current);

  const choose = async (value: string): Promise<void> => {
    if (value === current) return;
    setBusy(true);
    setError(null);
    try {
      const client = getApi().client;
      if (value === ACTIVE) await client.clearPluginInterpreter({ name: plugin.name });
      else await client.setPluginInterpreter({ name: plugin.name, interpreter: value });
      await reload();
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="plugin-interpreter">
      <label htmlFor={id} className="sr-only">Interpreter of {plugin.name}</label>
      <select id={id} className="input" value={current} disabled={busy} aria-busy={busy}
        title="The interpreter that runs this plugin: the active one, or its own executor under another"
        onChange={(e) => void choose(e.target.value)}>
        <option value={ACTIVE}>active (default){list?.active ? ` · ${list.active}` : ''}</option>
        {keys.map((k) => <option key={k} value={k}>{k}</option>)}
      </select>
      {error && <div className="danger-text small" role="alert">{error.message}</div>}
    </div>
  );
}
