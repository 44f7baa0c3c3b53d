import type { GatewayStore } from '../db/store.ts';

/** What the connected-apps functions need: the grants, the apps, and the audit trail. */
export interface ConnectedAppsDeps {
  readonly store: Pick<GatewayStore, 'grants' | 'clients' | 'audit'>;
  readonly now: () => Date;
}

/** The patient acting through the portal, from their portal access token. */
export interface PatientActor {
  /** The gateway user (the token's `sub`). */
  readonly userId: string;
  readonly patientId: string;
  /** `Patient/ID` when the token names it. */
  readonly fhirUser: string | null;
  readonly sourceAddress: string | null;
  readonly requestId: string | null;
}
