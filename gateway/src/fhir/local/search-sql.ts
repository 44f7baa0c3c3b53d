import type { IndexedParamType } from '../search-parameters.ts';
import type { DateValue, SearchFilter, SearchRequest, SortRule, TokenValue } from '../search/search-request.ts';
import { normalizeString } from './indexer.ts';

/** A WHERE clause over `fhir_resources r` with its bound values. */
export interface SqlFragment {
  readonly sql: string;
  readonly params: readonly unknown[];
}

const INDEX_TABLE: Record<IndexedParamType, string> = {
  token: 'fhir_token_index',
  string: 'fhir_string_index',
  date: 'fhir_date_index',
  reference: 'fhir_reference_index',
};

// U+10FFFF sorts after every other character in SQLite's BINARY collation (UTF-8 byte order),
// so [prefix, prefix + MAX_CHAR) is every string that starts with prefix.
const MAX_CHAR = String.fromCodePoint(0x10ffff);

/**
 * Translates a parsed search into SQL. One filter (the most selective kind present) drives the query
 * through its lookup index (`r.rid IN (…)`); the others are checked per candidate row through the
 * per-resource indexes (`EXISTS …`). Every value is a bound parameter, never spliced into the text.
 */
export function whereClause(request: SearchRequest): SqlFragment {
  const clauses = ['r.resource_type = ?', 'r.deleted = 0'];
  const params: unknown[] = [request.resourceType];
  const driver = pickDriver(request.filters);
  for (const filter of request.filters) {
    const fragment = filterSql(request.resourceType, filter, filter === driver);
    clauses.push(fragment.sql);
    params.push(...fragment.params);
  }
  return { sql: clauses.join(' AND '), params };
}

/** One patient's compartment: the Patient itself (and patients linking to it), or resources referring to it. */
function compartmentSql(resourceType: string, filter: SearchFilter & { kind: 'compartment' }, drives: boolean): SqlFragment {
  const members = `SELECT x.rid FROM fhir_reference_index x WHERE x.resource_type = ? AND x.param IN (${marks(filter.params.length)}) AND x.target_id = ? AND x.target_type = 'Patient'`;
  const memberParams = [resourceType, ...filter.params, filter.patientId];
  if (filter.orUnowned) {
    const ownedBySomeone = `EXISTS (SELECT 1 FROM fhir_reference_index x WHERE x.rid = r.rid AND x.param IN (${marks(filter.params.length)}) AND x.target_type = 'Patient')`;
    return { sql: `(r.rid IN (${members}) OR NOT ${ownedBySomeone})`, params: [...memberParams, ...filter.params] };
  }
  if (resourceType === 'Patient') {
    return { sql: `(r.id = ? OR r.rid IN (${members}))`, params: [filter.patientId, ...memberParams] };
  }
  // As a driver, SQLite walks the covering lookup index; otherwise the same set is probed per row.
  return drives
    ? { sql: `r.rid IN (${members})`, params: memberParams }
    : { sql: `EXISTS (SELECT 1 FROM fhir_reference_index x WHERE x.rid = r.rid AND x.param IN (${marks(filter.params.length)}) AND x.target_id = ? AND x.target_type = 'Patient')`, params: [...filter.params, filter.patientId] };
}

function anyOfSql(resourceType: string, filter: SearchFilter & { kind: 'anyOf' }): SqlFragment {
  if (filter.alternatives.length === 0) return { sql: '0', params: [] };
  const parts = filter.alternatives.map((alternative) => {
    const fragments = alternative.map((f) => filterSql(resourceType, f, false));
    return { sql: fragments.length === 0 ? '1' : fragments.map((f) => f.sql).join(' AND '), params: fragments.flatMap((f) => f.params) };
  });
  return { sql: `(${parts.map((p) => `(${p.sql})`).join(' OR ')})`, params: parts.flatMap((p) => p.params) };
}

export function orderByClause(sort: readonly SortRule[]): SqlFragment {
  const terms: string[] = [];
  const params: unknown[] = [];
  for (const rule of sort) {
    const direction = rule.descending ? 'DESC' : 'ASC';
    if (rule.type === 'id') terms.push(`r.id ${direction}`);
    else if (rule.type === 'lastUpdated') terms.push(`r.last_updated ${direction}`);
    else {
      const expression = sortExpression(rule.type, rule.descending);
      // Resources without a value come last in either direction.
      terms.push(`(${expression}) IS NULL`, `(${expression}) ${direction}`);
      params.push(rule.param, rule.param);
    }
  }
  terms.push('r.rid ASC');
  return { sql: terms.join(', '), params };
}

function sortExpression(type: 'token' | 'string' | 'date', descending: boolean): string {
  return `SELECT ${descending ? 'max' : 'min'}(${SORT_COLUMN[type]}) FROM ${INDEX_TABLE[type]} s WHERE s.rid = r.rid AND s.param = ?`;
}

const SORT_COLUMN: Record<'token' | 'string' | 'date', string> = {
  token: 's.code',
  string: 's.normalized',
  date: 's.low',
};

function pickDriver(filters: readonly SearchFilter[]): SearchFilter | undefined {
  const rank = (f: SearchFilter): number => {
    switch (f.kind) {
      case 'id':
        return 5;
      case 'compartment':
        // "or no one's" is no narrow index range: let another filter drive.
        return f.orUnowned ? 0 : 4;
      case 'reference':
        return 4;
      case 'string':
        return f.match === 'contains' ? 0 : 3;
      case 'token':
        return f.negate ? 0 : 2;
      case 'date':
        return 1;
      default:
        return 0;
    }
  };
  let best: SearchFilter | undefined;
  for (const filter of filters) if (rank(filter) > 0 && (!best || rank(filter) > rank(best))) best = filter;
  return best;
}

function filterSql(resourceType: string, filter: SearchFilter, drives: boolean): SqlFragment {
  switch (filter.kind) {
    case 'compartment':
      return compartmentSql(resourceType, filter, drives);
    case 'anyOf':
      return anyOfSql(resourceType, filter);
    case 'id':
      return { sql: `r.id IN (${marks(filter.values.length)})`, params: filter.values };
    case 'lastUpdated': {
      const ors = filter.values.map((v) => dateCondition('r.last_updated', 'r.last_updated + 1', v));
      return { sql: `(${ors.map((o) => o.sql).join(' OR ')})`, params: ors.flatMap((o) => o.params) };
    }
    case 'missing': {
      const sql = `EXISTS (SELECT 1 FROM ${INDEX_TABLE[filter.paramType]} x WHERE x.rid = r.rid AND x.param = ?)`;
      return { sql: filter.missing ? `NOT ${sql}` : sql, params: [filter.param] };
    }
    case 'token':
      return indexed(resourceType, 'fhir_token_index', filter.param, filter.values.map(tokenCondition), drives && !filter.negate, filter.negate);
    case 'string':
      return indexed(resourceType, 'fhir_string_index', filter.param, filter.values.map((v) => stringCondition(filter.match, v)), drives, false);
    case 'date':
      return indexed(resourceType, 'fhir_date_index', filter.param, filter.values.map((v) => dateCondition('x.low', 'x.high', v)), drives, false);
    case 'reference':
      return indexed(
        resourceType,
        'fhir_reference_index',
        filter.param,
        filter.values.map((v) =>
          v.type === undefined
            ? { sql: 'x.target_id = ?', params: [v.id] }
            : { sql: 'x.target_id = ? AND x.target_type = ?', params: [v.id, v.type] },
        ),
        drives,
        false,
      );
  }
}

function indexed(
  resourceType: string,
  table: string,
  param: string,
  alternatives: SqlFragment[],
  drives: boolean,
  negate: boolean,
): SqlFragment {
  const anyOf = alternatives.map((a) => `(${a.sql})`).join(' OR ');
  const params = alternatives.flatMap((a) => a.params);
  if (drives) {
    return {
      sql: `r.rid IN (SELECT x.rid FROM ${table} x WHERE x.resource_type = ? AND x.param = ? AND (${anyOf}))`,
      params: [resourceType, param, ...params],
    };
  }
  return {
    sql: `${negate ? 'NOT ' : ''}EXISTS (SELECT 1 FROM ${table} x WHERE x.rid = r.rid AND x.param = ? AND (${anyOf}))`,
    params: [param, ...params],
  };
}

function tokenCondition(value: TokenValue): SqlFragment {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (value.code !== undefined) {
    parts.push('x.code = ?');
    params.push(value.code);
  }
  if (value.system === null) parts.push('x.system IS NULL');
  else if (value.system !== undefined) {
    parts.push('x.system = ?');
    params.push(value.system);
  }
  return { sql: parts.length ? parts.join(' AND ') : '1', params };
}

function stringCondition(match: 'prefix' | 'exact' | 'contains', value: string): SqlFragment {
  switch (match) {
    case 'exact':
      return { sql: 'x.exact = ?', params: [value] };
    case 'contains':
      return { sql: 'instr(x.normalized, ?) > 0', params: [normalizeString(value)] };
    case 'prefix': {
      const prefix = normalizeString(value);
      return { sql: 'x.normalized >= ? AND x.normalized < ?', params: [prefix, prefix + MAX_CHAR] };
    }
  }
}

/**
 * A target range [low, high) against a search range [s.low, s.high), per prefix
 * (http://hl7.org/fhir/R4/search.html#prefix): `ge 2026-01-01` matches whatever ends on or after
 * the start of that day, `eq` whatever lies wholly inside it.
 */
function dateCondition(low: string, high: string, s: DateValue): SqlFragment {
  switch (s.prefix) {
    case 'eq':
      return { sql: `${low} >= ? AND ${high} <= ?`, params: [s.low, s.high] };
    case 'ne':
      return { sql: `NOT (${low} >= ? AND ${high} <= ?)`, params: [s.low, s.high] };
    case 'gt':
      return { sql: `${high} > ?`, params: [s.high] };
    case 'ge':
      return { sql: `${high} > ?`, params: [s.low] };
    case 'lt':
      return { sql: `${low} < ?`, params: [s.low] };
    case 'le':
      return { sql: `${low} < ?`, params: [s.high] };
    case 'sa':
      return { sql: `${low} >= ?`, params: [s.high] };
    case 'eb':
      return { sql: `${high} <= ?`, params: [s.low] };
  }
}

function marks(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}

