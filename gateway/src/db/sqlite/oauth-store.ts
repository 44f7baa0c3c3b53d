import { and, asc, count, eq, gt, isNull, or, type SQL } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type {
  AssertionReplayRepository,
  AuthorizationCodeRepository,
  AuthorizationRequestRepository,
  GrantFilter,
  GrantRecord,
  GrantRepository,
  InitialAccessTokenRepository,
  LaunchRepository,
  LoginThrottleRepository,
  RefreshTokenRepository,
  SessionRepository,
} from '../oauth-records.ts';
import type { SqliteDatabase } from './connection.ts';
import type { GrantStateCache } from './grant-state-cache.ts';
import type { HotStatements } from './hot-statements.ts';
import * as schema from './schema.ts';

type Db = BetterSQLite3Database<typeof schema>;

/**
 * The OAuth repositories on SQLite. Multi-step changes (code exchange, refresh rotation) run in one
 * synchronous better-sqlite3 transaction, so two concurrent requests can never both succeed.
 */
export function createOAuthRepositories(sqlite: SqliteDatabase, db: Db, hot: HotStatements, grantStates: GrantStateCache) {
  // Expired jtis are swept at most once a minute, not on every assertion.
  let jtisSweptAt = 0;

  const revokeGrant = (tx: Db, id: string, reason: string, now: Date) => {
    tx.update(schema.grants).set({ revokedAt: now, revokedReason: reason }).where(and(eq(schema.grants.id, id), isNull(schema.grants.revokedAt))).run();
    grantStates.forget(id);
  };

  const sessions: SessionRepository = {
    async insert(session) {
      db.insert(schema.sessions).values(session).run();
    },
    async findActive(id, now) {
      const session = hot.sessionById.get({ id });
      return session && session.endedAt === null && session.expiresAt > now ? session : undefined;
    },
    async end(id, now) {
      db.transaction((tx) => {
        tx.update(schema.sessions).set({ endedAt: now }).where(and(eq(schema.sessions.id, id), isNull(schema.sessions.endedAt))).run();
        tx.update(schema.grants)
          .set({ revokedAt: now, revokedReason: 'session ended' })
          .where(and(eq(schema.grants.sessionId, id), isNull(schema.grants.revokedAt)))
          .run();
      });
      grantStates.clear();
    },
  };

  const authorizationRequests: AuthorizationRequestRepository = {
    async insert(request) {
      db.insert(schema.authorizationRequests).values(request).run();
    },
    async find(id) {
      return db.select().from(schema.authorizationRequests).where(eq(schema.authorizationRequests.id, id)).get();
    },
    async update(id, changes) {
      db.update(schema.authorizationRequests).set(changes).where(eq(schema.authorizationRequests.id, id)).run();
    },
    async delete(id) {
      return db.delete(schema.authorizationRequests).where(eq(schema.authorizationRequests.id, id)).run().changes === 1;
    },
  };

  const launches: LaunchRepository = {
    async insert(launch) {
      db.insert(schema.launches).values(launch).run();
    },
    async consume(idHash, clientId, now) {
      return db.transaction((tx) => {
        const launch = tx.select().from(schema.launches).where(eq(schema.launches.idHash, idHash)).get();
        if (!launch || launch.clientId !== clientId || launch.consumedAt !== null || launch.expiresAt <= now) return undefined;
        tx.update(schema.launches).set({ consumedAt: now }).where(eq(schema.launches.idHash, idHash)).run();
        return { ...launch, consumedAt: now };
      });
    },
  };

  const codes: AuthorizationCodeRepository = {
    async insert(code) {
      db.insert(schema.authorizationCodes).values(code).run();
    },
    async exchange(codeHash, now, exchange) {
      // better-sqlite3's own transaction: drizzle's builds a new database object per call.
      return sqlite.transaction(() => {
        const code = hot.codeByHash.get({ id: codeHash });
        if (!code) return { ok: false as const, error: { kind: 'unknown' as const } };
        // Consume first, unconditionally: only the request that flips consumed_at may go on.
        const consumed = hot.consumeCode.run(now.getTime(), codeHash);
        if (consumed.changes !== 1) {
          // Only a replay that would otherwise have redeemed the code revokes what it produced: one
          // from another client or with a wrong verifier must not let whoever saw a code end the
          // grant (OAuth 2.1 "Reuse of Authorization Codes": SHOULD NOT revoke on invalid parameters).
          const error = exchange.check(code);
          if (error !== undefined) return { ok: false as const, error: { kind: 'rejected' as const, error } };
          if (code.grantId) revokeGrant(db, code.grantId, 'authorization code replayed', now);
          return { ok: false as const, error: { kind: 'replayed' as const } };
        }
        if (code.expiresAt <= now) return { ok: false as const, error: { kind: 'expired' as const } };
        const error = exchange.check(code);
        if (error !== undefined) return { ok: false as const, error: { kind: 'rejected' as const, error } };
        const session = code.sessionId ? hot.sessionById.get({ id: code.sessionId }) : undefined;
        const grant = exchange.grant(code, session);
        hot.insertGrant(grant);
        const refreshToken = exchange.refreshToken(grant);
        if (refreshToken) hot.insertRefreshToken(refreshToken);
        hot.setCodeGrant.run(grant.id, codeHash);
        return { ok: true as const, value: { grant, code } };
      })();
    },
  };

  const grants: GrantRepository = {
    async insert(grant, refreshToken) {
      sqlite.transaction(() => {
        hot.insertGrant(grant);
        if (refreshToken) hot.insertRefreshToken(refreshToken);
      })();
    },
    async find(id) {
      return hot.grantById.get({ id });
    },
    async list(filter) {
      return db
        .select()
        .from(schema.grants)
        .where(and(...grantConditions(filter)))
        .orderBy(asc(schema.grants.createdAt), asc(schema.grants.id))
        .all();
    },
    async countLive(now) {
      const rows = db
        .select({ clientId: schema.grants.clientId, live: count() })
        .from(schema.grants)
        .where(and(isNull(schema.grants.revokedAt), or(isNull(schema.grants.expiresAt), gt(schema.grants.expiresAt, now))))
        .groupBy(schema.grants.clientId)
        .all();
      return new Map(rows.map((row) => [row.clientId, row.live]));
    },
    async liveness(id, now) {
      return grantStates.liveness(id, now);
    },
    async isActive(id, now) {
      return grantStates.liveness(id, now).live;
    },
    async narrow(id, scope, now) {
      db.update(schema.grants)
        .set({ scope })
        .where(and(eq(schema.grants.id, id), isNull(schema.grants.revokedAt), or(isNull(schema.grants.expiresAt), gt(schema.grants.expiresAt, now))))
        .run();
      grantStates.forget(id);
    },
    async revoke(id, reason, now) {
      revokeGrant(db, id, reason, now);
    },
    async revokeWhere(filter, reason, now) {
      const changed = sqlite.transaction(() => {
        // Codes not yet exchanged would become grants after the revocation: they die with it.
        db.update(schema.authorizationCodes)
          .set({ consumedAt: now })
          .where(and(isNull(schema.authorizationCodes.consumedAt), ...codeConditions(filter)))
          .run();
        return db
          .update(schema.grants)
          .set({ revokedAt: now, revokedReason: reason })
          .where(and(isNull(schema.grants.revokedAt), ...grantConditions(filter)))
          .run().changes;
      })();
      grantStates.clear();
      return changed;
    },
  };

  const refreshTokens: RefreshTokenRepository = {
    async find(tokenHash) {
      return hot.refreshTokenByHash.get({ id: tokenHash });
    },
    async rotate(tokenHash, now, check, successor) {
      return sqlite.transaction(() => {
        const token = hot.refreshTokenByHash.get({ id: tokenHash });
        if (!token) return { ok: false as const, error: { kind: 'unknown' as const } };
        const grant = hot.grantById.get({ id: token.grantId })!;
        const error = check(token, grant);
        if (error !== undefined) return { ok: false as const, error: { kind: 'rejected' as const, error } };
        const used = hot.useRefreshToken.run(now.getTime(), tokenHash);
        if (used.changes !== 1) {
          revokeGrant(db, grant.id, 'refresh token reused', now);
          return { ok: false as const, error: { kind: 'replayed' as const } };
        }
        if (!isLive(grant, now)) return { ok: false as const, error: { kind: 'inactive' as const } };
        const next = successor(grant);
        hot.insertRefreshToken(next);
        return { ok: true as const, value: { grant, successor: next } };
      })();
    },
  };

  const assertionJtis: AssertionReplayRepository = {
    async remember(clientId, jti, expiresAt, now) {
      if (now.getTime() - jtisSweptAt > 60_000) {
        hot.deleteExpiredJtis.run(now.getTime());
        jtisSweptAt = now.getTime();
      }
      return hot.insertJti.run(clientId, jti, expiresAt.getTime()).changes === 1;
    },
  };

  const initialAccessTokens: InitialAccessTokenRepository = {
    async insert(tokenHash, createdAt, expiresAt) {
      db.insert(schema.initialAccessTokens).values({ tokenHash, createdAt, expiresAt }).run();
    },
    async consume(tokenHash, now) {
      const used = db
        .update(schema.initialAccessTokens)
        .set({ usedAt: now })
        .where(
          and(
            eq(schema.initialAccessTokens.tokenHash, tokenHash),
            isNull(schema.initialAccessTokens.usedAt),
            gt(schema.initialAccessTokens.expiresAt, now),
          ),
        )
        .run();
      return used.changes === 1;
    },
  };

  const loginThrottle: LoginThrottleRepository = {
    async find(key) {
      return db.select().from(schema.loginThrottle).where(eq(schema.loginThrottle.key, key)).get();
    },
    async save(record) {
      db.insert(schema.loginThrottle)
        .values(record)
        .onConflictDoUpdate({ target: schema.loginThrottle.key, set: { failures: record.failures, windowStart: record.windowStart, lockedUntil: record.lockedUntil } })
        .run();
    },
    async clear(key) {
      db.delete(schema.loginThrottle).where(eq(schema.loginThrottle.key, key)).run();
    },
  };

  return { sessions, authorizationRequests, launches, codes, grants, refreshTokens, assertionJtis, initialAccessTokens, loginThrottle };
}

function isLive(grant: GrantRecord, now: Date): boolean {
  return grant.revokedAt === null && (grant.expiresAt === null || grant.expiresAt > now);
}

function codeConditions(filter: GrantFilter): SQL[] {
  const conditions: SQL[] = [];
  if (filter.clientId !== undefined) conditions.push(eq(schema.authorizationCodes.clientId, filter.clientId));
  if (filter.patientId !== undefined) conditions.push(eq(schema.authorizationCodes.patientId, filter.patientId));
  if (filter.userId !== undefined) conditions.push(eq(schema.authorizationCodes.userId, filter.userId));
  return conditions;
}

function grantConditions(filter: GrantFilter): SQL[] {
  const conditions: SQL[] = [];
  if (filter.clientId !== undefined) conditions.push(eq(schema.grants.clientId, filter.clientId));
  if (filter.patientId !== undefined) conditions.push(eq(schema.grants.patientId, filter.patientId));
  if (filter.userId !== undefined) conditions.push(eq(schema.grants.userId, filter.userId));
  return conditions;
}
