import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Api } from './fhir/api.ts';
import type { ReadState } from './logic/read-state.ts';

/** What every signed-in page gets: the API, the clock, the notes' read state and sign-out. */
export interface Portal {
  readonly api: Api;
  readonly now: () => Date;
  readonly readState: ReadState;
  readonly signOut: () => Promise<void>;
  /** IANA time zone for dates (tests pin it; the browser's own otherwise). */
  readonly timeZone?: string;
}

export const PortalContext = createContext<Portal | null>(null);

/** The signed-in portal; only used below the signed-in layout. */
export function usePortal(): Portal {
  const portal = useContext(PortalContext);
  if (!portal) throw new Error('usePortal outside a signed-in portal');
  return portal;
}
