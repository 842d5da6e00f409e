import { describe, expect, it } from 'vitest';
import { childEnv } from '../../electron/core/process/env.js';
import { toolEnvironment } from '../../electron/core/provisioning/common.js';

const APP_ENV = { PATH: '/usr/bin', WEBHOOK_BRIDGE_API_TOKEN: 'api-secret-123456', WEBHOOK_BRIDGE_EXECUTOR_TOKEN: 'exec', HOME: '/h', UNSET: undefined };

describe('child process environments', () => {
  it('withhold the app token and the executor token, keep the rest, let the interpreter add its own', () => {
    expect(childEnv(APP_ENV, { CUSTOM: '1' })).toEqual({ PATH: '/usr/bin', HOME: '/h', CUSTOM: '1' });
  });

  it('apply to package tools (pip runs build code of packages)', () => {
    const env = toolEnvironment(APP_ENV, { PIP_INDEX_URL: 'http://mirror' });
    expect(env['WEBHOOK_BRIDGE_API_TOKEN']).toBeUndefined();
    expect(env['WEBHOOK_BRIDGE_EXECUTOR_TOKEN']).toBeUndefined();
    expect(env).toMatchObject({ PATH: '/usr/bin', PIP_INDEX_URL: 'http://mirror', PYTHONUNBUFFERED: '1' });
  });
});
