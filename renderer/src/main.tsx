import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createDefaultApi, setApi } from './api/runtime';
import { storeToken, takeTokenFromUrl } from './api/token';
import { Root } from './app/Root';
import { startRouter } from './app/router';
import { useAuth } from './stores/auth';
import './styles/base.css';
import './styles/layout.css';
import './styles/components.css';
import './styles/pages.css';
import './styles/provisioning.css';
import './styles/deliveries.css';

// 1. The token leaves the address bar before anything else runs (and before the router rewrites it).
const token = takeTokenFromUrl({ location, history, storage: sessionStorage });
if (token) useAuth.getState().setToken(token);

// 2. One client for the whole app: IPC inside the desktop window, HTTP + SSE in a browser.
const api = createDefaultApi({
  getToken: () => useAuth.getState().token,
  onUnauthorized: () => useAuth.getState().reject(),
});
setApi(api);

startRouter();

const el = document.getElementById('root');
if (!el) throw new Error('#root is missing from index.html');
createRoot(el).render(
  <StrictMode>
    <Root api={api} persistToken={(t) => storeToken(sessionStorage, t)} />
  </StrictMode>,
);
