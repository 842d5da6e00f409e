import type { DiscoveredInterpreter } from '../../../../shared/interpreters-discovery';
import { slugKey } from '../../lib/format';

const KIND_LABEL: Record<string, string> = {
  path: 'PATH',
  system: 'system',
  pyenv: 'pyenv',
  'pyenv-virtualenv': 'pyenv virtualenv',
  conda: 'conda',
  venv: 'venv',
  uv: 'uv',
  homebrew: 'Homebrew',
  'macos-framework': 'python.org',
  'windows-registry': 'registry',
  'py-launcher': 'py launcher',
  'windows-store': 'Microsoft Store',
};

export const kindLabel = (kind: string | null): string => (kind ? (KIND_LABEL[kind] ?? kind) : '—');

/** Found, usable, and not configured yet: what the picker offers. */
export function addable(found: readonly DiscoveredInterpreter[]): DiscoveredInterpreter[] {
  return found.filter((i) => i.configured === null && i.broken === null);
}

export function displayName(i: DiscoveredInterpreter): string {
  const impl = i.implementation === 'pypy' ? 'PyPy' : 'Python';
  return `${impl} ${i.version ?? ''} (${kindLabel(i.kind)})`.replace(/\s+/g, ' ').trim();
}

/** A registry key for a found interpreter that no configured one uses yet. */
export function suggestKey(i: DiscoveredInterpreter, taken: ReadonlySet<string>): string {
  const impl = i.implementation === 'pypy' ? 'pypy' : 'python';
  const base = slugKey(`${i.kind === 'path' || i.kind === 'system' ? impl : `${i.kind}-${impl}`}-${i.version ?? ''}`);
  let key = base;
  for (let n = 2; taken.has(key); n++) key = `${base}-${n}`;
  return key;
}

export interface FormPrefill {
  key: string;
  name: string;
  path: string;
  venv_path: string;
}

export function prefillFrom(i: DiscoveredInterpreter, taken: ReadonlySet<string>): FormPrefill {
  return { key: suggestKey(i, taken), name: displayName(i), path: i.path, venv_path: '' };
}
