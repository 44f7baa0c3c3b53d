import type { AuditCategory, AuditFilter, AuditOutcome } from '../db/audit-records.ts';
import { badRequest } from '../fhir/errors.ts';
import { parseFhirDateRange } from '../fhir/search/fhir-date.ts';

/** A parsed `GET /fhir/AuditEvent` search: the repository filter, page size and cursor, and the parameters to echo in links. */
export interface AuditSearch {
  readonly filter: AuditFilter;
  /** `agent`: a user id or a client id; the handler decides which (see audit-event-routes). */
  readonly agent?: string;
  readonly count: number;
  readonly before?: number;
  /** The parameters understood, for `self` and `next` links. */
  readonly used: readonly (readonly [string, string])[];
}

export const DEFAULT_AUDIT_COUNT = 50;
export const MAX_AUDIT_COUNT = 1000;

const OUTCOMES: Readonly<Record<string, AuditOutcome>> = {
  '0': 'success',
  '4': 'denied',
  '8': 'failure',
  '12': 'failure',
  success: 'success',
  denied: 'denied',
  failure: 'failure',
};
const CATEGORIES: ReadonlySet<string> = new Set(['rest', 'token', 'login', 'admin']);
/** The C/U/D action codes that name one of our actions; R and E stand for several (use `subtype`). */
const CRUD_ACTIONS: Readonly<Record<string, string>> = { C: 'create', U: 'update', D: 'delete' };
/** FHIR restful-interaction codes that differ from our action names. */
const INTERACTION_ACTIONS: Readonly<Record<string, string>> = { 'history-instance': 'history', 'search-type': 'search' };

/**
 * Reads the AuditEvent search parameters: `patient`, `agent` (user or client id), `action` /
 * `subtype` (our action name, a restful-interaction code, or C/U/D), `outcome` (0/4/8/12 or
 * success/denied/failure), `type` (rest/token/login/admin), `date` (`ge`/`gt`/`le`/`lt`/`eq`, any
 * precision; repeatable), `_count`, and the paging cursor `_before`. Other parameters are ignored,
 * or refused under `Prefer: handling=strict`.
 */
export function parseAuditSearch(query: readonly (readonly [string, string])[], strict: boolean): AuditSearch {
  const filter: { -readonly [K in keyof AuditFilter]: AuditFilter[K] } = {};
  const used: [string, string][] = [];
  let agent: string | undefined;
  let count = DEFAULT_AUDIT_COUNT;
  let before: number | undefined;
  const once = (name: string, current: unknown) => {
    if (current !== undefined) throw badRequest(`${name} may be given once`);
  };
  for (const [name, value] of query) {
    if (value === '' && name !== '_format') throw badRequest(`${name} needs a value`);
    switch (name) {
      case 'patient':
        once(name, filter.patientId);
        filter.patientId = value.replace(/^(?:.*\/)?Patient\//, '');
        break;
      case 'agent':
        once(name, agent);
        agent = value;
        break;
      case 'action':
      case 'subtype': {
        once('action/subtype', filter.action);
        const code = value.includes('|') ? value.slice(value.indexOf('|') + 1) : value;
        if (code === 'R' || code === 'E') throw badRequest(`action=${code} stands for several interactions; search by subtype (read, search…)`);
        filter.action = CRUD_ACTIONS[code] ?? INTERACTION_ACTIONS[code] ?? code;
        break;
      }
      case 'outcome':
        once(name, filter.outcome);
        filter.outcome = OUTCOMES[value] ?? invalid(name, '0, 4, 8, 12, success, denied or failure');
        break;
      case 'type': {
        once(name, filter.category);
        const code = value.includes('|') ? value.slice(value.indexOf('|') + 1) : value;
        if (!CATEGORIES.has(code)) invalid(name, 'rest, token, login or admin');
        filter.category = code as AuditCategory;
        break;
      }
      case 'date':
        applyDate(filter, value);
        break;
      case '_count':
        if (!/^\d{1,6}$/.test(value)) invalid(name, 'a whole number');
        count = Math.min(MAX_AUDIT_COUNT, Math.max(1, Number(value)));
        break;
      case '_before':
        if (!/^\d{1,15}$/.test(value)) invalid(name, 'a cursor from a next link');
        before = Number(value);
        continue; // not echoed: the links set their own cursor
      case '_format':
        continue;
      default:
        if (strict) throw badRequest(`Unknown search parameter ${name}`);
        continue;
    }
    used.push([name, value]);
  }
  return { filter, agent, count, before, used };
}

function applyDate(filter: { from?: Date; to?: Date }, value: string): void {
  const match = /^(eq|ge|gt|le|lt)?(.+)$/.exec(value)!;
  const prefix = match[1] ?? 'eq';
  const range = parseFhirDateRange(match[2]!);
  const raise = (from: number) => {
    if (filter.from === undefined || filter.from.getTime() < from) filter.from = new Date(from);
  };
  const lower = (to: number) => {
    if (filter.to === undefined || filter.to.getTime() > to) filter.to = new Date(to);
  };
  if (prefix === 'eq') {
    raise(range.low);
    lower(range.high);
  } else if (prefix === 'ge') raise(range.low);
  else if (prefix === 'gt') raise(range.high);
  else if (prefix === 'lt') lower(range.low);
  else lower(range.high);
}

function invalid(name: string, expected: string): never {
  throw badRequest(`${name} must be ${expected}`);
}
