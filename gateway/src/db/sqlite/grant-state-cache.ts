import type { GrantLiveness } from '../oauth-records.ts';
import type { SqliteDatabase } from './connection.ts';

/** Most grant states one process keeps in memory for the per-request liveness check. */
const GRANT_CACHE_LIMIT = 50_000;

interface GrantState {
  readonly expiresAt: number | null;
  readonly revoked: boolean;
  readonly clientDisabled: boolean;
  readonly scope: string;
}

export type GrantStateCache = ReturnType<typeof grantStateCache>;

/**
 * Whether a grant is alive (and with which scope), asked on every FHIR request, answered from
 * memory. The memory stays true to the database: this process drops an entry when it changes that
 * grant (or clears all when it changes a client), and SQLite's `PRAGMA data_version` (which moves
 * whenever *another* connection — the CLI, a second gateway — commits) empties it. So a revocation,
 * a narrowing or a disabled app bites on the very next request, whoever made it.
 */
export function grantStateCache(sqlite: SqliteDatabase) {
  const dataVersion = sqlite.prepare('PRAGMA data_version').pluck();
  const load = sqlite.prepare(
    `SELECT g.expires_at, g.revoked_at, g.scope, c.disabled_at AS client_disabled_at
       FROM grants g LEFT JOIN clients c ON c.client_id = g.client_id WHERE g.id = ?`,
  );
  const states = new Map<string, GrantState | null>();
  let version = dataVersion.get();

  return {
    liveness(id: string, now: Date): GrantLiveness {
      const current = dataVersion.get();
      if (current !== version) {
        states.clear();
        version = current;
      }
      let state = states.get(id);
      if (state === undefined) {
        const row = load.get(id) as
          | { expires_at: number | null; revoked_at: number | null; scope: string; client_disabled_at: number | null }
          | undefined;
        state = row
          ? { expiresAt: row.expires_at, revoked: row.revoked_at !== null, clientDisabled: row.client_disabled_at !== null, scope: row.scope }
          : null;
        // Not while a transaction is open: what it wrote may still be rolled back.
        if (!sqlite.inTransaction) {
          if (states.size >= GRANT_CACHE_LIMIT) states.clear();
          states.set(id, state);
        }
      }
      if (state === null) return { live: false, reason: 'unknown' };
      if (state.revoked) return { live: false, reason: 'revoked' };
      if (state.clientDisabled) return { live: false, reason: 'client-disabled' };
      if (state.expiresAt !== null && state.expiresAt <= now.getTime()) return { live: false, reason: 'expired' };
      return { live: true, scope: state.scope };
    },
    forget(id: string) {
      states.delete(id);
    },
    clear() {
      states.clear();
    },
  };
}
