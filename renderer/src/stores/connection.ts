import { create } from 'zustand';
import type { ConnectionStatus, ConnectionTest } from '../../../shared/dto/connection';
import { getApi } from '../api/runtime';
import { toApiError, type ApiError } from '../api/api-error';
import { versionedSlice, type VersionedSlice } from './versioned';

export interface ConnectionStore extends VersionedSlice<ConnectionStatus> {
  testing: boolean;
  test: { result: ConnectionTest | null; error: ApiError | null; at: number } | null;
  reconnecting: boolean;
  reconnectError: ApiError | null;
  runTest(): Promise<void>;
  reconnect(): Promise<void>;
}

export const useConnection = create<ConnectionStore>()((set, get) => ({
  ...versionedSlice<ConnectionStatus, ConnectionStore>(set, get, () => getApi().client.getConnection({})),
  testing: false,
  test: null,
  reconnecting: false,
  reconnectError: null,
  async runTest() {
    set({ testing: true });
    try {
      const result = await getApi().client.testConnection({});
      set({ test: { result, error: null, at: Date.now() } });
    } catch (err) {
      set({ test: { result: null, error: toApiError(err), at: Date.now() } });
    } finally {
      set({ testing: false });
    }
  },
  async reconnect() {
    set({ reconnecting: true, reconnectError: null });
    try {
      get().apply(await getApi().client.reconnect({}));
    } catch (err) {
      set({ reconnectError: toApiError(err) });
    } finally {
      set({ reconnecting: false });
    }
  },
}));
