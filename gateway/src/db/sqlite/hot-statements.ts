import { eq, sql } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { GrantRecord, RefreshTokenRecord } from '../oauth-records.ts';
import type { SqliteDatabase } from './connection.ts';
import * as schema from './schema.ts';

const id = sql.placeholder('id');
const ms = (date: Date | null) => (date === null ? null : date.getTime());

/**
 * The statements of the token endpoint's and the sign-in's hot paths, prepared once. drizzle's query
 * builder costs ~100 µs a query (a refresh runs seven); a prepared query ~4 µs. Selects stay drizzle
 * prepared queries (typed, decoded rows); writes are plain SQL with explicit encoding, because
 * drizzle's placeholders cannot bind null into a timestamp column.
 */
export function hotStatements(sqlite: SqliteDatabase, db: BetterSQLite3Database<typeof schema>) {
  const insertGrant = sqlite.prepare(
    `INSERT INTO grants (id, client_id, kind, user_id, patient_id, encounter_id, scope, session_id, created_at, expires_at, revoked_at, revoked_reason)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertRefreshToken = sqlite.prepare('INSERT INTO refresh_tokens (token_hash, grant_id, client_id, created_at, used_at) VALUES (?, ?, ?, ?, ?)');
  return {
    clientById: db.select().from(schema.clients).where(eq(schema.clients.clientId, id)).prepare(),
    userById: db.select().from(schema.users).where(eq(schema.users.id, id)).prepare(),
    userByName: db.select().from(schema.users).where(eq(schema.users.username, id)).prepare(),
    sessionById: db.select().from(schema.sessions).where(eq(schema.sessions.id, id)).prepare(),
    codeByHash: db.select().from(schema.authorizationCodes).where(eq(schema.authorizationCodes.codeHash, id)).prepare(),
    grantById: db.select().from(schema.grants).where(eq(schema.grants.id, id)).prepare(),
    refreshTokenByHash: db.select().from(schema.refreshTokens).where(eq(schema.refreshTokens.tokenHash, id)).prepare(),
    /** Sets consumed_at unless already set: `changes` tells whether this caller won the code. */
    consumeCode: sqlite.prepare('UPDATE authorization_codes SET consumed_at = ? WHERE code_hash = ? AND consumed_at IS NULL'),
    setCodeGrant: sqlite.prepare('UPDATE authorization_codes SET grant_id = ? WHERE code_hash = ?'),
    /** Sets used_at unless already set: `changes` tells whether this caller won the refresh token. */
    useRefreshToken: sqlite.prepare('UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL'),
    insertJti: sqlite.prepare('INSERT INTO assertion_jtis (client_id, jti, expires_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
    deleteExpiredJtis: sqlite.prepare('DELETE FROM assertion_jtis WHERE expires_at < ?'),
    insertGrant(g: GrantRecord) {
      insertGrant.run(g.id, g.clientId, g.kind, g.userId, g.patientId, g.encounterId, g.scope, g.sessionId, ms(g.createdAt), ms(g.expiresAt), ms(g.revokedAt), g.revokedReason);
    },
    insertRefreshToken(t: RefreshTokenRecord) {
      insertRefreshToken.run(t.tokenHash, t.grantId, t.clientId, ms(t.createdAt), ms(t.usedAt));
    },
  };
}

export type HotStatements = ReturnType<typeof hotStatements>;
