import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import type { JWK } from 'jose';
import type { GrantDuration, LaunchContext } from '../oauth-records.ts';
import type { ClientType, GrantType, SigningAlgorithm, UserRole } from '../store.ts';

// The gateway's own state on SQLite. Migrations are generated from this file by drizzle-kit
// (`npm run db:generate`) into gateway/migrations/sqlite and applied at start.

export const clients = sqliteTable('clients', {
  clientId: text('client_id').primaryKey(),
  name: text('name').notNull(),
  type: text('type').$type<ClientType>().notNull(),
  redirectUris: text('redirect_uris', { mode: 'json' }).$type<string[]>().notNull(),
  launchUri: text('launch_uri'),
  scope: text('scope').notNull(),
  grantTypes: text('grant_types', { mode: 'json' }).$type<GrantType[]>().notNull(),
  secretHash: text('secret_hash'),
  jwks: text('jwks', { mode: 'json' }).$type<{ keys: JWK[] }>(),
  jwksUri: text('jwks_uri'),
  policyUri: text('policy_uri'),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  disabledAt: integer('disabled_at', { mode: 'timestamp_ms' }),
  /** Browser origins allowed to call the token and FHIR endpoints with CORS (besides any). */
  corsOrigins: text('cors_origins', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
  logoUri: text('logo_uri'),
  /** The practice's statement about the app's privacy practices, shown on the consent screen. */
  privacyAttestation: text('privacy_attestation'),
  /** Where the app may send the browser after RP-initiated logout (exact match). */
  postLogoutRedirectUris: text('post_logout_redirect_uris', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
  /** When an admin last edited the app in the console. */
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }),
});

export const users = sqliteTable('users', {
  id: text('id').primaryKey(),
  username: text('username').notNull().unique(),
  passwordHash: text('password_hash').notNull(),
  role: text('role').$type<UserRole>().notNull(),
  fhirUser: text('fhir_user'),
  /** Base32 TOTP secret when the user has MFA on. */
  totpSecret: text('totp_secret'),
  /** The last TOTP time step accepted: a code is good once. */
  totpLastStep: integer('totp_last_step'),
  /** A TOTP secret shown during enrolment, kept until the first code confirms it. */
  totpPendingSecret: text('totp_pending_secret'),
  /** SHA-256 hashes of the unused one-time recovery codes. */
  recoveryCodes: text('recovery_codes', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
  email: text('email'),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  disabledAt: integer('disabled_at', { mode: 'timestamp_ms' }),
});

export const signingKeys = sqliteTable(
  'signing_keys',
  {
    kid: text('kid').primaryKey(),
    alg: text('alg').$type<SigningAlgorithm>().notNull(),
    privateJwk: text('private_jwk', { mode: 'json' }).$type<JWK>().notNull(),
    publicJwk: text('public_jwk', { mode: 'json' }).$type<JWK>().notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    retiredAt: integer('retired_at', { mode: 'timestamp_ms' }),
  },
  (t) => [index('signing_keys_current_idx').on(t.alg).where(sql`${t.retiredAt} is null`)],
);

/** Small facts the gateway keeps about itself (e.g. the day the demo data was first seeded). */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

// --- The authorization server's flow state (see ../oauth-records.ts). Secrets are stored hashed. ---

const timestamp = (name: string) => integer(name, { mode: 'timestamp_ms' });

export const sessions = sqliteTable('sessions', {
  id: text('id').primaryKey(),
  userId: text('user_id')
    .notNull()
    .references(() => users.id),
  createdAt: timestamp('created_at').notNull(),
  expiresAt: timestamp('expires_at').notNull(),
  endedAt: timestamp('ended_at'),
});

export const authorizationRequests = sqliteTable('authorization_requests', {
  id: text('id').primaryKey(),
  browserBinding: text('browser_binding').notNull(),
  csrf: text('csrf').notNull(),
  clientId: text('client_id').notNull(),
  redirectUri: text('redirect_uri').notNull(),
  state: text('state').notNull(),
  scope: text('scope').notNull(),
  codeChallenge: text('code_challenge').notNull(),
  nonce: text('nonce'),
  launch: text('launch', { mode: 'json' }).$type<LaunchContext>(),
  pendingUserId: text('pending_user_id'),
  userId: text('user_id'),
  sessionId: text('session_id'),
  patientId: text('patient_id'),
  createdAt: timestamp('created_at').notNull(),
  expiresAt: timestamp('expires_at').notNull(),
});

export const launches = sqliteTable('launches', {
  idHash: text('id_hash').primaryKey(),
  clientId: text('client_id').notNull(),
  patientId: text('patient_id').notNull(),
  encounterId: text('encounter_id'),
  userId: text('user_id'),
  createdAt: timestamp('created_at').notNull(),
  expiresAt: timestamp('expires_at').notNull(),
  consumedAt: timestamp('consumed_at'),
});

export const grants = sqliteTable(
  'grants',
  {
    id: text('id').primaryKey(),
    clientId: text('client_id').notNull(),
    kind: text('kind').$type<'user' | 'backend'>().notNull(),
    userId: text('user_id'),
    patientId: text('patient_id'),
    encounterId: text('encounter_id'),
    scope: text('scope').notNull(),
    sessionId: text('session_id'),
    createdAt: timestamp('created_at').notNull(),
    expiresAt: timestamp('expires_at'),
    revokedAt: timestamp('revoked_at'),
    revokedReason: text('revoked_reason'),
  },
  (t) => [
    index('grants_client_patient').on(t.clientId, t.patientId),
    index('grants_patient').on(t.patientId),
    index('grants_session').on(t.sessionId),
  ],
);

export const authorizationCodes = sqliteTable('authorization_codes', {
  codeHash: text('code_hash').primaryKey(),
  clientId: text('client_id').notNull(),
  redirectUri: text('redirect_uri').notNull(),
  codeChallenge: text('code_challenge').notNull(),
  scope: text('scope').notNull(),
  userId: text('user_id').notNull(),
  sessionId: text('session_id'),
  patientId: text('patient_id'),
  encounterId: text('encounter_id'),
  nonce: text('nonce'),
  duration: text('duration').$type<GrantDuration>().notNull(),
  needPatientBanner: integer('need_patient_banner', { mode: 'boolean' }).notNull(),
  createdAt: timestamp('created_at').notNull(),
  expiresAt: timestamp('expires_at').notNull(),
  consumedAt: timestamp('consumed_at'),
  grantId: text('grant_id'),
});

export const refreshTokens = sqliteTable(
  'refresh_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    grantId: text('grant_id')
      .notNull()
      .references(() => grants.id),
    clientId: text('client_id').notNull(),
    createdAt: timestamp('created_at').notNull(),
    usedAt: timestamp('used_at'),
  },
  (t) => [index('refresh_tokens_grant').on(t.grantId)],
);

/** Client-assertion `jti`s seen, kept until their assertion expires (replay defence). */
export const assertionJtis = sqliteTable(
  'assertion_jtis',
  {
    clientId: text('client_id').notNull(),
    jti: text('jti').notNull(),
    expiresAt: timestamp('expires_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.clientId, t.jti] }), index('assertion_jtis_expiry').on(t.expiresAt)],
);

export const initialAccessTokens = sqliteTable('initial_access_tokens', {
  tokenHash: text('token_hash').primaryKey(),
  createdAt: timestamp('created_at').notNull(),
  expiresAt: timestamp('expires_at').notNull(),
  usedAt: timestamp('used_at'),
});

export const loginThrottle = sqliteTable('login_throttle', {
  key: text('key').primaryKey(),
  failures: integer('failures').notNull(),
  windowStart: timestamp('window_start').notNull(),
  lockedUntil: timestamp('locked_until'),
});

// --- Users invited by the console, mail Portico would send, and the audit trail. ---

export const invitations = sqliteTable('invitations', {
  tokenHash: text('token_hash').primaryKey(),
  email: text('email').notNull(),
  role: text('role').$type<UserRole>().notNull(),
  fhirUser: text('fhir_user'),
  invitedBy: text('invited_by'),
  createdAt: timestamp('created_at').notNull(),
  expiresAt: timestamp('expires_at').notNull(),
  acceptedAt: timestamp('accepted_at'),
  userId: text('user_id'),
});

/** Mail the gateway sends (invitations, sign-in notices): kept for the console, delivered by SMTP if configured. */
export const outbox = sqliteTable(
  'outbox',
  {
    id: text('id').primaryKey(),
    to: text('to').notNull(),
    subject: text('subject').notNull(),
    body: text('body').notNull(),
    createdAt: timestamp('created_at').notNull(),
    sentAt: timestamp('sent_at'),
  },
  (t) => [index('outbox_created').on(t.createdAt)],
);

/**
 * Append-only (triggers in the migration refuse UPDATE and DELETE): one row per FHIR interaction,
 * token event, sign-in and admin action, shaped after IHE BALP. It names what was touched (type, id),
 * never clinical content.
 */
export const auditEvents = sqliteTable(
  'audit_events',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull().unique(),
    recordedAt: timestamp('recorded_at').notNull(),
    category: text('category').$type<'rest' | 'token' | 'login' | 'admin'>().notNull(),
    action: text('action').notNull(),
    outcome: text('outcome').$type<'success' | 'denied' | 'failure'>().notNull(),
    userId: text('user_id'),
    fhirUser: text('fhir_user'),
    clientId: text('client_id'),
    grantId: text('grant_id'),
    patientId: text('patient_id'),
    resourceType: text('resource_type'),
    resourceId: text('resource_id'),
    sourceAddress: text('source_address'),
    requestId: text('request_id'),
    /** A short, PHI-free description (e.g. the scope removed, the HTTP status of a refusal). */
    detail: text('detail'),
    /** The previous row's `hash`: the rows form a chain, so an edited or removed row is detectable. */
    prevHash: text('prev_hash'),
    /** SHA-256 of this row's fields and `prev_hash` (see audit/audit-chain.ts). */
    hash: text('hash'),
  },
  (t) => [
    index('audit_recorded').on(t.recordedAt),
    index('audit_patient').on(t.patientId, t.recordedAt),
    index('audit_client').on(t.clientId, t.recordedAt),
    index('audit_grant').on(t.grantId, t.recordedAt),
    index('audit_user').on(t.userId, t.recordedAt),
  ],
);
