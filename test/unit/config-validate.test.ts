import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../../electron/core/config/effective.js';
import { issueToString, parseConfig } from '../../electron/core/config/validate.js';
import { applyMinimalEdit } from '../../electron/core/config/minimal-edit.js';
import { parseDocument } from 'yaml';

describe('config validation', () => {
  it('names the key path and the line of a wrong type', () => {
    const text = ['python:', '  interpreters:', '    uv-python:', '      name: UV', '      path: 12', ''].join('\n');
    const r = parseConfig(text);
    expect(r.errors.map(issueToString)).toEqual(['python.interpreters.uv-python.path: expected a string (line 5)']);
  });

  it('reports a missing required key, a bad enum value and a bad interpreter name with lines', () => {
    const text = ['python:', '  interpreters:', '    nopath:', '      name: X', '    "../evil":', '      path: /x', 'logging:', '  level: loud', ''].join('\n');
    const msgs = parseConfig(text).errors.map(issueToString);
    expect(msgs).toContain('python.interpreters.nopath.path: is required (line 3)');
    expect(msgs).toContain('logging.level: expected one of "debug", "info", "warn", "error" (line 8)');
    expect(msgs.some((m) => m.startsWith("python.interpreters.../evil: invalid interpreter name '../evil'") && m.endsWith('(line 5)'))).toBe(true);
  });

  it('reports unknown keys as warnings with their line and keeps them in the data', () => {
    const r = parseConfig('server:\n  port: 1\n  colour: blue\nextra: 1\n');
    expect(r.errors).toEqual([]);
    expect(r.warnings.map(issueToString)).toEqual([
      'server.colour: unknown key (kept in the file, ignored by the app) (line 3)',
      'extra: unknown key (kept in the file, ignored by the app) (line 4)',
    ]);
  });

  it('reports YAML syntax errors with a line', () => {
    const r = parseConfig('python:\n  interpreters: [\n');
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]?.path).toBe('(yaml)');
    expect(r.errors[0]?.line).toBeGreaterThan(0);
  });

  it('refuses a top level that is not a mapping', () => {
    expect(parseConfig('- a\n- b\n').errors[0]?.message).toMatch(/mapping/);
  });

  it('accepts an empty file and an empty interpreters key', () => {
    expect(parseConfig('').errors).toEqual([]);
    expect(parseConfig('python:\n  interpreters:\n').errors).toEqual([]);
  });
});

describe('effective settings', () => {
  it('tells for each value whether it came from the file, the environment or the default', () => {
    const file = parseConfig('server:\n  port: 9000\npython:\n  active_interpreter: a\n').data;
    const eff = resolveSettings(file, { WEBHOOK_BRIDGE_HOST: '127.0.0.2', WEBHOOK_BRIDGE_EXECUTOR_PORT: '5000' });
    const src = Object.fromEntries(eff.values.map((v) => [v.key, [v.source, v.value, v.env]]));
    expect(src['server.port']).toEqual(['file', 9000, undefined]);
    expect(src['server.host']).toEqual(['environment', '127.0.0.2', 'WEBHOOK_BRIDGE_HOST']);
    expect(src['executor.port']).toEqual(['environment', 5000, 'WEBHOOK_BRIDGE_EXECUTOR_PORT']);
    expect(src['logging.level']).toEqual(['default', 'info', undefined]);
    expect(eff.settings.server).toEqual({ host: '127.0.0.2', port: 9000, metrics_unauthenticated: false });
    expect(eff.settings.python.active_interpreter).toBe('a');
  });

  it('overrides every documented variable and reports a bad port instead of using it', () => {
    const eff = resolveSettings({}, {
      WEBHOOK_BRIDGE_PYTHON_PATH: '/opt/py',
      WEBHOOK_BRIDGE_ACTIVE_INTERPRETER: 'x',
      WEBHOOK_BRIDGE_EXECUTOR_HOST: '127.0.0.9',
      WEBHOOK_BRIDGE_PORT: 'eighty',
    });
    expect(eff.settings.python.interpreter).toBe('/opt/py');
    expect(eff.settings.python.active_interpreter).toBe('x');
    expect(eff.settings.executor.host).toBe('127.0.0.9');
    expect(eff.settings.server.port).toBe(8000);
    expect(eff.envErrors).toEqual(["WEBHOOK_BRIDGE_PORT: expected a port number 0-65535, got 'eighty'"]);
  });
});

describe('minimal edits', () => {
  const edit = (text: string, f: (d: ReturnType<typeof parseDocument>) => void): string => {
    const doc = parseDocument(text);
    const before = doc.toString({ lineWidth: 0 });
    f(doc);
    return applyMinimalEdit(text, before, doc.toString({ lineWidth: 0 }));
  };

  it('changes only the edited line and keeps spacing and blank lines elsewhere', () => {
    const text = 'a: [ 1,2 ]   # c1\n\n\nb: 1    # c2\n# end\n';
    expect(edit(text, (d) => d.set('b', 2))).toBe('a: [ 1,2 ]   # c1\n\n\nb: 2 # c2\n# end\n');
  });

  it('returns the original text untouched when nothing changed', () => {
    const text = 'a:   1   # x\n';
    expect(edit(text, () => undefined)).toBe(text);
  });

  it('adds and removes nested keys without disturbing siblings', () => {
    const text = 'm:\n  k1: 1  # one\n  k2: 2  # two\n';
    expect(edit(text, (d) => d.deleteIn(['m', 'k1']))).toBe('m:\n  k2: 2  # two\n');
    expect(edit(text, (d) => d.setIn(['m', 'k3'], 3))).toBe('m:\n  k1: 1  # one\n  k2: 2  # two\n  k3: 3\n');
  });
});
