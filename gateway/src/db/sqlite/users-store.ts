import { and, asc, desc, eq, gt, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { UserRecord } from '../store.ts';
import type { InvitationRepository, OutboxRepository, UserChanges, UserDirectory } from '../users-records.ts';
import type { SqliteDatabase } from './connection.ts';
import type { GrantStateCache } from './grant-state-cache.ts';
import * as schema from './schema.ts';

type Db = BetterSQLite3Database<typeof schema>;

/** Invitations, the outbox and the user changes of the console and account pages, on SQLite. */
export function createUsersRepositories(sqlite: SqliteDatabase, db: Db, grantStates: GrantStateCache) {
  const invitations: InvitationRepository = {
    async insert(invitation) {
      db.insert(schema.invitations).values(invitation).run();
    },
    async find(tokenHash) {
      return db.select().from(schema.invitations).where(eq(schema.invitations.tokenHash, tokenHash)).get();
    },
    async list(limit) {
      return db.select().from(schema.invitations).orderBy(desc(schema.invitations.createdAt), desc(sql`rowid`)).limit(limit).all();
    },
    async accept(tokenHash, user, now) {
      return sqlite.transaction(() => {
        const invitation = db.select().from(schema.invitations).where(eq(schema.invitations.tokenHash, tokenHash)).get();
        if (!invitation) return { ok: false as const, reason: 'unknown' as const };
        if (invitation.acceptedAt !== null) return { ok: false as const, reason: 'used' as const };
        if (invitation.expiresAt <= now) return { ok: false as const, reason: 'expired' as const };
        if (db.select({ id: schema.users.id }).from(schema.users).where(eq(schema.users.username, user.username)).get()) {
          return { ok: false as const, reason: 'duplicate-username' as const };
        }
        db.insert(schema.users).values({ ...user, recoveryCodes: [...user.recoveryCodes] }).run();
        // The guard repeats the checks above so the row changes only while it is still unused.
        const used = db
          .update(schema.invitations)
          .set({ acceptedAt: now, userId: user.id })
          .where(and(eq(schema.invitations.tokenHash, tokenHash), isNull(schema.invitations.acceptedAt), gt(schema.invitations.expiresAt, now)))
          .run();
        if (used.changes !== 1) throw new Error('invitation changed during acceptance');
        return { ok: true as const };
      })();
    },
  };

  const outbox: OutboxRepository = {
    async insert(message) {
      db.insert(schema.outbox).values(message).run();
    },
    async find(id) {
      return db.select().from(schema.outbox).where(eq(schema.outbox.id, id)).get();
    },
    async list(limit) {
      return db.select().from(schema.outbox).orderBy(desc(schema.outbox.createdAt), desc(sql`rowid`)).limit(limit).all();
    },
    async markSent(id, at) {
      db.update(schema.outbox).set({ sentAt: at }).where(eq(schema.outbox.id, id)).run();
    },
  };

  const userDirectory: UserDirectory = {
    async list() {
      return db.select().from(schema.users).orderBy(asc(schema.users.username)).all() as UserRecord[];
    },
    async update(id, changes: UserChanges, expected) {
      const conditions: SQL[] = [eq(schema.users.id, id)];
      for (const [field, value] of Object.entries(expected ?? {}) as ['totpPendingSecret' | 'totpSecret', string | null][]) {
        conditions.push(value === null ? isNull(schema.users[field]) : eq(schema.users[field], value));
      }
      const { recoveryCodes, ...rest } = changes;
      const set = { ...rest, ...(recoveryCodes ? { recoveryCodes: [...recoveryCodes] } : {}) };
      return db.update(schema.users).set(set).where(and(...conditions)).returning().get() as UserRecord | undefined;
    },
    async useRecoveryCode(id, codeHash) {
      return sqlite.transaction(() => {
        const row = db.select({ codes: schema.users.recoveryCodes }).from(schema.users).where(eq(schema.users.id, id)).get();
        if (!row || !row.codes.includes(codeHash)) return false;
        db.update(schema.users).set({ recoveryCodes: row.codes.filter((c) => c !== codeHash) }).where(eq(schema.users.id, id)).run();
        return true;
      })();
    },
    async endSessions(userId, now) {
      const ended = sqlite.transaction(() => {
        const live = db
          .select({ id: schema.sessions.id })
          .from(schema.sessions)
          .where(and(eq(schema.sessions.userId, userId), isNull(schema.sessions.endedAt)))
          .all()
          .map((s) => s.id);
        if (live.length === 0) return 0;
        db.update(schema.sessions).set({ endedAt: now }).where(inArray(schema.sessions.id, live)).run();
        db.update(schema.grants)
          .set({ revokedAt: now, revokedReason: 'session ended' })
          .where(and(inArray(schema.grants.sessionId, live), isNull(schema.grants.revokedAt)))
          .run();
        return live.length;
      })();
      grantStates.clear();
      return ended;
    },
  };

  return { invitations, outbox, userDirectory };
}
