import { create } from 'zustand';
import type { PluginList } from '../../../shared/dto/plugins';
import { getApi } from '../api/runtime';
import { toApiError, type ApiError } from '../api/api-error';

export interface PluginsStore {
  data: PluginList | null;
  loading: boolean;
  loaded: boolean;
  error: ApiError | null;
  load(): Promise<void>;
}

export const usePlugins = create<PluginsStore>()((set) => ({
  data: null,
  loading: false,
  loaded: false,
  error: null,
  async load() {
    set({ loading: true });
    try {
      const data = await getApi().client.listPlugins({});
      set({ data, loading: false, loaded: true, error: null });
    } catch (err) {
      set({ loading: false, loaded: true, error: toApiError(err) });
    }
  },
}));
