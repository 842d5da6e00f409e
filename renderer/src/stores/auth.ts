import { create } from 'zustand';

/** `missing`: no token yet; `rejected`: the server answered 401 to the one we have. */
export type AuthStatus = 'ok' | 'missing' | 'rejected';

export interface AuthStore {
  token: string | null;
  status: AuthStatus;
  setToken(token: string): void;
  reject(): void;
}

export const useAuth = create<AuthStore>()((set, get) => ({
  token: null,
  status: 'missing',
  setToken(token) {
    set({ token, status: 'ok' });
  },
  reject() {
    if (get().status !== 'rejected') set({ status: 'rejected' });
  },
}));
