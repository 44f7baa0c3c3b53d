import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import type { JWK } from 'jose';
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
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  disabledAt: integer('disabled_at', { mode: 'timestamp_ms' }),
});

export const users = sqliteTable('users', {
  id: text('id').primaryKey(),
  username: text('username').notNull().unique(),
  passwordHash: text('password_hash').notNull(),
  role: text('role').$type<UserRole>().notNull(),
  fhirUser: text('fhir_user'),
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
