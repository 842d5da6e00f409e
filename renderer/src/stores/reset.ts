import { useConfig } from './config';
import { useConnection } from './connection';
import { useDeliveries } from './deliveries';
import { useInterpreters } from './interpreters';
import { useLogs } from './logs';
import { usePlugins } from './plugins';

/** Marks every store as not loaded and forgets load errors, so pages read again (after a new token). */
export function resetStores(): void {
  const fresh = { loaded: false, error: null };
  useInterpreters.setState(fresh);
  useConfig.setState(fresh);
  useConnection.setState(fresh);
  useLogs.setState(fresh);
  usePlugins.setState(fresh);
  useDeliveries.setState(fresh);
}
