import { useState, type ReactElement } from 'react';
import { looksSecret } from '../../../../shared/dto/common';
import { Button } from '../../components/ui';
import { Icon } from '../../components/icons';

export interface EnvRow {
  id: number;
  name: string;
  value: string;
}

let nextId = 1;
export const newEnvRow = (name = '', value = ''): EnvRow => ({ id: nextId++, name, value });

/**
 * Environment variables as name/value rows. A value whose name looks secret (TOKEN, KEY,
 * PASSWORD…) is shown only while its field has focus, masked after entry.
 */
export function EnvEditor({ rows, onChange, describedBy }: { rows: EnvRow[]; onChange(rows: EnvRow[]): void; describedBy?: string | undefined }): ReactElement {
  const [focused, setFocused] = useState<number | null>(null);
  const update = (id: number, patch: Partial<EnvRow>): void => onChange(rows.map((r) => (r.id === id ? { ...r, ...patch } : r)));
  return (
    <div className="env-editor" aria-describedby={describedBy}>
      {rows.length === 0 && <p className="muted small">No variables: the executor inherits the app's environment.</p>}
      {rows.map((row, i) => {
        const secret = looksSecret(row.name);
        return (
          <div className="env-row" key={row.id}>
            <input
              className="input mono-input"
              aria-label={`Variable ${i + 1} name`}
              placeholder="NAME"
              value={row.name}
              spellCheck={false}
              autoComplete="off"
              onChange={(e) => update(row.id, { name: e.target.value })}
            />
            <span className="env-eq" aria-hidden="true">=</span>
            <input
              className="input mono-input"
              aria-label={`Variable ${i + 1} value${secret ? ' (secret, masked)' : ''}`}
              placeholder="value"
              type={secret && focused !== row.id ? 'password' : 'text'}
              value={row.value}
              spellCheck={false}
              autoComplete="off"
              onFocus={() => setFocused(row.id)}
              onBlur={() => setFocused(null)}
              onChange={(e) => update(row.id, { value: e.target.value })}
            />
            {secret ? <span className="env-secret" title="Looks secret: masked here, in answers and in logs"><Icon name="shield" size={14} /></span> : <span className="env-secret" />}
            <Button small variant="ghost" aria-label={`Remove variable ${row.name || i + 1}`} onClick={() => onChange(rows.filter((r) => r.id !== row.id))} icon={<Icon name="cross" size={14} />} />
          </div>
        );
      })}
      <Button small variant="ghost" icon={<Icon name="plus" size={14} />} onClick={() => onChange([...rows, newEnvRow()])}>
        Add variable
      </Button>
    </div>
  );
}
