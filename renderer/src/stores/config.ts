import { create } from 'zustand';
import type { ConfigView, UpdateConfigInput } from '../../../shared/dto/config';
import { getApi } from '../api/runtime';
import { toApiError, type ApiError } from '../api/api-error';
import { versionedSlice, type VersionedSlice } from './versioned';

export interface ConfigStore extends VersionedSlice<ConfigView> {
  saving: boolean;
  /** Saves the changed settings; resolves with the error (null on success). */
  update(patch: UpdateConfigInput): Promise<ApiError | null>;
}

export const useConfig = create<ConfigStore>()((set, get) => ({
  ...versionedSlice<ConfigView, ConfigStore>(set, get, () => getApi().client.getConfig({})),
  saving: false,
  async update(patch) {
    set({ saving: true });
    try {
      get().apply(await getApi().client.updateConfig(patch));
      return null;
    } catch (err) {
      return toApiError(err);
    } finally {
      set({ saving: false });
    }
  },
}));

/** The effective value of one dotted key. */
export function configValue(view: ConfigView | null, key: string): ConfigView['values'][number] | undefined {
  return view?.values.find((v) => v.key === key);
}
