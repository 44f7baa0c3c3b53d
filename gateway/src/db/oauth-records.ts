/**
 * What the authorization server remembers between requests, as the domain sees it. Every secret it
 * hands out (session cookie, code, refresh token, launch id, initial access token) is stored only as
 * a SHA-256 hash: a stolen database yields nothing usable.
 */

/** A person signed in at the gateway (the session cookie's record). */
export interface SessionRecord {
  readonly id: string;
  readonly userId: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly endedAt: Date | null;
}

/** An /authorize request in progress: who asked, for what, and how far the user has got. */
export interface AuthorizationRequestRecord {
  /** Opaque, random: carried in the URLs of the sign-in, picker and consent pages. */
  readonly id: string;
  /** SHA-256 of the secret in the browser's flow cookie: the flow only continues in that browser. */
  readonly browserBinding: string;
  /** A random token every form of this flow must post back (CSRF). */
  readonly csrf: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly state: string;
  /** Requested scopes, already limited to what the client may ask for. */
  readonly scope: string;
  readonly codeChallenge: string;
  readonly nonce: string | null;
  readonly launch: LaunchContext | null;
  /** Signed in with a password, still owing a one-time code (MFA). */
  readonly pendingUserId: string | null;
  readonly userId: string | null;
  readonly sessionId: string | null;
  readonly patientId: string | null;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

export interface LaunchContext {
  readonly patientId: string;
  readonly encounterId: string | null;
  readonly userId: string | null;
}

/** An EHR launch context, handed to the app as an opaque `launch` id (stored hashed). */
export interface LaunchRecord extends LaunchContext {
  readonly idHash: string;
  readonly clientId: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly consumedAt: Date | null;
}

/** How long the patient agreed an app may keep access. */
export type GrantDuration = 'session' | '30d' | 'forever';

export interface AuthorizationCodeRecord {
  readonly codeHash: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly codeChallenge: string;
  /** The scopes the user granted. */
  readonly scope: string;
  readonly userId: string;
  readonly sessionId: string | null;
  readonly patientId: string | null;
  readonly encounterId: string | null;
  readonly nonce: string | null;
  readonly duration: GrantDuration;
  readonly needPatientBanner: boolean;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly consumedAt: Date | null;
  /** The grant the code was exchanged for, once it was. */
  readonly grantId: string | null;
}

/** What a user (or, for backend services, the practice) allowed one client: the root of its tokens. */
export interface GrantRecord {
  readonly id: string;
  readonly clientId: string;
  readonly kind: 'user' | 'backend';
  readonly userId: string | null;
  readonly patientId: string | null;
  readonly encounterId: string | null;
  readonly scope: string;
  /** With `online_access`: the sign-in session the grant lives and dies with. */
  readonly sessionId: string | null;
  readonly createdAt: Date;
  /** null: until revoked. */
  readonly expiresAt: Date | null;
  readonly revokedAt: Date | null;
  readonly revokedReason: string | null;
}

export interface RefreshTokenRecord {
  readonly tokenHash: string;
  readonly grantId: string;
  readonly clientId: string;
  readonly createdAt: Date;
  /** Set when it was exchanged for its successor: a second use is a replay. */
  readonly usedAt: Date | null;
}

export interface LoginThrottleRecord {
  /** `user:NAME` or `ip:ADDRESS`. */
  readonly key: string;
  readonly failures: number;
  readonly windowStart: Date;
  readonly lockedUntil: Date | null;
}

/** The outcome of a synchronous decision made inside a store transaction. */
export type Decision<T, E> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

export interface SessionRepository {
  insert(session: SessionRecord): Promise<void>;
  findActive(id: string, now: Date): Promise<SessionRecord | undefined>;
  /** Ends the session and revokes the grants that were bound to it (online_access). */
  end(id: string, now: Date): Promise<void>;
}

export interface AuthorizationRequestRepository {
  insert(request: AuthorizationRequestRecord): Promise<void>;
  find(id: string): Promise<AuthorizationRequestRecord | undefined>;
  update(id: string, changes: Partial<Pick<AuthorizationRequestRecord, 'pendingUserId' | 'userId' | 'sessionId' | 'patientId'>>): Promise<void>;
  /** Removes the request; true only for the call that removed it (of two concurrent decisions, one goes on). */
  delete(id: string): Promise<boolean>;
}

export interface LaunchRepository {
  insert(launch: LaunchRecord): Promise<void>;
  /** Marks the launch used and returns it, if it exists, belongs to `clientId`, is unused and unexpired. */
  consume(idHash: string, clientId: string, now: Date): Promise<LaunchRecord | undefined>;
}

export interface CodeExchange<E> {
  /** Validates the code against the token request (client, redirect URI, PKCE); no I/O. */
  readonly check: (code: AuthorizationCodeRecord) => E | undefined;
  /** The grant to create when the check passes, given the sign-in session the code was issued in. */
  readonly grant: (code: AuthorizationCodeRecord, session: SessionRecord | undefined) => GrantRecord;
  /** The first refresh token of that grant, if one is issued. */
  readonly refreshToken: (grant: GrantRecord) => RefreshTokenRecord | undefined;
}

export type CodeExchangeFailure<E> = { kind: 'unknown' } | { kind: 'replayed' } | { kind: 'expired' } | { kind: 'rejected'; error: E };

export interface AuthorizationCodeRepository {
  insert(code: AuthorizationCodeRecord): Promise<void>;
  /**
   * Redeems a code in one transaction: consumes it (whatever happens next: a code is never tried
   * twice), runs `check`, and creates the grant and its refresh token. A code that was already
   * consumed is a replay: if it passes `check`, the grant it produced is revoked (RFC 6749 §4.1.2);
   * if not, it is rejected with `check`'s error and nothing is revoked.
   */
  exchange<E>(
    codeHash: string,
    now: Date,
    exchange: CodeExchange<E>,
  ): Promise<Decision<{ grant: GrantRecord; code: AuthorizationCodeRecord }, CodeExchangeFailure<E>>>;
}

export interface GrantFilter {
  readonly clientId?: string;
  readonly patientId?: string;
  readonly userId?: string;
}

export interface GrantRepository {
  insert(grant: GrantRecord, refreshToken?: RefreshTokenRecord): Promise<void>;
  find(id: string): Promise<GrantRecord | undefined>;
  /** Every grant matching the filter (live, expired or revoked), oldest first. */
  list(filter: GrantFilter): Promise<GrantRecord[]>;
  /** How many grants each client holds that are neither revoked nor expired at `now` (clients with none are absent). */
  countLive(now: Date): Promise<Map<string, number>>;
  /**
   * Whether the grant exists, is not revoked, has not expired and its client is enabled, with the
   * scope it holds now (a patient may have narrowed it) — asked on every FHIR request.
   */
  liveness(id: string, now: Date): Promise<GrantLiveness>;
  /** `liveness(id, now).live`. */
  isActive(id: string, now: Date): Promise<boolean>;
  /**
   * Replaces a live grant's scope with `scope` (a subset: the caller removed some). Its access tokens
   * lose the removed scopes on their next request; refreshes issue only what is left.
   */
  narrow(id: string, scope: string, now: Date): Promise<void>;
  revoke(id: string, reason: string, now: Date): Promise<void>;
  /** Revokes every live grant matching the filter; returns how many. */
  revokeWhere(filter: GrantFilter, reason: string, now: Date): Promise<number>;
}

export type GrantLiveness =
  | { readonly live: true; readonly scope: string }
  | { readonly live: false; readonly reason: 'unknown' | 'revoked' | 'expired' | 'client-disabled' };

export type RefreshFailure<E> = { kind: 'unknown' } | { kind: 'replayed' } | { kind: 'inactive' } | { kind: 'rejected'; error: E };

export interface RefreshTokenRepository {
  /**
   * Rotates a refresh token in one transaction: `check` validates the request against the token and
   * its grant; then the token is marked used and `successor` stored. A token already used is a replay:
   * its whole grant is revoked (refresh token reuse detection, RFC 9700 §4.14.2).
   */
  rotate<E>(
    tokenHash: string,
    now: Date,
    check: (token: RefreshTokenRecord, grant: GrantRecord) => E | undefined,
    successor: (grant: GrantRecord) => RefreshTokenRecord,
  ): Promise<Decision<{ grant: GrantRecord; successor: RefreshTokenRecord }, RefreshFailure<E>>>;
  find(tokenHash: string): Promise<RefreshTokenRecord | undefined>;
}

export interface AssertionReplayRepository {
  /** Remembers a client assertion's `jti` until `expiresAt`; false if it was already seen (a replay). */
  remember(clientId: string, jti: string, expiresAt: Date, now: Date): Promise<boolean>;
}

export interface InitialAccessTokenRepository {
  insert(tokenHash: string, createdAt: Date, expiresAt: Date): Promise<void>;
  /** Uses up a token: true if it existed, was unused and unexpired. */
  consume(tokenHash: string, now: Date): Promise<boolean>;
}

export interface LoginThrottleRepository {
  find(key: string): Promise<LoginThrottleRecord | undefined>;
  save(record: LoginThrottleRecord): Promise<void>;
  clear(key: string): Promise<void>;
}
