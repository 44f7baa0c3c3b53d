import { badRequest, FhirError } from '../errors.ts';
import {
  indexedParams,
  isServedType,
  type IndexedParamType,
  type ServedResourceType,
} from '../search-parameters.ts';
import { parseFhirDateRange, type TimeRange } from './fhir-date.ts';

/** FHIR date prefixes (http://hl7.org/fhir/R4/search.html#prefix); `ap` is not offered. */
export type DatePrefix = 'eq' | 'ne' | 'lt' | 'gt' | 'le' | 'ge' | 'sa' | 'eb';

export interface TokenValue {
  /** undefined: any system; null: no system (`|code`). */
  readonly system: string | null | undefined;
  /** undefined: any code (`system|`). */
  readonly code: string | undefined;
}
export interface DateValue extends TimeRange {
  readonly prefix: DatePrefix;
}
export interface ReferenceValue {
  readonly type: string | undefined;
  readonly id: string;
}

/** One search parameter occurrence; its values are OR-ed, occurrences are AND-ed. */
export type SearchFilter =
  | { readonly kind: 'token'; readonly param: string; readonly negate: boolean; readonly values: readonly TokenValue[] }
  | { readonly kind: 'id'; readonly values: readonly string[] }
  | { readonly kind: 'string'; readonly param: string; readonly match: 'prefix' | 'exact' | 'contains'; readonly values: readonly string[] }
  | { readonly kind: 'date'; readonly param: string; readonly values: readonly DateValue[] }
  | { readonly kind: 'lastUpdated'; readonly values: readonly DateValue[] }
  | { readonly kind: 'reference'; readonly param: string; readonly values: readonly ReferenceValue[] }
  | { readonly kind: 'missing'; readonly param: string; readonly paramType: IndexedParamType; readonly missing: boolean }
  /** Added by access control, never parsed from a query: resources in one patient's compartment. */
  | {
      readonly kind: 'compartment';
      readonly patientId: string;
      readonly params: readonly string[];
      /** Also match resources in no patient's compartment (e.g. a practitioner's Schedule). */
      readonly orUnowned?: boolean;
    }
  /** Added by access control (granular scopes): resources matching all filters of at least one alternative. */
  | { readonly kind: 'anyOf'; readonly alternatives: readonly (readonly SearchFilter[])[] };

export interface SortRule {
  /** An indexed token, string or date parameter, `_id` or `_lastUpdated`. */
  readonly param: string;
  readonly type: 'token' | 'string' | 'date' | 'id' | 'lastUpdated';
  readonly descending: boolean;
}

export interface IncludeRule {
  readonly sourceType: ServedResourceType;
  readonly param: string;
  readonly targetType: string | undefined;
}

export interface SearchRequest {
  readonly resourceType: ServedResourceType;
  readonly filters: readonly SearchFilter[];
  readonly sort: readonly SortRule[];
  readonly count: number;
  readonly offset: number;
  readonly summaryCount: boolean;
  readonly total: 'accurate' | 'none';
  readonly includes: readonly IncludeRule[];
  readonly revincludes: readonly IncludeRule[];
  /** The parameters that were understood, as received: what `Bundle.link` URLs repeat. */
  readonly used: readonly (readonly [string, string])[];
}

export const DEFAULT_COUNT = 20;
/** Larger `_count` values are lowered to this (documented in the CapabilityStatement). */
export const MAX_COUNT = 1000;

// Each value and each parameter adds to one SQL statement, which SQLite caps (expression depth 1000,
// 32766 bound values); past these limits a search is refused with 400 instead of failing with 500.
/** Most comma-separated values one search parameter may carry. */
export const MAX_VALUES = 100;
/** Most search parameters one search may combine. */
export const MAX_FILTERS = 50;
/** Most `_sort` keys. */
export const MAX_SORT_KEYS = 10;

const DATE_PREFIXES: readonly DatePrefix[] = ['eq', 'ne', 'lt', 'gt', 'le', 'ge', 'sa', 'eb'];
const IGNORED_RESULT_PARAMS = new Set(['_format', '_pretty']);

/**
 * Parses a search query against the parameters the store indexes. Unknown parameters are dropped,
 * or refused when `strict` (`Prefer: handling=strict`); unknown modifiers and malformed values are
 * always refused with 400.
 */
export function parseSearchRequest(
  resourceType: ServedResourceType,
  query: Iterable<readonly [string, string]>,
  strict: boolean,
): SearchRequest {
  const params = indexedParams(resourceType);
  const filters: SearchFilter[] = [];
  const used: [string, string][] = [];
  const includes: IncludeRule[] = [];
  const revincludes: IncludeRule[] = [];
  let sort: SortRule[] = [];
  let count = DEFAULT_COUNT;
  let offset = 0;
  let summaryCount = false;
  let total: 'accurate' | 'none' = 'accurate';

  for (const [name, raw] of query) {
    const [code = '', modifier] = splitOnce(name, ':');
    const keep = () => used.push([name, raw]);
    switch (code) {
      case '_count':
        count = Math.min(parseNonNegativeInt('_count', raw), MAX_COUNT);
        used.push([name, String(count)]); // links show the page size actually served
        continue;
      case '_offset':
        offset = parseNonNegativeInt('_offset', raw);
        continue; // paging links set it themselves
      case '_sort':
        sort = parseSort(resourceType, raw);
        keep();
        continue;
      case '_summary':
        if (raw === 'count') summaryCount = true;
        else if (raw !== 'false') throw badRequest('_summary supports only "count" and "false"');
        keep();
        continue;
      case '_total':
        if (raw !== 'none' && raw !== 'accurate' && raw !== 'estimate') throw badRequest('_total must be none, estimate or accurate');
        total = raw === 'none' ? 'none' : 'accurate';
        keep();
        continue;
      case '_include':
        includes.push(parseInclude(raw, (source) => source === resourceType, '_include'));
        keep();
        continue;
      case '_revinclude':
        revincludes.push(parseInclude(raw, () => true, '_revinclude'));
        keep();
        continue;
    }
    // An empty value (`?name=`) constrains nothing; servers commonly ignore it, and so do we.
    if (IGNORED_RESULT_PARAMS.has(code) || raw === '') continue;

    const filter = parseFilter(resourceType, code, modifier, raw, params);
    if (filter === undefined) {
      if (strict) throw badRequest(`Unknown search parameter "${code}" for ${resourceType}`);
      continue;
    }
    filters.push(filter);
    keep();
  }
  if (filters.length > MAX_FILTERS) throw tooCostly(`A search may combine at most ${MAX_FILTERS} parameters`);
  return { resourceType, filters, sort, count, offset, summaryCount, total, includes, revincludes, used };
}

function parseFilter(
  resourceType: ServedResourceType,
  code: string,
  modifier: string | undefined,
  raw: string,
  params: ReturnType<typeof indexedParams>,
): SearchFilter | undefined {
  if (code === '_id') {
    if (modifier !== undefined) throw unknownModifier(code, modifier);
    return { kind: 'id', values: splitValues(raw).map(unescape) };
  }
  if (code === '_lastUpdated') {
    if (modifier !== undefined) throw unknownModifier(code, modifier);
    return { kind: 'lastUpdated', values: splitValues(raw).map(parseDateValue) };
  }
  const param = params.get(code);
  if (!param) return undefined;
  if (modifier === 'missing') {
    if (raw !== 'true' && raw !== 'false') throw badRequest(`${code}:missing must be true or false`);
    return { kind: 'missing', param: code, paramType: param.type, missing: raw === 'true' };
  }
  const values = splitValues(raw);
  switch (param.type) {
    case 'token':
      if (modifier !== undefined && modifier !== 'not') throw unknownModifier(code, modifier);
      return { kind: 'token', param: code, negate: modifier === 'not', values: values.map(parseTokenValue) };
    case 'string':
      if (modifier !== undefined && modifier !== 'exact' && modifier !== 'contains') throw unknownModifier(code, modifier);
      return { kind: 'string', param: code, match: modifier ?? 'prefix', values: values.map(unescape) };
    case 'date':
      if (modifier !== undefined) throw unknownModifier(code, modifier);
      return { kind: 'date', param: code, values: values.map(parseDateValue) };
    case 'reference': {
      // A type modifier (`subject:Patient=123`) narrows the target; chains are not offered.
      if (modifier !== undefined && !param.targets.includes(modifier)) throw unknownModifier(code, modifier);
      const onlyTarget = param.targets.length === 1 ? param.targets[0] : undefined;
      return {
        kind: 'reference',
        param: code,
        values: values.map((v) => parseReferenceValue(v, modifier ?? onlyTarget, resourceType, code)),
      };
    }
  }
}

function parseTokenValue(raw: string): TokenValue {
  const bar = indexOfUnescaped(raw, '|');
  if (bar < 0) return { system: undefined, code: nonEmptyOr(unescape(raw)) };
  const system = unescape(raw.slice(0, bar));
  const code = unescape(raw.slice(bar + 1));
  return { system: system === '' ? null : system, code: nonEmptyOr(code) };
}

function parseDateValue(raw: string): DateValue {
  const candidate = raw.slice(0, 2) as DatePrefix;
  const hasPrefix = /^[a-z]{2}/.test(raw);
  if (hasPrefix && !DATE_PREFIXES.includes(candidate)) throw badRequest(`Unsupported date prefix "${raw.slice(0, 2)}"`);
  const prefix = hasPrefix ? candidate : 'eq';
  return { prefix, ...parseFhirDateRange(hasPrefix ? raw.slice(2) : raw) };
}

const ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;

function parseReferenceValue(raw: string, impliedType: string | undefined, resourceType: string, code: string): ReferenceValue {
  const value = unescape(raw);
  const parts = value.split('/').filter((p) => p !== '');
  // Absolute URLs (`https://host/fhir/Patient/1`) are matched by their last two segments.
  const id = parts.at(-1) ?? '';
  const type = parts.length >= 2 ? parts.at(-2) : impliedType;
  if (!ID_PATTERN.test(id) || (type !== undefined && !/^[A-Z][A-Za-z]+$/.test(type))) {
    throw badRequest(`Invalid reference value for ${resourceType}.${code}: expected Type/id or an id`);
  }
  return { type, id };
}

function parseSort(resourceType: ServedResourceType, raw: string): SortRule[] {
  const params = indexedParams(resourceType);
  const items = raw.split(',');
  if (items.length > MAX_SORT_KEYS) throw tooCostly(`_sort takes at most ${MAX_SORT_KEYS} keys`);
  return items.map((item) => {
    const descending = item.startsWith('-');
    const param = descending ? item.slice(1) : item;
    const type = param === '_id' ? 'id' : param === '_lastUpdated' ? 'lastUpdated' : params.get(param)?.type;
    if (type === undefined || type === 'reference') throw badRequest(`Cannot sort ${resourceType} by "${param}"`);
    return { param, type, descending };
  });
}

function parseInclude(raw: string, sourceAllowed: (type: string) => boolean, name: string): IncludeRule {
  const [sourceType = '', param = '', targetType, extra] = raw.split(':');
  const definition = isServedType(sourceType) ? indexedParams(sourceType).get(param) : undefined;
  if (extra !== undefined || !sourceAllowed(sourceType) || definition?.type !== 'reference') {
    throw badRequest(`${name} must name a reference parameter of the form Type:param[:TargetType]`);
  }
  if (targetType !== undefined && !definition.targets.includes(targetType)) {
    throw badRequest(`${name} target type ${targetType} is not a target of ${sourceType}.${param}`);
  }
  return { sourceType: sourceType as ServedResourceType, param, targetType };
}

function parseNonNegativeInt(name: string, raw: string): number {
  if (!/^\d{1,9}$/.test(raw)) throw badRequest(`${name} must be a whole number of zero or more`);
  return Number(raw);
}

function tooCostly(diagnostics: string): FhirError {
  return new FhirError(400, 'too-costly', diagnostics);
}

function unknownModifier(code: string, modifier: string) {
  return badRequest(`Unsupported modifier :${modifier} on search parameter ${code}`);
}

/**
 * Splits on commas not escaped with a backslash (http://hl7.org/fhir/R4/search.html#escaping); the
 * pieces keep their escapes, which each value parser removes once it has found its own separators.
 */
export function splitValues(raw: string): string[] {
  const values: string[] = [];
  let start = 0;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === '\\') i++;
    else if (raw[i] === ',') {
      values.push(raw.slice(start, i));
      start = i + 1;
    }
  }
  values.push(raw.slice(start));
  const kept = values.filter((v) => v !== '');
  if (kept.length === 0) throw badRequest('A search parameter needs at least one value');
  if (kept.length > MAX_VALUES) throw tooCostly(`A search parameter takes at most ${MAX_VALUES} values`);
  return kept;
}

function indexOfUnescaped(raw: string, char: string): number {
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === '\\') i++;
    else if (raw[i] === char) return i;
  }
  return -1;
}

function unescape(value: string): string {
  return value.replace(/\\([\\,|$])/g, '$1');
}

function nonEmptyOr(value: string): string | undefined {
  return value === '' ? undefined : value;
}

function splitOnce(value: string, separator: string): [string, string | undefined] {
  const at = value.indexOf(separator);
  return at < 0 ? [value, undefined] : [value.slice(0, at), value.slice(at + 1)];
}
