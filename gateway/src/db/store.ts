import type { JWK } from 'jose';
import type { AuditRepository } from './audit-records.ts';
import type {
  AssertionReplayRepository,
  AuthorizationCodeRepository,
  AuthorizationRequestRepository,
  GrantRepository,
  InitialAccessTokenRepository,
  LaunchRepository,
  LoginThrottleRepository,
  RefreshTokenRepository,
  SessionRepository,
} from './oauth-records.ts';
import type { InvitationRepository, OutboxRepository, UserDirectory } from './users-records.ts';

/**
 * The gateway's own state (clients, users, signing keys…), as the domain sees it. Handlers and domain
 * functions depend on this interface only, so that the SQLite store can be joined by a PostgreSQL one
 * without touching them. Methods are async even where SQLite answers synchronously, because a networked
 * database cannot.
 */
export interface GatewayStore {
  readonly clients: ClientRepository;
  readonly users: UserRepository;
  readonly signingKeys: SigningKeyRepository;
  readonly settings: SettingsRepository;
  readonly sessions: SessionRepository;
  readonly authorizationRequests: AuthorizationRequestRepository;
  readonly launches: LaunchRepository;
  readonly codes: AuthorizationCodeRepository;
  readonly grants: GrantRepository;
  readonly refreshTokens: RefreshTokenRepository;
  readonly assertionJtis: AssertionReplayRepository;
  readonly initialAccessTokens: InitialAccessTokenRepository;
  readonly loginThrottle: LoginThrottleRepository;
  readonly invitations: InvitationRepository;
  readonly outbox: OutboxRepository;
  /** The append-only audit trail (see audit-records.ts). */
  readonly audit: AuditRepository;
  close(): Promise<void>;
}

export interface SettingsRepository {
  get(key: string): Promise<string | undefined>;
  /** Stores `value` unless the key already has one; returns the value now stored. */
  getOrSet(key: string, value: string): Promise<string>;
}

/** How a client authenticates at the token endpoint (SMART App Launch "client types"). */
export type ClientType = 'public' | 'confidential-symmetric' | 'confidential-asymmetric';
export type GrantType = 'authorization_code' | 'client_credentials';

export interface ClientRecord {
  readonly clientId: string;
  readonly name: string;
  readonly type: ClientType;
  readonly redirectUris: readonly string[];
  readonly launchUri: string | null;
  /** Space-separated scopes the client may be granted (the upper bound of any negotiation). */
  readonly scope: string;
  readonly grantTypes: readonly GrantType[];
  /** SHA-256 of the client secret, hex; only for confidential-symmetric clients. */
  readonly secretHash: string | null;
  readonly jwks: { keys: JWK[] } | null;
  readonly jwksUri: string | null;
  /** The app's privacy policy, linked from the consent screen. */
  readonly policyUri: string | null;
  readonly createdAt: Date;
  /** When a practice admin disabled the app: every token it holds is refused from then on. */
  readonly disabledAt: Date | null;
  /** Browser origins allowed to call the token and FHIR endpoints with CORS. */
  readonly corsOrigins: readonly string[];
  readonly logoUri: string | null;
  /** The practice's statement about the app's privacy practices, shown on the consent screen. */
  readonly privacyAttestation: string | null;
  /** Where the browser may go after RP-initiated logout (exact match). */
  readonly postLogoutRedirectUris: readonly string[];
  /** When an admin last edited the app in the console. */
  readonly updatedAt: Date | null;
}

export interface ClientRepository {
  insert(client: ClientRecord): Promise<void>;
  findById(clientId: string): Promise<ClientRecord | undefined>;
  /** Every client, oldest first. */
  list(): Promise<ClientRecord[]>;
  /**
   * Changes a client; returns it as now stored, or undefined if there is none. Disabling
   * (`disabledAt`) refuses every token of the app from its next request on.
   */
  update(clientId: string, changes: Partial<Omit<ClientRecord, 'clientId' | 'createdAt'>>): Promise<ClientRecord | undefined>;
}

export type UserRole = 'patient' | 'practitioner' | 'admin';

export interface UserRecord {
  readonly id: string;
  readonly username: string;
  /** A self-describing scrypt hash (see users/password.ts). */
  readonly passwordHash: string;
  readonly role: UserRole;
  /** `Patient/ID` or `Practitioner/ID`: the FHIR resource this person is. */
  readonly fhirUser: string | null;
  /** Base32 TOTP secret when the user has MFA on (RFC 6238). */
  readonly totpSecret: string | null;
  /** The last TOTP time step accepted, so a code works once. */
  readonly totpLastStep: number | null;
  /** A TOTP secret shown during enrolment, kept until the first code confirms it. */
  readonly totpPendingSecret: string | null;
  /** SHA-256 hashes (hex) of the unused one-time recovery codes. */
  readonly recoveryCodes: readonly string[];
  readonly email: string | null;
  readonly createdAt: Date;
  readonly disabledAt: Date | null;
}

export interface UserRepository extends UserDirectory {
  /** Throws {@link DuplicateError} when the username is taken. */
  insert(user: UserRecord): Promise<void>;
  findByUsername(username: string): Promise<UserRecord | undefined>;
  findById(id: string): Promise<UserRecord | undefined>;
  /** Turns MFA on (a secret) or off (null). */
  setTotpSecret(id: string, secret: string | null): Promise<void>;
  /** Records that `step` was used; false if it (or a later step) already was — a replayed code. */
  useTotpStep(id: string, step: number): Promise<boolean>;
}

export type SigningAlgorithm = 'ES256' | 'RS256';

export interface SigningKeyRecord {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly privateJwk: JWK;
  readonly publicJwk: JWK;
  readonly createdAt: Date;
  /** When a newer key took over signing; the key still verifies tokens for a while after. */
  readonly retiredAt: Date | null;
}

export interface SigningKeyRepository {
  list(): Promise<SigningKeyRecord[]>;
  /** Changes whenever a key is added or retired: a cheap check for "has another process rotated?". */
  version(): Promise<string>;
  /**
   * Makes `keys` the current keys of their algorithms in one transaction: current keys of the same
   * algorithms are retired at `now`, keys retired before `forgetRetiredBefore` are deleted.
   */
  rotate(keys: readonly SigningKeyRecord[], now: Date, forgetRetiredBefore: Date): Promise<void>;
}

/** A unique value (username, client id…) already exists. */
export class DuplicateError extends Error {
  constructor(readonly what: string) {
    super(`${what} already exists`);
    this.name = 'DuplicateError';
  }
}
