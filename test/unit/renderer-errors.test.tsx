// The renderer reads HTTP statuses and IPC envelopes through the one error table (shared/errors.ts).
import { describe, expect, it } from 'vitest';
import { StatusCodes, codeForStatus, type ErrorStatus } from '../../shared/errors';
import { ApiError, errorFromBody, toApiError } from '../../renderer/src/api/api-error';

const statuses = Object.keys(StatusCodes).map(Number) as ErrorStatus[];

describe('the renderer reads statuses through the table', () => {
  it.each(statuses)('an HTTP %i without an envelope becomes its code', (status) => {
    expect(errorFromBody('<h1>proxy error</h1>', status)).toMatchObject({ code: codeForStatus(status), status });
    expect(errorFromBody({ message: 'no code' }, status)).toMatchObject({ code: codeForStatus(status), message: 'no code', status });
  });

  it('keeps a known code from the envelope and replaces an unknown one by its status', () => {
    expect(errorFromBody({ error: { code: 'CONFIG_INVALID', message: 'm' } }, 409)).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(errorFromBody({ error: { code: 'NETWORK', message: 'm' } }, 503)).toMatchObject({ code: 'UNAVAILABLE', message: 'm' });
    expect(errorFromBody({ error: { code: 'WHAT', message: 'm' } }, 416)).toMatchObject({ code: 'INVALID_INPUT' });
    expect(errorFromBody({ ok: false, error: 'not an envelope' })).toMatchObject({ code: 'INTERNAL', status: null });
  });

  it('turns anything thrown that is not an ApiError into INTERNAL', () => {
    expect(toApiError(new Error('boom'))).toMatchObject({ code: 'INTERNAL', message: 'boom' });
    const own = new ApiError('UNREACHABLE', 'down');
    expect(toApiError(own)).toBe(own);
  });
});
