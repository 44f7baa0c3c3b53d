import { randomUUID } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type {
  AccessSummaryRow,
  AuditEventRecord,
  AuditFilter,
  AuditPage,
  AuditRepository,
  NewAuditEvent,
} from '../audit-records.ts';
import { auditColumns, CHAIN_START, chainHash, verifyChain } from '../../audit/audit-chain.ts';
import type { SqliteDatabase } from './connection.ts';

/**
 * The SQLite audit trail. `append` is one prepared INSERT on the shared connection: called inside an
 * open better-sqlite3 transaction it runs at once and joins it, and a failure throws synchronously,
 * so the caller's transaction rolls back with it; called outside one it is group-committed (below).
 */
export interface SqliteAuditRepository extends AuditRepository {
  /** The synchronous core of {@link AuditRepository.append}, for callers inside a transaction. */
  appendSync(event: NewAuditEvent): AuditEventRecord;
}

interface Row {
  seq: number;
  id: string;
  recorded_at: number;
  category: AuditEventRecord['category'];
  action: string;
  outcome: AuditEventRecord['outcome'];
  user_id: string | null;
  fhir_user: string | null;
  client_id: string | null;
  grant_id: string | null;
  patient_id: string | null;
  resource_type: string | null;
  resource_id: string | null;
  source_address: string | null;
  request_id: string | null;
  detail: string | null;
}

const COLUMNS: Record<Exclude<keyof AuditFilter, 'from' | 'to'>, string> = {
  patientId: 'patient_id',
  clientId: 'client_id',
  userId: 'user_id',
  grantId: 'grant_id',
  category: 'category',
  action: 'action',
  outcome: 'outcome',
};

/** Most rows one page may hold. */
export const MAX_AUDIT_PAGE = 1000;

/** The {@link AuditRepository} on better-sqlite3 (table `audit_events`, append-only by trigger). */
export function createSqliteAuditRepository(sqlite: SqliteDatabase): SqliteAuditRepository {
  const insert = sqlite.prepare(
    `INSERT INTO audit_events (id, recorded_at, category, action, outcome, user_id, fhir_user, client_id, grant_id, patient_id,
       resource_type, resource_id, source_address, request_id, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  // Read inside the write transaction, so another process appending meanwhile cannot fork the chain.
  const lastHash = sqlite.prepare('SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1').pluck();
  const chainRows = sqlite.prepare('SELECT * FROM audit_events ORDER BY seq');
  const byId = sqlite.prepare('SELECT * FROM audit_events WHERE id = ?');
  const summary = sqlite.prepare(
    `SELECT resource_type, action, count(*) AS n, min(recorded_at) AS first_at, max(recorded_at) AS last_at FROM audit_events
     WHERE client_id = ? AND patient_id = ? AND category = 'rest' AND outcome = 'success' AND resource_type IS NOT NULL
     GROUP BY resource_type, action ORDER BY resource_type, action`,
  );
  // One statement for any number of patients (a JSON array parameter), so a page of grants is one query.
  // `+client_id` keeps SQLite on audit_patient: the client index would walk every event the app ever had.
  const lastUsed = sqlite.prepare(
    `SELECT patient_id, max(recorded_at) AS at FROM audit_events
     WHERE +client_id = ? AND patient_id IN (SELECT value FROM json_each(?)) AND category = 'rest' AND outcome = 'success'
     GROUP BY patient_id`,
  );
  const refused = sqlite
    .prepare(
      `SELECT count(*) FROM audit_events WHERE client_id = ? AND patient_id = ? AND recorded_at >= ?
       AND action = 'refused' AND category IN ('rest', 'token')`,
    )
    .pluck();
  // Filter shapes repeat (the console's few combinations): compile each once.
  const shapes = new Map<string, Statement>();
  const prepared = (sql: string) => {
    let statement = shapes.get(sql);
    if (!statement) {
      if (shapes.size >= 200) shapes.clear();
      statement = sqlite.prepare(sql);
      shapes.set(sql, statement);
    }
    return statement;
  };

  const completed = (event: NewAuditEvent): AuditEventRecord => ({ ...event, id: event.id ?? randomUUID(), recordedAt: event.recordedAt ?? new Date() });
  const appendSync = (event: NewAuditEvent): AuditEventRecord => insertRecord(completed(event));
  const insertLinked = (record: AuditEventRecord): AuditEventRecord => {
    const prevHash = (lastHash.get() as string | null | undefined) ?? CHAIN_START;
    insert.run(...auditColumns(record), prevHash, chainHash(record, prevHash));
    return record;
  };
  // Reading the last link and adding the next must be one step. Inside a transaction they are (a
  // snapshot that went stale under another process's append fails the write, never forks the chain);
  // outside one, take the write lock first. No savepoint per row: it would double an append's cost.
  const linkedAlone = sqlite.transaction(insertLinked);
  const insertRecord = (record: AuditEventRecord) => (sqlite.inTransaction ? insertLinked(record) : linkedAlone.immediate(record));

  // Group commit. Outside a transaction each INSERT would be a commit of its own — a WAL write of
  // the row's page and six index pages, 10–40× the INSERT itself — on every FHIR read. Appends made
  // outside a transaction are instead queued and committed together at the end of this turn of the
  // event loop (setImmediate); each caller's promise settles only once its row is committed, so a
  // response that awaits it is still never sent before its row exists.
  let queue: { record: AuditEventRecord; resolve: (r: AuditEventRecord) => void; reject: (e: unknown) => void }[] = [];
  const commitQueued = () => {
    const batch = queue;
    queue = [];
    const failed = new Map<number, unknown>();
    try {
      // IMMEDIATE: the write lock before the first link is read (see insertRecord).
      sqlite.transaction(() => {
        batch.forEach((item, index) => {
          try {
            insertRecord(item.record);
          } catch (error) {
            // One refused row (a constraint) fails its own request, not the others of the batch:
            // a failed statement rolls back alone.
            failed.set(index, error);
          }
        });
      }).immediate();
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, index) => (failed.has(index) ? item.reject(failed.get(index)) : item.resolve(item.record)));
  };

  return {
    appendSync,
    // Deliberately not `async`: inside a transaction a failed INSERT throws here, synchronously, so
    // the caller's transaction rolls back with it.
    append(event) {
      if (sqlite.inTransaction) return Promise.resolve(appendSync(event));
      const record = completed(event);
      return new Promise<AuditEventRecord>((resolve, reject) => {
        if (queue.length === 0) setImmediate(commitQueued);
        queue.push({ record, resolve, reject });
      });
    },
    async list(filter, page) {
      const limit = Math.max(1, Math.min(MAX_AUDIT_PAGE, Math.floor(page.limit)));
      const where = whereOf(filter);
      if (page.before !== undefined) {
        where.sql.push('seq < ?');
        where.params.push(page.before);
      }
      const rows = prepared(`SELECT * FROM audit_events ${clause(where.sql)} ORDER BY seq DESC LIMIT ?`).all(...where.params, limit + 1) as Row[];
      const events = rows.slice(0, limit).map(toRecord);
      const result: AuditPage = rows.length > limit ? { events, nextBefore: rows[limit - 1]!.seq } : { events };
      return result;
    },
    async count(filter) {
      const where = whereOf(filter);
      return prepared(`SELECT count(*) FROM audit_events ${clause(where.sql)}`).pluck().get(...where.params) as number;
    },
    async findById(id) {
      const row = byId.get(id) as Row | undefined;
      return row && toRecord(row);
    },
    async verifyChain() {
      return verifyChain(
        (function* () {
          for (const row of chainRows.iterate() as Iterable<Row & { prev_hash: string | null; hash: string | null }>) {
            yield { seq: row.seq, record: toRecord(row), prevHash: row.prev_hash, hash: row.hash };
          }
        })(),
      );
    },
    async accessSummary(clientId, patientId) {
      const rows = summary.all(clientId, patientId) as { resource_type: string; action: string; n: number; first_at: number; last_at: number }[];
      return rows.map(
        (row): AccessSummaryRow => ({
          resourceType: row.resource_type,
          action: row.action,
          count: row.n,
          firstAt: new Date(row.first_at),
          lastAt: new Date(row.last_at),
        }),
      );
    },
    async lastUsed(clientId, patientIds) {
      const rows = lastUsed.all(clientId, JSON.stringify(patientIds)) as { patient_id: string; at: number }[];
      return new Map(rows.map((row) => [row.patient_id, new Date(row.at)]));
    },
    async refusedSince(clientId, patientId, since) {
      return refused.get(clientId, patientId, since.getTime()) as number;
    },
  };
}

function whereOf(filter: AuditFilter): { sql: string[]; params: (string | number)[] } {
  const sql: string[] = [];
  const params: (string | number)[] = [];
  for (const [key, column] of Object.entries(COLUMNS) as [keyof typeof COLUMNS, string][]) {
    const value = filter[key];
    if (value === undefined) continue;
    sql.push(`${column} = ?`);
    params.push(value);
  }
  if (filter.from) {
    sql.push('recorded_at >= ?');
    params.push(filter.from.getTime());
  }
  if (filter.to) {
    sql.push('recorded_at < ?');
    params.push(filter.to.getTime());
  }
  return { sql, params };
}

const clause = (conditions: readonly string[]) => (conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`);

function toRecord(row: Row): AuditEventRecord {
  return {
    id: row.id,
    recordedAt: new Date(row.recorded_at),
    category: row.category,
    action: row.action,
    outcome: row.outcome,
    userId: row.user_id,
    fhirUser: row.fhir_user,
    clientId: row.client_id,
    grantId: row.grant_id,
    patientId: row.patient_id,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    sourceAddress: row.source_address,
    requestId: row.request_id,
    detail: row.detail,
  };
}
