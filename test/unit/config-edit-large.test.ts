/**
 * Edits of large configs (issue 12, B2): the mutation is recorded on a stand-in and replayed where
 * the file is parsed (the parse worker for files over 16 KiB), and untouched lines stay byte for
 * byte even when the printer changes every line (upper-case hex is printed lower case).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigStore } from '../../electron/core/config/store.js';
import { applyEditOps, recordEdit } from '../../electron/core/config/edit-ops.js';
import { Logger } from '../../electron/core/logging/logger.js';
import { tempDir } from '../helpers/bridge.js';

const logger = Logger.create({ level: 'error', sinks: [] });
const open: ConfigStore[] = [];
afterEach(() => open.splice(0).forEach((c) => c.dispose()));

async function store(text: string) {
  const file = path.join(tempDir(), 'config.yaml');
  await fs.writeFile(file, text);
  const config = await ConfigStore.open({ path: file, env: {}, logger, watch: false });
  open.push(config);
  return { file, config };
}

/** Every list item is printed again in lower case: each line of the re-print differs from the file. */
const hex = (lines: number): string => `server:\n  port: 8000\nx_extra:\n${Array.from({ length: lines }, (_, i) => `  - 0xABCDEF${i.toString(16).toUpperCase().padStart(6, '0')}`).join('\n')}\n`;

describe('edits of large configs', () => {
  it('keep every untouched line when the printer rewrites 3000 of them (beyond the old diff limit)', async () => {
    const text = hex(3000);
    expect(text.length).toBeGreaterThan(16 * 1024); // parsed and edited in the worker
    const { file, config } = await store(text);
    expect(config.valid).toBe(true);
    await config.edit((doc) => doc.setIn(['logging', 'level'], 'debug'));
    expect(await fs.readFile(file, 'utf8')).toBe(`${text}logging:\n  level: debug\n`);
    expect(config.settings.logging.level).toBe('debug');
    await config.edit((doc) => doc.setIn(['server', 'port'], 9000));
    expect(await fs.readFile(file, 'utf8')).toBe(`${text.replace('port: 8000', 'port: 9000')}logging:\n  level: debug\n`);
  });

  it('record what a mutation does on the stand-in, reads included, and replay it on the file', () => {
    const text = '# mine\npython:\n  interpreters:\n    a: { path: /a }  # kept\n    b: { path: /b }\n';
    const data = { python: { interpreters: { a: { path: '/a' }, b: { path: '/b' } } } };
    const { result, ops } = recordEdit(data, (doc) => {
      doc.deleteIn(['python', 'interpreters', 'b']);
      doc.setIn(['python', 'interpreters', 'c'], doc.createNode({ path: '/c', required_packages: ['x'] }));
      doc.set('logging', doc.createNode({ level: 'warn' }));
      return (doc.getIn(['python', 'interpreters']) as { items: unknown[] }).items.length;
    });
    expect(result).toBe(2);
    const out = applyEditOps(text, ops);
    expect(out).toMatchObject({ ok: true, check: { errors: [] } });
    expect(out.ok && out.next).toBe('# mine\npython:\n  interpreters:\n    a: { path: /a }  # kept\n    c:\n      path: /c\n      required_packages:\n        - x\nlogging:\n  level: warn\n');
  });

  it('refuse a change the file cannot take (the stand-in could), and write nothing', async () => {
    // `interpreters:` with no value: the settings leave it out, the file holds a null there
    const text = `python:\n  interpreters:\n# ${'x'.repeat(20_000)}\n`;
    const { file, config } = await store(text);
    expect(config.valid).toBe(true);
    await expect(config.edit((doc) => doc.setIn(['python', 'interpreters', 'a', 'path'], '/a'))).rejects.toMatchObject({
      code: 'INTERNAL',
      message: expect.stringMatching(/could not apply the change/),
    });
    expect(await fs.readFile(file, 'utf8')).toBe(text);
  });
});
