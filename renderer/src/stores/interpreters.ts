import { create } from 'zustand';
import type { ActivateResult, AddInterpreterInput, InterpreterList } from '../../../shared/dto/interpreters';
import type { DiscoveryResult, ValidationReport } from '../../../shared/interpreters-discovery';
import { getApi } from '../api/runtime';
import { toApiError, type ApiError } from '../api/api-error';
import { versionedSlice, type VersionedSlice } from './versioned';

export interface ValidationState {
  running: boolean;
  report: ValidationReport | null;
  error: ApiError | null;
}

export interface ActivationState {
  name: string;
  running: boolean;
  result: ActivateResult | null;
  error: ApiError | null;
}

export interface DiscoveryState {
  loading: boolean;
  result: DiscoveryResult | null;
  error: ApiError | null;
}

export interface InterpretersStore extends VersionedSlice<InterpreterList> {
  validations: Record<string, ValidationState>;
  activation: ActivationState | null;
  removing: string | null;
  removeError: ApiError | null;
  discovery: DiscoveryState;
  /** Adds one; resolves with the error (null on success) so the form can show field errors. */
  add(input: AddInterpreterInput): Promise<ApiError | null>;
  validate(name: string): Promise<void>;
  activate(name: string): Promise<void>;
  remove(name: string): Promise<ApiError | null>;
  discover(refresh?: boolean): Promise<void>;
  dismissActivation(): void;
}

export const useInterpreters = create<InterpretersStore>()((set, get) => ({
  ...versionedSlice<InterpreterList, InterpretersStore>(set, get, () => getApi().client.listInterpreters({})),
  validations: {},
  activation: null,
  removing: null,
  removeError: null,
  discovery: { loading: false, result: null, error: null },

  async add(input) {
    try {
      get().apply(await getApi().client.addInterpreter(input));
      const found = get().discovery.result;
      if (found) {
        // the picker hides what is configured now, without waiting for a new discovery run
        const interpreters = found.interpreters.map((i) => (i.path === input.path && !i.configured ? { ...i, configured: input.key } : i));
        set({ discovery: { ...get().discovery, result: { ...found, interpreters } } });
      }
      return null;
    } catch (err) {
      return toApiError(err);
    }
  },

  async validate(name) {
    const put = (v: ValidationState): void => set({ validations: { ...get().validations, [name]: v } });
    put({ running: true, report: get().validations[name]?.report ?? null, error: null });
    try {
      put({ running: false, report: await getApi().client.validateInterpreter({ name }), error: null });
    } catch (err) {
      put({ running: false, report: null, error: toApiError(err) });
    }
  },

  async activate(name) {
    set({ activation: { name, running: true, result: null, error: null } });
    try {
      const result = await getApi().client.activateInterpreter({ name });
      set({ activation: { name, running: false, result, error: null } });
    } catch (err) {
      set({ activation: { name, running: false, result: null, error: toApiError(err) } });
    }
  },

  async remove(name) {
    set({ removing: name, removeError: null });
    try {
      await getApi().client.removeInterpreter({ name });
      const data = get().data;
      // The interpretersChanged event brings the authoritative list; drop the row meanwhile.
      if (data) set({ data: { ...data, interpreters: data.interpreters.filter((i) => i.key !== name) } });
      const { [name]: _gone, ...rest } = get().validations;
      set({ validations: rest });
      return null;
    } catch (err) {
      const error = toApiError(err);
      set({ removeError: error });
      return error;
    } finally {
      set({ removing: null });
    }
  },

  async discover(refresh = false) {
    set({ discovery: { ...get().discovery, loading: true, error: null } });
    try {
      const result = await getApi().client.discoverInterpreters(refresh ? { refresh: true } : {});
      set({ discovery: { loading: false, result, error: null } });
    } catch (err) {
      set({ discovery: { ...get().discovery, loading: false, error: toApiError(err) } });
    }
  },

  dismissActivation() {
    set({ activation: null });
  },
}));
