import { and, asc, eq, inArray, isNull, lt, or } from 'drizzle-orm';
import {
  DuplicateError,
  type ClientRecord,
  type GatewayStore,
  type SigningKeyRecord,
  type UserRecord,
} from '../store.ts';
import { createSqliteAuditRepository } from './audit-store.ts';
import { drizzleOf, type SqliteDatabase } from './connection.ts';
import { grantStateCache } from './grant-state-cache.ts';
import { hotStatements } from './hot-statements.ts';
import { createOAuthRepositories } from './oauth-store.ts';
import * as schema from './schema.ts';
import { createUsersRepositories } from './users-store.ts';

/** {@link GatewayStore} on better-sqlite3: every method runs synchronously inside the returned promise. */
export function createSqliteStore(sqlite: SqliteDatabase): GatewayStore {
  const db = drizzleOf(sqlite, schema);
  const versionOfKeys = sqlite.prepare('SELECT count(*) AS n, max(created_at) AS created, max(retired_at) AS retired FROM signing_keys');
  const dataVersion = sqlite.prepare('PRAGMA data_version').pluck();
  let keysVersion: string | undefined;
  let keysVersionSeenAt: unknown;

  const hot = hotStatements(sqlite, db);
  const grantStates = grantStateCache(sqlite);
  const { invitations, outbox, userDirectory } = createUsersRepositories(sqlite, db, grantStates);
  return {
    ...createOAuthRepositories(sqlite, db, hot, grantStates),
    invitations,
    outbox,
    audit: createSqliteAuditRepository(sqlite),
    clients: {
      async insert(client: ClientRecord) {
        uniquely('client', () => db.insert(schema.clients).values(copy(client)).run());
      },
      async findById(clientId: string) {
        return hot.clientById.get({ id: clientId });
      },
      async list() {
        return db.select().from(schema.clients).orderBy(asc(schema.clients.createdAt), asc(schema.clients.clientId)).all();
      },
      async update(clientId, changes) {
        const set: Partial<typeof schema.clients.$inferInsert> = { ...changes } as Partial<typeof schema.clients.$inferInsert>;
        const updated = db.update(schema.clients).set(set).where(eq(schema.clients.clientId, clientId)).returning().get();
        // Whether its grants live depends on the client (disabled apps): recompute them all.
        grantStates.clear();
        return updated;
      },
    },
    users: {
      ...userDirectory,
      async insert(user: UserRecord) {
        uniquely('username', () => db.insert(schema.users).values({ ...user, recoveryCodes: [...user.recoveryCodes] }).run());
      },
      async findByUsername(username: string) {
        return hot.userByName.get({ id: username });
      },
      async findById(id: string) {
        return hot.userById.get({ id });
      },
      async setTotpSecret(id: string, secret: string | null) {
        db.update(schema.users).set({ totpSecret: secret, totpLastStep: null }).where(eq(schema.users.id, id)).run();
      },
      async useTotpStep(id: string, step: number) {
        const used = db
          .update(schema.users)
          .set({ totpLastStep: step })
          .where(and(eq(schema.users.id, id), or(isNull(schema.users.totpLastStep), lt(schema.users.totpLastStep, step))))
          .run();
        return used.changes === 1;
      },
    },
    signingKeys: {
      async list() {
        return db.select().from(schema.signingKeys).all();
      },
      async version() {
        // Asked before every token signature: answered from memory unless another connection has
        // committed since (PRAGMA data_version) or this one rotated the keys.
        const seen = dataVersion.get();
        if (keysVersion === undefined || seen !== keysVersionSeenAt) {
          const row = versionOfKeys.get() as { n: number; created: number | null; retired: number | null };
          keysVersion = `${row.n}:${row.created}:${row.retired}`;
          keysVersionSeenAt = seen;
        }
        return keysVersion;
      },
      async rotate(keys: readonly SigningKeyRecord[], now: Date, forgetRetiredBefore: Date) {
        const algs = [...new Set(keys.map((k) => k.alg))];
        keysVersion = undefined;
        db.transaction((tx) => {
          tx.delete(schema.signingKeys).where(lt(schema.signingKeys.retiredAt, forgetRetiredBefore)).run();
          if (algs.length > 0) {
            tx.update(schema.signingKeys)
              .set({ retiredAt: now })
              .where(and(inArray(schema.signingKeys.alg, algs), isNull(schema.signingKeys.retiredAt)))
              .run();
          }
          for (const key of keys) tx.insert(schema.signingKeys).values(key).run();
        });
      },
    },
    settings: {
      async get(key: string) {
        return db.select().from(schema.settings).where(eq(schema.settings.key, key)).get()?.value;
      },
      async getOrSet(key: string, value: string) {
        db.insert(schema.settings).values({ key, value }).onConflictDoNothing().run();
        return db.select().from(schema.settings).where(eq(schema.settings.key, key)).get()!.value;
      },
    },
    async close() {
      sqlite.close();
    },
  };
}

function copy(client: ClientRecord): typeof schema.clients.$inferInsert {
  return {
    ...client,
    redirectUris: [...client.redirectUris],
    grantTypes: [...client.grantTypes],
    corsOrigins: [...client.corsOrigins],
    postLogoutRedirectUris: [...client.postLogoutRedirectUris],
  };
}

function uniquely(what: string, write: () => unknown): void {
  try {
    write();
  } catch (error) {
    if (isUniqueViolation(error)) throw new DuplicateError(what);
    throw error;
  }
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
