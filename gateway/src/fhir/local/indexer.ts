import {
  convertToSearchableDates,
  convertToSearchableReferences,
  convertToSearchableStrings,
  convertToSearchableTokens,
  evalFhirPathTyped,
  toTypedValue,
  type TypedValue,
} from '@medplum/core';
import type { Resource } from 'fhir/r4';
import { indexedParams, type ServedResourceType } from '../search-parameters.ts';
import { parseFhirDateRange, type TimeRange } from '../search/fhir-date.ts';

export interface TokenRow {
  param: string;
  system: string | null;
  code: string;
}
export interface StringRow {
  param: string;
  normalized: string;
  exact: string;
}
export interface DateRow {
  param: string;
  low: number;
  high: number;
}
export interface ReferenceRow {
  param: string;
  targetType: string;
  targetId: string;
}

export interface IndexRows {
  tokens: TokenRow[];
  strings: StringRow[];
  dates: DateRow[];
  references: ReferenceRow[];
}

/** Open ends of a period, as far as a JavaScript Date reaches. */
export const MIN_TIME = -8.64e15;
export const MAX_TIME = 8.64e15;

/** Longest string value kept in the index; searches compare prefixes, so the tail adds nothing. */
const MAX_INDEXED_STRING = 200;

// Text and display values of codings are not tokens; medplum's converter tags them with this system.
const TEXT_SYSTEM = 'urn:portico:text';

/**
 * Extracts the values of every indexed search parameter of a resource, evaluating the HL7 FHIRPath
 * expressions. References are kept only when they point inside this server (`Type/id`, or an absolute
 * URL under `fhirBaseUrl`).
 */
export function extractIndexRows(type: ServedResourceType, resource: Resource, fhirBaseUrl: string): IndexRows {
  const rows: IndexRows = { tokens: [], strings: [], dates: [], references: [] };
  const input = [toTypedValue(relativeLocalReferences(resource, fhirBaseUrl) as Resource)];
  for (const param of indexedParams(type).values()) {
    const values = evalFhirPathTyped(param.expression, input);
    if (values.length === 0) continue;
    switch (param.type) {
      case 'token':
        for (const token of convertToSearchableTokens(values, { textSearchSystem: TEXT_SYSTEM })) {
          if (token.value === undefined || token.value === '' || token.system === TEXT_SYSTEM) continue;
          rows.tokens.push({ param: param.code, system: token.system ?? null, code: token.value });
        }
        break;
      case 'string':
        for (const value of searchableStrings(values)) {
          const exact = value.slice(0, MAX_INDEXED_STRING);
          rows.strings.push({ param: param.code, normalized: normalizeString(exact), exact });
        }
        break;
      case 'date':
        for (const { low, high } of dateRanges(values)) {
          if (Number.isNaN(low) || Number.isNaN(high)) continue;
          rows.dates.push({ param: param.code, low, high });
        }
        break;
      case 'reference':
        for (const reference of convertToSearchableReferences(values)) {
          const target = parseLocalReference(reference, fhirBaseUrl);
          if (target) rows.references.push({ param: param.code, ...target });
        }
        break;
    }
  }
  return dedupe(rows);
}

/** Lower-cased, with accents removed: "Müller" and "muller" index alike. */
export function normalizeString(value: string): string {
  return value.normalize('NFD').replace(/\p{Diacritic}/gu, '').toLowerCase();
}

/**
 * `Patient/123`, `Patient/123/_history/2` or `{fhirBaseUrl}/Patient/123` → its type and id;
 * anything else (contained, external, urn:uuid) → undefined.
 */
export function parseLocalReference(
  reference: string,
  fhirBaseUrl: string,
): { targetType: string; targetId: string } | undefined {
  let relative = reference;
  if (reference.startsWith(fhirBaseUrl + '/')) relative = reference.slice(fhirBaseUrl.length + 1);
  const match = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/.exec(relative);
  return match ? { targetType: match[1]!, targetId: match[2]! } : undefined;
}

/**
 * A copy of the resource whose absolute references to this server read `Type/id`. FHIRPath's
 * `resolve()` takes the type from the reference's first segment, so parameters such as
 * Observation.patient (`subject.where(resolve() is Patient)`) would miss `{fhirBaseUrl}/Patient/1`.
 * The stored resource keeps the references as written.
 */
function relativeLocalReferences(value: unknown, fhirBaseUrl: string): unknown {
  if (Array.isArray(value)) return value.map((v) => relativeLocalReferences(v, fhirBaseUrl));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) =>
      key === 'reference' && typeof child === 'string' && child.startsWith(fhirBaseUrl + '/')
        ? [key, child.slice(fhirBaseUrl.length + 1)]
        : [key, relativeLocalReferences(child, fhirBaseUrl)],
    ),
  );
}

/**
 * Dates, dateTimes, instants and Periods become ranges by their precision, read as search values are
 * (parseFhirDateRange), so `birthdate=1980-02` finds a birthDate of 1980-02. medplum's converter,
 * kept for other types such as Timing, ends a month 31 days after its start, which reaches into
 * March for February.
 */
function dateRanges(values: TypedValue[]): TimeRange[] {
  return values.flatMap(({ type, value }): TimeRange[] => {
    if ((type === 'date' || type === 'dateTime' || type === 'instant') && typeof value === 'string') {
      const range = rangeOf(value);
      return range ? [range] : [];
    }
    if (type === 'Period') {
      const { start, end } = value as { start?: string; end?: string };
      return [{ low: start ? (rangeOf(start)?.low ?? NaN) : MIN_TIME, high: end ? (rangeOf(end)?.high ?? NaN) : MAX_TIME }];
    }
    // medplum gives inclusive ends (…59.999Z); the index keeps half-open ranges.
    return convertToSearchableDates([{ type, value }]).map((period) => ({
      low: period.start ? Date.parse(period.start) : MIN_TIME,
      high: period.end ? Date.parse(period.end) + 1 : MAX_TIME,
    }));
  });
}

/** The range of a stored date value; undefined for one that is not a FHIR date (never indexed). */
function rangeOf(value: string): TimeRange | undefined {
  try {
    return parseFhirDateRange(value);
  } catch {
    return undefined;
  }
}

/** A HumanName or Address matches on each of its parts, not only on the whole joined text. */
function searchableStrings(values: TypedValue[]): string[] {
  const out: string[] = [];
  for (const { type, value } of values) {
    if (type === 'HumanName') {
      const name = value as { text?: string; family?: string; given?: string[]; prefix?: string[]; suffix?: string[] };
      out.push(...[name.text, name.family, ...(name.given ?? []), ...(name.prefix ?? []), ...(name.suffix ?? [])].filter(isText));
    } else if (type === 'Address') {
      const a = value as { text?: string; line?: string[]; city?: string; district?: string; state?: string; postalCode?: string; country?: string };
      out.push(...[a.text, ...(a.line ?? []), a.city, a.district, a.state, a.postalCode, a.country].filter(isText));
    } else {
      out.push(...convertToSearchableStrings([{ type, value }]).filter(isText));
    }
  }
  return out;
}

function isText(value: string | undefined): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function dedupe(rows: IndexRows): IndexRows {
  const unique = <T>(items: T[]) => {
    const seen = new Set<string>();
    return items.filter((item) => {
      const key = JSON.stringify(item);
      return seen.has(key) ? false : (seen.add(key), true);
    });
  };
  return {
    tokens: unique(rows.tokens),
    strings: unique(rows.strings),
    dates: unique(rows.dates),
    references: unique(rows.references),
  };
}
