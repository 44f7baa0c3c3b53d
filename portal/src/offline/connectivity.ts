import { createStore, type Store } from '../lib/store.ts';

/** Whether the portal is working from the network or from what it loaded before. */
export interface Connectivity {
  /** The browser reports no network, or the last data came from the offline copy. */
  readonly offline: boolean;
  /** When the data on screen was fetched from the server, when it came from the offline copy. */
  readonly lastUpdated: Date | null;
}

/** The header the service worker puts on a response it answered from its offline copy (ISO time of the fetch). */
export const CACHED_AT_HEADER = 'x-portico-cached-at';

/** The portal's connectivity; the banner and every network action read it. */
export const connectivity: Store<Connectivity> = createStore<Connectivity>({
  offline: typeof navigator !== 'undefined' && navigator.onLine === false,
  lastUpdated: null,
});

/** Records how a GET was answered: live (`cachedAt` null) or from the service worker's copy. */
export function noteResponse(store: Store<Connectivity>, cachedAt: Date | null): void {
  if (cachedAt) {
    const previous = store.get().lastUpdated;
    // The banner shows the oldest copy on screen: that is how stale the page may be.
    store.set({ offline: true, lastUpdated: previous && previous < cachedAt ? previous : cachedAt });
  } else if (store.get().offline && navigator.onLine !== false) {
    store.set({ offline: false, lastUpdated: null });
  }
}

/** Follows the browser's online/offline events. */
export function watchNetwork(store: Store<Connectivity>, target: Window = window): () => void {
  const offline = () => store.set({ ...store.get(), offline: true });
  const online = () => store.set({ offline: false, lastUpdated: null });
  target.addEventListener('offline', offline);
  target.addEventListener('online', online);
  return () => {
    target.removeEventListener('offline', offline);
    target.removeEventListener('online', online);
  };
}
