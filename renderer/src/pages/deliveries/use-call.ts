import { useState } from 'react';
import { toApiError, type ApiError } from '../../api/api-error';

/** Runs a call and keeps its busy flag and error for a button. */
export function useCall(): { busy: boolean; error: ApiError | null; run<T>(fn: () => Promise<T>): Promise<T | null>; clear(): void } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  return {
    busy,
    error,
    clear: () => setError(null),
    async run(fn) {
      setBusy(true);
      setError(null);
      try {
        return await fn();
      } catch (err) {
        setError(toApiError(err));
        return null;
      } finally {
        setBusy(false);
      }
    },
  };
}
