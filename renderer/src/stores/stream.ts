import { create } from 'zustand';
import type { StreamState } from '../api/transport';

export interface StreamStore {
  state: StreamState;
  /**
   * Bumped each time the event feed re-opens after a break. Data is tagged with the epoch it was
   * read in; data of an older epoch never replaces data of a newer one (the server may have
   * restarted and counted its revisions from zero again).
   */
  epoch: number;
}

export const useStream = create<StreamStore>()(() => ({ state: 'connecting', epoch: 0 }));

export const currentEpoch = (): number => useStream.getState().epoch;
