/**
 * The wire format of the gateway's connected-apps API (`{PUBLIC_URL}/api/me/apps`), which the
 * portal's "Connected apps" page (the SMART `management_endpoint`) reads and acts through. Only the
 * portal's own tokens (client `portico-portal`) may call it, and only for the token's patient.
 *
 * - `GET  /api/me/apps`                              → {@link ConnectedAppsResponse}
 * - `POST /api/me/apps/{clientId}/revoke`            → {@link ConnectedApp} (every grant of the app ends)
 * - `POST /api/me/apps/{clientId}/remove-scope`      body `{"scope": "patient/Observation.rs"}` → {@link ConnectedApp}
 *
 * Errors are `{ "error": code, "error_description": text }` with 400 / 401 / 403 / 404.
 */

export interface ConnectedAppsResponse {
  readonly apps: readonly ConnectedApp[];
}

export interface ConnectedApp {
  readonly clientId: string;
  readonly name: string;
  readonly logoUri: string | null;
  readonly policyUri: string | null;
  /** `active`: some grant is live; `revoked`: every grant ended; `disabled`: a practice admin turned the app off. */
  readonly status: 'active' | 'revoked' | 'disabled';
  /** When a practice admin disabled the app (status `disabled`). */
  readonly disabledAt: string | null;
  /** What the app may do now, in plain language (empty once revoked). */
  readonly scopes: readonly GrantedScope[];
  /** ISO time of the first grant still shown. */
  readonly grantedAt: string;
  /** Until when access lasts; null: until revoked, or "this sign-in only" when `untilSignOut`. */
  readonly expiresAt: string | null;
  readonly untilSignOut: boolean;
  /** ISO time of the app's last FHIR request for this patient, or null. */
  readonly lastUsedAt: string | null;
  /** Set once the patient (or the practice) revoked the app. */
  readonly revokedAt: string | null;
  /** Requests refused since `revokedAt` or `disabledAt` (the token had been valid). */
  readonly refusedSince: number;
  /** What the app read or wrote, by kind of data and interaction. */
  readonly access: readonly AccessSummary[];
}

export interface GrantedScope {
  readonly scope: string;
  /** e.g. "Read and search your vital signs". */
  readonly description: string;
}

export interface AccessSummary {
  readonly resourceType: string;
  readonly action: 'read' | 'search' | 'create' | 'update' | 'delete';
  readonly count: number;
  readonly firstAt: string;
  readonly lastAt: string;
}
