import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const src = path.join(root, 'renderer', 'src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? files(path.join(dir, d.name)) : /\.(ts|tsx)$/.test(d.name) ? [path.join(dir, d.name)] : []));
}

const ALLOWED_PACKAGES = new Set(['react', 'react-dom', 'react-dom/client', 'react/jsx-runtime', 'zustand']);
const NODE = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

function specifiers(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g)) {
    const s = m[1] ?? m[2] ?? m[3];
    if (s) out.push(s);
  }
  return out;
}

describe('renderer imports', () => {
  const all = files(src);

  it('finds the renderer sources', () => {
    expect(all.length).toBeGreaterThan(20);
  });

  it('imports only shared/, its own files and browser packages (never electron/ or Node modules)', () => {
    const problems: string[] = [];
    for (const file of all) {
      for (const spec of specifiers(readFileSync(file, 'utf8'))) {
        const where = path.relative(root, file);
        if (spec.startsWith('.')) {
          const target = path.resolve(path.dirname(file), spec);
          const rel = path.relative(root, target).split(path.sep).join('/');
          if (!rel.startsWith('renderer/src/') && !rel.startsWith('shared/')) problems.push(`${where}: ${spec} (outside renderer/src and shared/)`);
        } else if (NODE.has(spec)) problems.push(`${where}: ${spec} (Node module)`);
        else if (!ALLOWED_PACKAGES.has(spec)) problems.push(`${where}: ${spec} (package not allowed in the renderer)`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('has no `any` and no eval-like code', () => {
    const problems: string[] = [];
    for (const file of all) {
      const text = readFileSync(file, 'utf8');
      if (/:\s*any\b|as any\b|<any>/.test(text)) problems.push(`${path.relative(root, file)}: any`);
      if (/\beval\(|new Function\(|dangerouslySetInnerHTML/.test(text)) problems.push(`${path.relative(root, file)}: eval-like`);
    }
    expect(problems).toEqual([]);
  });

  it('keeps files near 300 lines at most', () => {
    const long = all.map((f) => [path.relative(root, f), readFileSync(f, 'utf8').split('\n').length] as const).filter(([, n]) => n > 300);
    expect(long).toEqual([]);
  });
});
