import { useEffect, type ReactElement } from 'react';
import { Icon, type IconName } from '../components/icons';
import { ConfigPage } from '../pages/ConfigPage';
import { stateView, ConnectionPage } from '../pages/ConnectionPage';
import { InterpretersPage } from '../pages/interpreters/InterpretersPage';
import { DeliveriesPage } from '../pages/DeliveriesPage';
import { LogsPage } from '../pages/LogsPage';
import { PluginsPage } from '../pages/PluginsPage';
import { useConnection } from '../stores/connection';
import { useStream } from '../stores/stream';
import { hrefFor, useRouter, type Route } from './router';

const NAV: Array<{ route: Route; label: string; icon: IconName }> = [
  { route: 'interpreters', label: 'Interpreters', icon: 'python' },
  { route: 'connection', label: 'Connection', icon: 'connection' },
  { route: 'config', label: 'Configuration', icon: 'config' },
  { route: 'deliveries', label: 'Deliveries', icon: 'inbox' },
  { route: 'logs', label: 'Logs', icon: 'logs' },
  { route: 'plugins', label: 'Plugins', icon: 'plugins' },
];

const TITLES: Record<Route, string> = {
  interpreters: 'Python Interpreters',
  connection: 'Connection Status',
  config: 'Configuration',
  deliveries: 'Deliveries',
  logs: 'Logs',
  plugins: 'Plugins',
};

function Page({ route }: { route: Route }): ReactElement {
  switch (route) {
    case 'interpreters': return <InterpretersPage />;
    case 'connection': return <ConnectionPage />;
    case 'config': return <ConfigPage />;
    case 'deliveries': return <DeliveriesPage />;
    case 'logs': return <LogsPage />;
    case 'plugins': return <PluginsPage />;
  }
}

/** Feed and executor state at the foot of the sidebar (loads the connection once for it). */
function StatusFoot(): ReactElement {
  const stream = useStream((s) => s.state);
  const conn = useConnection((s) => s.data);
  const loaded = useConnection((s) => s.loaded);
  useEffect(() => {
    if (!loaded) void useConnection.getState().load();
  }, [loaded]);
  const view = conn ? stateView(conn.state, conn.mode) : null;
  return (
    <div className="side-foot" aria-live="polite">
      <div className="side-status" title={`Executor: ${view ? view.label.toLowerCase() : 'unknown'}`}>
        <span className={`dot dot-${view?.tone ?? 'neutral'}`} aria-hidden="true" />
        <span>Executor: {view ? view.label.toLowerCase() : 'unknown'}</span>
      </div>
      <div className="side-status" title={stream === 'open' ? 'Live updates' : 'Live updates interrupted'}>
        <span className={`dot dot-${stream === 'open' ? 'ok' : stream === 'connecting' ? 'warn' : 'danger'}`} aria-hidden="true" />
        <span>{stream === 'open' ? 'Live updates' : stream === 'connecting' ? 'Connecting…' : stream === 'unauthorized' ? 'Token refused' : 'Offline, retrying…'}</span>
      </div>
    </div>
  );
}

export function App(): ReactElement {
  const route = useRouter((s) => s.route);
  const navigate = useRouter((s) => s.navigate);
  useEffect(() => {
    document.title = `${TITLES[route]} · Webhook Bridge`;
  }, [route]);
  return (
    <div className="shell">
      <a className="skip-link" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>Skip to content</a>
      <nav className="sidebar" aria-label="Pages">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true"><Icon name="bolt" size={18} /></span>
          <span className="brand-name">Webhook Bridge</span>
        </div>
        <ul className="nav">
          {NAV.map((n) => (
            <li key={n.route}>
              <a
                href={hrefFor(n.route)}
                className={route === n.route ? 'active' : undefined}
                aria-current={route === n.route ? 'page' : undefined}
                title={n.label}
                onClick={(e) => {
                  if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
                  e.preventDefault();
                  navigate(n.route);
                }}
              >
                <Icon name={n.icon} size={18} />
                <span>{n.label}</span>
              </a>
            </li>
          ))}
        </ul>
        <StatusFoot />
      </nav>
      <main id="main" className="main" tabIndex={-1}>
        <Page route={route} />
      </main>
    </div>
  );
}
