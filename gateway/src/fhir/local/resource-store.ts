import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from '../../db/sqlite/connection.ts';
import type { ServedResourceType } from '../search-parameters.ts';
import type { IncludeRule, SearchRequest } from '../search/search-request.ts';
import { compartmentParams } from '../access/patient-compartment.ts';
import type { IndexRows } from './indexer.ts';
import { orderByClause, whereClause } from './search-sql.ts';

/** One version of a resource as stored; `content` is its JSON text, null when it is a deletion. */
export interface StoredVersion {
  readonly resourceType: string;
  readonly id: string;
  readonly versionId: number;
  /** Epoch milliseconds. */
  readonly lastUpdated: number;
  readonly deleted: boolean;
  readonly content: string | null;
}

export interface CurrentVersion extends StoredVersion {
  readonly rid: number;
}

export interface SearchPage {
  readonly matches: readonly StoredVersion[];
  readonly included: readonly StoredVersion[];
  /** undefined when the request asked for `_total=none`. */
  readonly total: number | undefined;
}

interface Row {
  rid: number;
  resource_type: string;
  id: string;
  version_id: number;
  last_updated: number;
  deleted: number;
  content: string | null;
}

const toVersion = (row: Row): CurrentVersion => ({
  rid: row.rid,
  resourceType: row.resource_type,
  id: row.id,
  versionId: row.version_id,
  lastUpdated: row.last_updated,
  deleted: row.deleted === 1,
  content: row.content,
});

/** Most resources an `_include`/`_revinclude` adds to one page. */
const MAX_INCLUDED = 1000;

/**
 * The embedded FHIR store's storage: versioned JSON rows and their search index, on SQLite. Every
 * method is synchronous; callers group several in {@link ResourceStore.transaction} to make them
 * all-or-nothing. It knows nothing about HTTP, validation or permissions.
 */
export class ResourceStore {
  private readonly statements: ReturnType<typeof prepare>;
  /** Searches are built per request but repeat their shapes; compiling each shape once saves ~20 µs. */
  private readonly searchStatements = new Map<string, Statement>();

  constructor(private readonly db: SqliteDatabase) {
    this.statements = prepare(db);
  }

  private prepared(sql: string): Statement {
    let statement = this.searchStatements.get(sql);
    if (!statement) {
      if (this.searchStatements.size >= 500) this.searchStatements.clear();
      statement = this.db.prepare(sql);
      this.searchStatements.set(sql, statement);
    }
    return statement;
  }

  /** Runs `work` in one SQLite transaction (nested calls become savepoints). */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  current(type: string, id: string): CurrentVersion | undefined {
    const row = this.statements.current.get(type, id) as Row | undefined;
    return row && toVersion(row);
  }

  /** Whether `Type/id` names a resource that exists and is not deleted. */
  isLive(reference: string): boolean {
    const [type = '', id = '', ...rest] = reference.split('/');
    return rest.length === 0 && this.current(type, id)?.deleted === false;
  }

  version(type: string, id: string, versionId: number): StoredVersion | undefined {
    const current = this.current(type, id);
    if (!current) return undefined;
    if (current.versionId === versionId) return current;
    const row = this.statements.version.get(current.rid, versionId) as Omit<Row, 'rid' | 'resource_type' | 'id'> | undefined;
    return row && toVersion({ ...row, rid: current.rid, resource_type: type, id });
  }

  /** Every version, newest first. */
  history(type: string, id: string): StoredVersion[] {
    const current = this.current(type, id);
    if (!current) return [];
    const older = this.statements.history.all(current.rid) as Omit<Row, 'rid' | 'resource_type' | 'id'>[];
    return [current, ...older.map((row) => toVersion({ ...row, rid: current.rid, resource_type: type, id }))];
  }

  /**
   * Writes a new version (`content` null deletes) and replaces the resource's index rows.
   * The caller has already checked preconditions against {@link current}.
   */
  write(
    type: string,
    id: string,
    version: { versionId: number; lastUpdated: number; content: string | null },
    index: IndexRows,
  ): void {
    const s = this.statements;
    const previous = this.current(type, id);
    let rid: number;
    if (previous) {
      rid = previous.rid;
      s.archive.run(rid, previous.versionId, previous.lastUpdated, previous.deleted ? 1 : 0, previous.content);
      s.update.run(version.versionId, version.lastUpdated, version.content === null ? 1 : 0, version.content, rid);
      for (const clear of s.clearIndex) clear.run(rid);
    } else {
      rid = Number(s.insert.run(type, id, version.versionId, version.lastUpdated, version.content === null ? 1 : 0, version.content).lastInsertRowid);
    }
    for (const t of index.tokens) s.insertToken.run(rid, type, t.param, t.system, t.code);
    for (const v of index.strings) s.insertString.run(rid, type, v.param, v.normalized, v.exact);
    for (const d of index.dates) s.insertDate.run(rid, type, d.param, d.low, d.high);
    for (const r of index.references) s.insertReference.run(rid, type, r.param, r.targetType, r.targetId);
  }

  /**
   * The patient whose compartment `type/id` is in, from its indexed references (for the audit trail
   * of user/ and system/ tokens): a Patient is its own; types that are no one's data have none.
   */
  compartmentPatient(type: string, id: string): string | undefined {
    if (type === 'Patient') return id;
    if (compartmentParams(type) === undefined) return undefined;
    return this.statements.compartmentPatient.get(type, id) as string | undefined;
  }

  /** Current resources that point at `type/id` through an indexed reference parameter. */
  countReferencesTo(type: string, id: string): number {
    return (this.statements.referrers.get(type, id) as { n: number }).n;
  }

  search(request: SearchRequest): SearchPage {
    const where = whereClause(request);
    const total =
      request.total === 'none' && !request.summaryCount
        ? undefined
        : (this.prepared(`SELECT count(*) AS n FROM fhir_resources r WHERE ${where.sql}`).get(...where.params) as { n: number }).n;
    if (request.summaryCount || request.count === 0) return { matches: [], included: [], total };

    // Sort and page on row ids alone, then load the page's JSON: sorting whole rows would carry
    // every candidate's content through the sorter.
    const order = orderByClause(request.sort);
    const rids = this.prepared(`SELECT r.rid FROM fhir_resources r WHERE ${where.sql} ORDER BY ${order.sql} LIMIT ? OFFSET ?`)
      .pluck()
      .all(...where.params, ...order.params, request.count, request.offset) as number[];
    const matches = this.rowsByRid(rids).map(toVersion);
    return { matches, included: this.includedFor(matches, request), total };
  }

  /** The rows of `rids`, in that order. */
  private rowsByRid(rids: readonly number[]): Row[] {
    if (rids.length === 0) return [];
    const rows = this.prepared(`SELECT * FROM fhir_resources WHERE rid IN (${rids.map(() => '?').join(',')})`).all(...rids) as Row[];
    const byRid = new Map(rows.map((row) => [row.rid, row]));
    return rids.map((rid) => byRid.get(rid)!);
  }

  private includedFor(matches: CurrentVersion[], request: SearchRequest): StoredVersion[] {
    if (matches.length === 0 || (request.includes.length === 0 && request.revincludes.length === 0)) return [];
    const seen = new Set(matches.map((m) => m.rid));
    const included: StoredVersion[] = [];
    const add = (rows: Row[]) => {
      for (const row of rows) {
        if (seen.has(row.rid) || included.length >= MAX_INCLUDED) continue;
        seen.add(row.rid);
        included.push(toVersion(row));
      }
    };
    const rids = matches.map((m) => m.rid);
    for (const rule of request.includes) add(this.forwardIncludes(rids, rule));
    for (const rule of request.revincludes) add(this.reverseIncludes(request.resourceType, matches, rule));
    return included;
  }

  private forwardIncludes(rids: number[], rule: IncludeRule): Row[] {
    const targetFilter = rule.targetType ? 'AND x.target_type = ?' : '';
    return this.prepared(
        `SELECT r.* FROM fhir_resources r JOIN (SELECT DISTINCT x.target_type, x.target_id FROM fhir_reference_index x
           WHERE x.rid IN (${rids.map(() => '?').join(',')}) AND x.param = ? ${targetFilter}) t
         ON r.resource_type = t.target_type AND r.id = t.target_id WHERE r.deleted = 0 LIMIT ?`,
      )
      .all(...rids, rule.param, ...(rule.targetType ? [rule.targetType] : []), MAX_INCLUDED) as Row[];
  }

  private reverseIncludes(type: ServedResourceType, matches: CurrentVersion[], rule: IncludeRule): Row[] {
    if (rule.targetType !== undefined && rule.targetType !== type) return [];
    return this.prepared(
        `SELECT r.* FROM fhir_resources r WHERE r.deleted = 0 AND r.rid IN (
           SELECT x.rid FROM fhir_reference_index x WHERE x.resource_type = ? AND x.param = ? AND x.target_type = ?
           AND x.target_id IN (${matches.map(() => '?').join(',')})) ORDER BY r.rid LIMIT ?`,
      )
      .all(rule.sourceType, rule.param, type, ...matches.map((m) => m.id), MAX_INCLUDED) as Row[];
  }
}

function prepare(db: SqliteDatabase) {
  const indexTables = ['fhir_token_index', 'fhir_string_index', 'fhir_date_index', 'fhir_reference_index'];
  return {
    current: db.prepare('SELECT * FROM fhir_resources WHERE resource_type = ? AND id = ?'),
    version: db.prepare('SELECT version_id, last_updated, deleted, content FROM fhir_history WHERE rid = ? AND version_id = ?'),
    history: db.prepare('SELECT version_id, last_updated, deleted, content FROM fhir_history WHERE rid = ? ORDER BY version_id DESC'),
    insert: db.prepare(
      'INSERT INTO fhir_resources (resource_type, id, version_id, last_updated, deleted, content) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    update: db.prepare('UPDATE fhir_resources SET version_id = ?, last_updated = ?, deleted = ?, content = ? WHERE rid = ?'),
    archive: db.prepare('INSERT INTO fhir_history (rid, version_id, last_updated, deleted, content) VALUES (?, ?, ?, ?, ?)'),
    clearIndex: indexTables.map((table) => db.prepare(`DELETE FROM ${table} WHERE rid = ?`)) as Statement[],
    insertToken: db.prepare('INSERT INTO fhir_token_index (rid, resource_type, param, system, code) VALUES (?, ?, ?, ?, ?)'),
    insertString: db.prepare('INSERT INTO fhir_string_index (rid, resource_type, param, normalized, exact) VALUES (?, ?, ?, ?, ?)'),
    insertDate: db.prepare('INSERT INTO fhir_date_index (rid, resource_type, param, low, high) VALUES (?, ?, ?, ?, ?)'),
    insertReference: db.prepare(
      'INSERT INTO fhir_reference_index (rid, resource_type, param, target_type, target_id) VALUES (?, ?, ?, ?, ?)',
    ),
    // `patient` and `subject` name the patient the resource is about; other references (performer…) come after.
    compartmentPatient: db
      .prepare(
        `SELECT x.target_id FROM fhir_resources r JOIN fhir_reference_index x ON x.rid = r.rid
         WHERE r.resource_type = ? AND r.id = ? AND x.target_type = 'Patient' ORDER BY x.param NOT IN ('patient', 'subject') LIMIT 1`,
      )
      .pluck(),
    referrers: db.prepare(
      `SELECT count(DISTINCT x.rid) AS n FROM fhir_reference_index x JOIN fhir_resources r ON r.rid = x.rid
       WHERE x.target_type = ? AND x.target_id = ? AND r.deleted = 0`,
    ),
  };
}
