import { describe, expect, it } from 'vitest';
import { toAppError } from '../../electron/core/executor/error-map.js';
import { ExecutorError } from '../../electron/core/executor/grpc-errors.js';
import { httpStatusOf } from '../../shared/errors.js';

describe("gRPC errors as the app's errors", () => {
  it('an answer over the gRPC cap (RESOURCE_EXHAUSTED) is a 502 that says so, not a 413 (a request status)', () => {
    const err = toAppError(new ExecutorError(8, 'Received message larger than max (41943100 vs. 33554432)'), "plugin 'huge'");
    expect([err.code, httpStatusOf(err.code)]).toEqual(['BAD_GATEWAY', 502]);
    expect(err.message).toBe("plugin 'huge': the executor's answer is over the 32 MiB limit of a plugin response (Received message larger than max (41943100 vs. 33554432))");
  });
});
