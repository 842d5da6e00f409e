/**
 * The API token in the browser: read once from the URL fragment (`#token=…`, never sent to the
 * server, never in a query string), kept in sessionStorage, and removed from the address bar.
 */
export const TOKEN_KEY = 'webhook-bridge.api-token';

export interface TokenEnv {
  location: Pick<Location, 'hash' | 'pathname' | 'search'>;
  history: Pick<History, 'replaceState' | 'state'>;
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
}

/** Takes `token` out of the fragment (keeping any other fragment content) and stores it. */
export function takeTokenFromUrl(env: TokenEnv): string | null {
  const hash = env.location.hash.startsWith('#') ? env.location.hash.slice(1) : env.location.hash;
  if (hash) {
    const params = new URLSearchParams(hash);
    const token = params.get('token');
    if (token !== null) {
      params.delete('token');
      const rest = params.toString();
      env.history.replaceState(env.history.state, '', `${env.location.pathname}${env.location.search}${rest ? `#${rest}` : ''}`);
      const clean = token.trim();
      if (clean) {
        safeSet(env.storage, clean);
        return clean;
      }
    }
  }
  return readStoredToken(env.storage);
}

export function readStoredToken(storage: TokenEnv['storage']): string | null {
  try {
    const t = storage.getItem(TOKEN_KEY);
    return t && t.trim() ? t.trim() : null;
  } catch {
    return null;
  }
}

export function storeToken(storage: TokenEnv['storage'], token: string | null): void {
  if (token) safeSet(storage, token);
  else {
    try {
      storage.removeItem(TOKEN_KEY);
    } catch {
      // storage may be disabled; the token then lives in memory only
    }
  }
}

function safeSet(storage: TokenEnv['storage'], token: string): void {
  try {
    storage.setItem(TOKEN_KEY, token);
  } catch {
    // private mode / disabled storage: keep it in memory only
  }
}
