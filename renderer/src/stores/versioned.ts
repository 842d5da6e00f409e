import type { StoreApi } from 'zustand';
import { toApiError, type ApiError } from '../api/api-error';
import { currentEpoch } from './stream';

export interface Versioned {
  revision: number;
}

export interface Tagged<T> {
  data: T | null;
  epoch: number;
}

/**
 * Whether `incoming` (read in `epoch`) may replace the current data: a newer feed epoch always
 * wins, an older one never does, and within one epoch the revision decides (equal is accepted:
 * it is the same state).
 */
export function shouldAccept<T extends Versioned>(current: Tagged<T>, incoming: T, epoch: number): boolean {
  if (current.data === null) return true;
  if (epoch !== current.epoch) return epoch > current.epoch;
  return incoming.revision >= current.data.revision;
}

export interface VersionedSlice<T extends Versioned> extends Tagged<T> {
  loading: boolean;
  loaded: boolean;
  error: ApiError | null;
  /** Applies a snapshot or event; returns whether it was newer and taken. */
  apply(value: T, epoch?: number): boolean;
  load(): Promise<void>;
}

/** The snapshot-then-events part shared by the interpreter, config and connection stores. */
export function versionedSlice<T extends Versioned, S extends VersionedSlice<T>>(
  set: StoreApi<S>['setState'],
  get: () => S,
  fetcher: () => Promise<T>,
): VersionedSlice<T> {
  return {
    data: null,
    epoch: 0,
    loading: false,
    loaded: false,
    error: null,
    apply(value, epoch = currentEpoch()) {
      if (!shouldAccept(get(), value, epoch)) return false;
      set({ data: value, epoch, error: null } as Partial<S>);
      return true;
    },
    async load() {
      const epoch = currentEpoch();
      set({ loading: true } as Partial<S>);
      try {
        const value = await fetcher();
        get().apply(value, epoch);
        set({ loading: false, loaded: true } as Partial<S>);
      } catch (err) {
        set({ loading: false, loaded: true, error: toApiError(err) } as Partial<S>);
      }
    },
  };
}
