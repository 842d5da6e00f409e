import { existsSync, promises as fs } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiscoveryResult, ValidationReport } from '../../shared/interpreters-discovery.js';
import type { InterpreterList } from '../../shared/dto/interpreters.js';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';

const PYENV_PY = '/root/.pyenv/versions/3.11.7/bin/python3';
const CONFIG = `# validation keeps this comment
python:
  active_interpreter: sys   # in use
  interpreters:
    sys:
      path: /usr/bin/python3
      required_packages: ["grpcio", "Protobuf"]
    nogrpc:
      path: /root/.pyenv/versions/3.11.7/bin/python3   # pyenv, no grpc
`;

describe('discover and validate through the REST API', () => {
  let b: TestBridge;
  beforeAll(async () => {
    b = await startTestBridge({ configText: CONFIG });
  });
  afterAll(() => b.stop());

  it('discovers Debian python3 with its version, marked as configured, without changing the config', async () => {
    const before = await fs.readFile(b.configFile, 'utf8');
    const r = await b.request('GET', '/api/dashboard/interpreters/discover');
    expect(r.status).toBe(200);
    const result = r.json as DiscoveryResult;
    const debian = result.interpreters.find((i) => i.path === '/usr/bin/python3' || i.aliases.includes('/usr/bin/python3'));
    expect(debian).toMatchObject({ implementation: 'cpython', configured: 'sys', broken: null });
    expect(debian?.version).toMatch(/^3\.\d+\.\d+$/);
    expect(await fs.readFile(b.configFile, 'utf8')).toBe(before);
    const list = (await b.request('GET', '/api/dashboard/interpreters')).json as InterpreterList;
    expect(list.interpreters.find((i) => i.key === 'sys')?.version).toBe(debian?.version);
  });

  it('validates a good interpreter, persists the outcome and keeps the comments', async () => {
    const r = await b.request('POST', '/api/dashboard/interpreters/sys/validate');
    expect(r.status).toBe(200);
    const report = r.json as ValidationReport;
    expect(report.ok).toBe(true);
    expect(report.packages.map((p) => p.name.toLowerCase()).sort()).toEqual(['grpcio', 'protobuf']);
    const text = await fs.readFile(b.configFile, 'utf8');
    expect(text).toContain('# validation keeps this comment');
    expect(text).toContain('# in use');
    expect(text).toMatch(/validated: true/);
    const list = (await b.request('GET', '/api/dashboard/interpreters')).json as InterpreterList;
    expect(list.interpreters.find((i) => i.key === 'sys')).toMatchObject({ status: 'ready', validated: true, validation_error: null });
  });

  it.skipIf(!existsSync(PYENV_PY))(
    'validates an interpreter without grpc as failed, naming the module (skipped where pyenv 3.11.7 is absent)',
    async () => {
      const r = await b.request('POST', '/api/dashboard/interpreters/nogrpc/validate');
      const report = r.json as ValidationReport;
      expect(report.ok).toBe(false);
      expect(report.checks.filter((c) => !c.ok).map((c) => c.message).join('\n')).toMatch(/grpc/);
      const list = (await b.request('GET', '/api/dashboard/interpreters')).json as InterpreterList;
      const entry = list.interpreters.find((i) => i.key === 'nogrpc');
      expect(entry).toMatchObject({ status: 'error', validated: false });
      expect(entry?.validation_error).toMatch(/grpc/);
    },
  );

  it('answers 404 for validating an unknown name', async () => {
    expect((await b.request('POST', '/api/dashboard/interpreters/ghost/validate')).status).toBe(404);
  });
});
