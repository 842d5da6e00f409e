// The layering rules in eslint.config.js must be able to fail: each forbidden import below, linted as
// if it were written in that folder, is reported by the rule that guards it; the allowed ones are not.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const eslint = new ESLint({ cwd: root });

/** The rule ids reported for `code` as if it were the file `file` (relative to the repo root). */
async function rulesFor(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).map((m) => m.ruleId ?? `fatal: ${m.message}`);
}

const PATHS = 'import-x/no-restricted-paths';
const IMPORTS = 'no-restricted-imports';

describe('import boundaries (eslint.config.js)', () => {
  it.each([
    ['shared/probe.ts', "export { operations } from '../electron/core/operations.js';", PATHS],
    ['shared/probe.ts', "export { readFileSync } from 'node:fs';", IMPORTS],
    ['shared/probe.ts', "export { EventEmitter } from 'events';", IMPORTS],
    ['electron/core/probe.ts', "export { buildServer } from '../api/server.js';", PATHS],
    ['electron/core/probe.ts', "export { createBridge } from '../app.js';", PATHS],
    ['electron/core/probe.ts', "export { registerIpc } from '../main/ipc.js';", PATHS],
    ['electron/core/config/probe.ts', "export { app } from 'electron';", IMPORTS],
    ['electron/core/executor/probe.ts', "export type { Core } from '../create-core.js';", PATHS],
    ['electron/core/interpreters/probe.ts', "export { createActivation } from '../activation.js';", PATHS],
    ['electron/core/interpreters/probe.ts', "export { createExecutor } from '../executor/create-executor.js';", PATHS],
    ['electron/core/executor/probe.ts', "export { createJobs } from '../provisioning/create-jobs.js';", PATHS],
    ['electron/core/config/probe.ts', "export { InterpreterRegistry } from '../interpreters/registry.js';", PATHS],
    ['electron/api/probe.ts', "export { registerIpc } from '../main/ipc.js';", PATHS],
    ['electron/api/probe.ts', "export { app } from 'electron';", IMPORTS],
    ['electron/app.ts', "export { app } from 'electron';", IMPORTS],
    ['renderer/src/probe.ts', "export { createCore } from '../../electron/core/create-core.js';", PATHS],
    ['renderer/src/probe.ts', "export { join } from 'node:path';", IMPORTS],
    ['renderer/src/probe.ts', "export { join } from 'path';", IMPORTS],
  ])('%s: %s is reported by %s', async (file, code, rule) => {
    expect(await rulesFor(file, code)).toContain(rule);
  });

  it.each([
    ['electron/core/probe.ts', "export { isErrorCode } from '../../shared/errors.js';\nexport { readFileSync } from 'node:fs';"],
    ['electron/core/provisioning/probe.ts', "export type { ResolvedInterpreter } from '../interpreters/registry.js';\nexport type { Executor } from '../services.js';"],
    ['electron/api/probe.ts', "export { createHandlers } from '../core/operations.js';"],
    ['electron/main/probe.ts', "export { app } from 'electron';\nexport { buildServer } from '../api/server.js';"],
    ['renderer/src/probe.ts', "export { isErrorCode } from '../../shared/errors';\nexport { ApiError } from './api/api-error';\nexport { events } from './events';"],
  ])('%s may write %s', async (file, code) => {
    expect(await rulesFor(file, code)).toEqual([]);
  });

  it('reports an explicit any', async () => {
    expect(await rulesFor('electron/core/probe.ts', 'export const x: any = 1;')).toContain('@typescript-eslint/no-explicit-any');
  });
});
