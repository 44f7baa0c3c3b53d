/**
 * The audit trail as the domain sees it: one append-only row per FHIR interaction, token event,
 * sign-in and admin action (after IHE Basic Audit Log Patterns). Rows say who, which app, which
 * patient, what kind of action on which resource (type and id), the outcome, when and from where —
 * never clinical content, search values or secrets.
 */

export type AuditCategory = 'rest' | 'token' | 'login' | 'admin';
export type AuditOutcome = 'success' | 'denied' | 'failure';

/**
 * Actions, by category:
 * - rest:  `read` `vread` `history` `search` `create` `update` `delete` `operation`
 *          (`detail` names the operation, e.g. `$book`); a refused token is `refused` with the
 *          grant it carried;
 * - token: `issued` `refreshed` `revoked` `refused` `introspected`;
 * - login: `sign-in` `sign-out` `mfa`;
 * - admin: `client.register` `client.update` `client.disable` `client.enable` `client.rotate-secret`
 *          `grant.revoke` `grant.narrow` `user.invite` `user.disable` `user.reset-mfa` `launch` …
 *          (patients narrowing or revoking their own grants in the portal are `admin` actions too).
 */
export interface AuditEventRecord {
  /** UUID; also the FHIR AuditEvent id. */
  readonly id: string;
  readonly recordedAt: Date;
  readonly category: AuditCategory;
  readonly action: string;
  readonly outcome: AuditOutcome;
  /** The gateway user who acted (or the user behind the app's grant). */
  readonly userId: string | null;
  readonly fhirUser: string | null;
  readonly clientId: string | null;
  readonly grantId: string | null;
  /** The patient whose data was touched (the token's patient, or the resource's). */
  readonly patientId: string | null;
  readonly resourceType: string | null;
  readonly resourceId: string | null;
  readonly sourceAddress: string | null;
  readonly requestId: string | null;
  /** Short and PHI-free: a status code, an operation name, the scope removed. */
  readonly detail: string | null;
}

export type NewAuditEvent = Omit<AuditEventRecord, 'id' | 'recordedAt'> & Partial<Pick<AuditEventRecord, 'id' | 'recordedAt'>>;

export interface AuditFilter {
  readonly patientId?: string;
  readonly clientId?: string;
  readonly userId?: string;
  readonly grantId?: string;
  readonly category?: AuditCategory;
  readonly action?: string;
  readonly outcome?: AuditOutcome;
  /** Inclusive lower bound. */
  readonly from?: Date;
  /** Exclusive upper bound. */
  readonly to?: Date;
}

/** What one app did with one patient's data, by kind of data and interaction (the portal's access history). */
export interface AccessSummaryRow {
  readonly resourceType: string;
  readonly action: string;
  readonly count: number;
  readonly firstAt: Date;
  readonly lastAt: Date;
}

export interface AuditPage {
  readonly events: readonly AuditEventRecord[];
  /** Pass as `before` to get the next (older) page; undefined on the last page. */
  readonly nextBefore?: number;
}

/**
 * The audit trail's storage: append-only. `append` joins the caller's open database transaction when
 * there is one (SQLite: the same connection), so a write and its audit row commit or fail together.
 */
export interface AuditRepository {
  append(event: NewAuditEvent): Promise<AuditEventRecord>;
  /** Newest first; `before` is the sequence cursor of the previous page. */
  list(filter: AuditFilter, page: { readonly limit: number; readonly before?: number }): Promise<AuditPage>;
  count(filter: AuditFilter): Promise<number>;
  /** One event by its id (the FHIR AuditEvent read). */
  findById(id: string): Promise<AuditEventRecord | undefined>;
  /** `rest` events of one app for one patient, grouped by resource type and action (successes only). */
  accessSummary(clientId: string, patientId: string): Promise<AccessSummaryRow[]>;
  /** Time of the app's last successful `rest` event for each of the patients (absent: never used). */
  lastUsed(clientId: string, patientIds: readonly string[]): Promise<Map<string, Date>>;
  /**
   * Re-computes the rows' hash chain (security checklist AU5): `ok` false names the first row that
   * was edited, or follows a removed one.
   */
  verifyChain(): Promise<{ readonly ok: boolean; readonly checked: number; readonly brokenAt?: number }>;
  /** How many requests of the app for the patient were refused (`rest`/`token` action `refused`) since `since`. */
  refusedSince(clientId: string, patientId: string, since: Date): Promise<number>;
}
