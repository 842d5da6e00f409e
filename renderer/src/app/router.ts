import { create } from 'zustand';

export const ROUTES = ['interpreters', 'connection', 'config', 'deliveries', 'logs', 'plugins'] as const;
export type Route = (typeof ROUTES)[number];
export const DEFAULT_ROUTE: Route = 'interpreters';

/**
 * Served over HTTP the pages have real paths (`/connection`), which the server answers with the
 * app on reload. Loaded from a file or a custom scheme (desktop shell) the route lives in the
 * fragment instead (`#/connection`).
 */
function usesPaths(): boolean {
  return location.protocol === 'http:' || location.protocol === 'https:';
}

function isRoute(s: string): s is Route {
  return (ROUTES as readonly string[]).includes(s);
}

export function routeFromLocation(): Route {
  const raw = usesPaths() ? location.pathname : location.hash.replace(/^#/, '');
  const first = raw.replace(/^\/+/, '').split('/')[0] ?? '';
  return isRoute(first) ? first : DEFAULT_ROUTE;
}

export function hrefFor(route: Route): string {
  return usesPaths() ? `/${route}` : `#/${route}`;
}

interface RouterStore {
  route: Route;
  navigate(route: Route): void;
}

export const useRouter = create<RouterStore>()((set) => ({
  route: DEFAULT_ROUTE,
  navigate(route) {
    const href = hrefFor(route);
    if (usesPaths()) {
      if (location.pathname !== href) history.pushState(null, '', href);
    } else if (location.hash !== href) {
      history.pushState(null, '', href);
    }
    set({ route });
  },
}));

/** Reads the route from the address bar (normalising `/` to the default page) and follows back/forward. */
export function startRouter(): () => void {
  const route = routeFromLocation();
  const href = hrefFor(route);
  if (usesPaths() && location.pathname !== href) history.replaceState(history.state, '', href + location.hash);
  useRouter.setState({ route });
  const onPop = (): void => useRouter.setState({ route: routeFromLocation() });
  window.addEventListener('popstate', onPop);
  if (!usesPaths()) window.addEventListener('hashchange', onPop);
  return () => {
    window.removeEventListener('popstate', onPop);
    window.removeEventListener('hashchange', onPop);
  };
}
