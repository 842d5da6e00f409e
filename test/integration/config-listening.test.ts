import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigView } from '../../shared/dto/config.js';
import { withListeningAddress } from '../../electron/core/config/listening.js';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';

describe('the Configuration page shows where the API really listens', () => {
  let tb: TestBridge | undefined;
  afterEach(async () => {
    await tb?.stop();
    tb = undefined;
  });

  it('--port 0 (the command line): server.port is the port listened on, with a note saying why', async () => {
    tb = await startTestBridge({ configText: 'executor:\n  mode: "external"\nserver:\n  port: 8123\n' });
    const realPort = Number(new URL(tb.url).port);
    const res = await tb.request('GET', '/api/dashboard/config');
    expect(res.status).toBe(200);
    const values = (res.json as ConfigView).values;
    const port = values.find((v) => v.key === 'server.port');
    expect(port).toEqual({ key: 'server.port', value: realPort, source: 'file', detail: `--port 0 on the command line: listening on ${realPort}` });
    // the same host as the default: nothing to explain
    expect(values.find((v) => v.key === 'server.host')).toEqual({ key: 'server.host', value: '127.0.0.1', source: 'default' });
  });

  it('keeps the source of values not given on the command line and never invents a note', () => {
    const values = [
      { key: 'server.host', value: '127.0.0.1', source: 'default' as const },
      { key: 'server.port', value: 9000, source: 'file' as const },
      { key: 'logging.level', value: 'info', source: 'default' as const },
    ];
    const at = { host: '127.0.0.1', port: 9000, requestedPort: 9000, fromCommandLine: { host: false, port: false } };
    expect(withListeningAddress(values, at)).toEqual(values);
    expect(withListeningAddress(values, undefined)).toEqual(values);
    const zeroInFile = withListeningAddress([{ key: 'server.port', value: 0, source: 'file' }], { ...at, port: 41234, requestedPort: 0 });
    expect(zeroInFile).toEqual([{ key: 'server.port', value: 41234, source: 'file', detail: 'listening on 41234' }]);
    const hostFlag = withListeningAddress(values, { ...at, host: '0.0.0.0', fromCommandLine: { host: true, port: false } });
    expect(hostFlag[0]).toEqual({ key: 'server.host', value: '0.0.0.0', source: 'default', detail: '--host 0.0.0.0 on the command line' });
  });
});
