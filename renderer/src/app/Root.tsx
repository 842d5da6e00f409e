import { useEffect, type ReactElement } from 'react';
import type { Api } from '../api/client';
import { TokenPage } from '../pages/TokenPage';
import { useAuth } from '../stores/auth';
import { resetStores } from '../stores/reset';
import { startLive } from '../stores/live';
import { App } from './App';

/** The token gate (HTTP only), then the app with its live event feed. */
export function Root({ api, persistToken }: { api: Api; persistToken(token: string): void }): ReactElement {
  const status = useAuth((s) => s.status);
  const token = useAuth((s) => s.token);
  const needsToken = api.transport.kind === 'http';
  const ready = !needsToken || status === 'ok';
  useEffect(() => {
    if (!ready) return;
    return startLive(api);
  }, [api, ready, token]);
  if (!ready) {
    return (
      <TokenPage
        status={status}
        onSubmit={(t) => {
          persistToken(t);
          resetStores();
          useAuth.getState().setToken(t);
        }}
      />
    );
  }
  return <App />;
}
