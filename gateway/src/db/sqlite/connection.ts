import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';

export type SqliteDatabase = Database.Database;

/**
 * Opens (creating if needed) the SQLite file that holds the gateway's state and the embedded FHIR store.
 * The file and its folder are made owner-only: they hold signing keys, password hashes and PHI.
 */
export function openSqlite(file: string): SqliteDatabase {
  if (file !== ':memory:') makeDirectory(path.dirname(file));
  const db = new Database(file);
  // WAL lets the CLI and the gateway use one file at once, and readers never wait for the writer.
  // synchronous=NORMAL survives a killed process; only an OS crash or power loss can lose the last
  // commits (trade-off recorded in README.md).
  db.pragma('journal_mode = WAL');
  if (file !== ':memory:') {
    for (const suffix of ['', '-wal', '-shm']) {
      if (fs.existsSync(file + suffix)) fs.chmodSync(file + suffix, 0o600);
    }
  }
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  // Reads go through memory-mapped pages and a 64 MiB page cache instead of a read() per page: FHIR
  // reads by id are index lookups across a large file.
  db.pragma('mmap_size = 1073741824');
  db.pragma('cache_size = -65536');
  db.pragma('foreign_keys = ON');
  return db;
}

/**
 * `mkdir -p` with owner-only folders. Not `fs.mkdirSync(…, { recursive: true })`: on Node 20 that
 * spins forever when the kernel answers ENOENT for a parent that exists (e.g. anywhere under /proc).
 */
function makeDirectory(dir: string): void {
  if (fs.existsSync(dir)) return;
  const parent = path.dirname(dir);
  if (parent !== dir) makeDirectory(parent);
  fs.mkdirSync(dir, { mode: 0o700 });
}

const migrationsRoot = fileURLToPath(new URL('../../../migrations/', import.meta.url));

/**
 * Applies the committed drizzle-kit migrations of one schema. Each schema keeps its own journal table,
 * so the gateway state and the FHIR store can share a file or live apart.
 */
export function applyMigrations(db: SqliteDatabase, schema: 'sqlite' | 'fhir-sqlite'): void {
  migrate(drizzle({ client: db }), {
    migrationsFolder: path.join(migrationsRoot, schema),
    migrationsTable: schema === 'sqlite' ? '__drizzle_migrations' : '__fhir_migrations',
  });
}

export function drizzleOf<S extends Record<string, unknown>>(db: SqliteDatabase, schema: S): BetterSQLite3Database<S> {
  return drizzle({ client: db, schema });
}
