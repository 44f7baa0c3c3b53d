import type { UserRecord, UserRole } from './store.ts';

/**
 * The people side of the gateway's state: invitations, the outbox of mail it sends, and the changes
 * the console and the account pages make to users. Secrets (invitation tokens, recovery codes) are
 * stored as SHA-256 hashes.
 */

/** An invitation to become a user; the token in its link is stored only as a hash. */
export interface InvitationRecord {
  /** SHA-256 (hex) of the token in the invitation link. */
  readonly tokenHash: string;
  readonly email: string;
  readonly role: UserRole;
  /** `Patient/ID` or `Practitioner/ID` the new user will be. */
  readonly fhirUser: string | null;
  /** The admin who invited (a user id), or null from the command line. */
  readonly invitedBy: string | null;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly acceptedAt: Date | null;
  /** The user the invitation became. */
  readonly userId: string | null;
}

export type InvitationAcceptFailure = 'unknown' | 'used' | 'expired' | 'duplicate-username';

export interface InvitationRepository {
  insert(invitation: InvitationRecord): Promise<void>;
  find(tokenHash: string): Promise<InvitationRecord | undefined>;
  /** Newest first. */
  list(limit: number): Promise<InvitationRecord[]>;
  /**
   * Uses the invitation up and creates `user` in one transaction: of two concurrent acceptances one
   * wins; an expired, used or unknown invitation, or a username already taken, changes nothing.
   */
  accept(tokenHash: string, user: UserRecord, now: Date): Promise<{ ok: true } | { ok: false; reason: InvitationAcceptFailure }>;
}

/** A message the gateway sent, or will send: kept for the console; delivered by SMTP when configured. */
export interface OutboxMessage {
  readonly id: string;
  readonly to: string;
  readonly subject: string;
  /** Plain text. */
  readonly body: string;
  readonly createdAt: Date;
  /** When the SMTP server accepted it; null when no SMTP transport is configured or delivery failed. */
  readonly sentAt: Date | null;
}

export interface OutboxRepository {
  insert(message: OutboxMessage): Promise<void>;
  find(id: string): Promise<OutboxMessage | undefined>;
  /** Newest first. */
  list(limit: number): Promise<OutboxMessage[]>;
  markSent(id: string, at: Date): Promise<void>;
}

/** What an admin or the account pages may change about a user. */
export type UserChanges = Partial<
  Pick<UserRecord, 'passwordHash' | 'totpSecret' | 'totpLastStep' | 'totpPendingSecret' | 'recoveryCodes' | 'email' | 'disabledAt'>
>;

/**
 * The user repository's methods for the console and the account pages (joined into
 * `UserRepository`).
 */
export interface UserDirectory {
  /** Every user, by username. */
  list(): Promise<UserRecord[]>;
  /**
   * Changes a user; returns the user as now stored, or undefined if there is none — or if `expected`
   * is given and the stored values differ (a compare-and-set, so two concurrent confirmations of one
   * enrolment cannot both win).
   */
  update(id: string, changes: UserChanges, expected?: Pick<UserChanges, 'totpPendingSecret' | 'totpSecret'>): Promise<UserRecord | undefined>;
  /** Removes one recovery code (by hash) from the user's unused ones; false if it was not there (used, or never issued). */
  useRecoveryCode(id: string, codeHash: string): Promise<boolean>;
  /** Ends every sign-in session of the user (and the grants bound to them); returns how many. */
  endSessions(userId: string, now: Date): Promise<number>;
}
