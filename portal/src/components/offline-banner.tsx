import { formatDateTime } from '../lib/format.ts';
import { useStore } from '../lib/store.ts';
import { connectivity } from '../offline/connectivity.ts';

/** "Offline — last updated <time>" while the portal shows its offline copy. */
export function OfflineBanner({ timeZone }: { timeZone?: string }) {
  const { offline, lastUpdated } = useStore(connectivity);
  if (!offline) return null;
  return (
    <div class="offline-banner" role="status">
      <strong>Offline</strong>
      {lastUpdated ? ` — last updated ${formatDateTime(lastUpdated, timeZone)}` : ' — showing what was loaded before'}. Booking, cancelling, adding
      readings and revoking apps need a connection.
    </div>
  );
}

/** Whether actions that need the network must be disabled now. */
export function useOffline(): boolean {
  return useStore(connectivity).offline;
}
