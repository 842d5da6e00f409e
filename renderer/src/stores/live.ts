import type { Api } from '../api/client';
import type { AppEvent } from '../api/transport';
import { useConfig } from './config';
import { useConnection } from './connection';
import { useDeliveries } from './deliveries';
import { useInterpreters } from './interpreters';
import { useJobs } from './jobs';
import { useLogs } from './logs';
import { useStream } from './stream';

/** Routes one pushed event to its store (each store drops what is older than what it has). */
export function dispatchEvent(event: AppEvent): void {
  const epoch = useStream.getState().epoch;
  switch (event.name) {
    case 'interpretersChanged':
      useInterpreters.getState().apply(event.payload, epoch);
      break;
    case 'configChanged':
      useConfig.getState().apply(event.payload, epoch);
      break;
    case 'connectionChanged':
      useConnection.getState().apply(event.payload, epoch);
      break;
    case 'logAppended':
      useLogs.getState().append(event.payload);
      break;
    case 'jobUpdated':
      useJobs.getState().apply(event.payload);
      break;
    case 'deliveryRecorded':
      useDeliveries.getState().applyChanges('recorded', event.payload.deliveries);
      break;
    case 'deliveryUpdated':
      useDeliveries.getState().applyChanges('updated', event.payload.deliveries);
      break;
  }
}

/** Re-reads the snapshots of every store a page has loaded, so nothing missed stays missing. */
function refreshLoaded(): void {
  for (const store of [useInterpreters, useConfig, useConnection]) {
    const s = store.getState();
    if (s.loaded) void s.load();
  }
  void useLogs.getState().resume();
  if (useDeliveries.getState().loaded) void useDeliveries.getState().load();
}

/** Subscribes to the event feed; returns the function that stops. */
export function startLive(api: Api): () => void {
  let opens = 0;
  return api.subscribe({
    onEvent: dispatchEvent,
    onState(state) {
      if (state === 'open') {
        // A re-open after a break starts a new epoch: whatever was read before may be from a server
        // that has since restarted. The first open only re-reads (events may have been missed
        // between the first snapshot and the subscription).
        if (opens > 0) useStream.setState({ epoch: useStream.getState().epoch + 1 });
        opens++;
        useStream.setState({ state });
        refreshLoaded();
        return;
      }
      useStream.setState({ state });
    },
  });
}
