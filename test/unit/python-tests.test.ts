/** Runs the Python unit tests (test/python, pytest) under Debian's python3, so `npm test` runs them too. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, SYSTEM_PYTHON } from '../helpers/executor.js';

describe('Python unit tests (pytest)', () => {
  it('test/python passes', () => {
    const run = spawnSync(SYSTEM_PYTHON, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', path.join(ROOT, 'test', 'python')], { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', PYTHONDONTWRITEBYTECODE: '1' } });
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/\d+ passed/);
  });
});
