import { render } from '@testing-library/preact';
import type { ComponentChildren } from 'preact';
import { LocationProvider } from 'preact-iso';
import type { Api } from '../fhir/api.ts';
import { createReadState } from '../logic/read-state.ts';
import { PortalContext, type Portal } from '../portal-context.ts';

/** The instant the page tests live in. */
export const NOW = new Date('2026-03-02T09:00:00Z');

/** Renders a page inside the signed-in portal's context, at a fixed time in UTC. */
export function renderPage(page: ComponentChildren, api: Api, extra: Partial<Portal> = {}) {
  const portal: Portal = {
    api,
    now: () => new Date(NOW),
    readState: createReadState(localStorage, api.patientId),
    signOut: async () => undefined,
    timeZone: 'UTC',
    ...extra,
  };
  return render(
    <LocationProvider>
      <PortalContext.Provider value={portal}>{page}</PortalContext.Provider>
    </LocationProvider>,
  );
}
