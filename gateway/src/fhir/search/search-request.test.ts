import { describe, expect, it } from 'vitest';
import { FhirError } from '../errors.ts';
import { DEFAULT_COUNT, MAX_COUNT, MAX_FILTERS, MAX_SORT_KEYS, MAX_VALUES, parseSearchRequest, splitValues, type SearchFilter } from './search-request.ts';

type Query = [string, string][];
const parse = (type: Parameters<typeof parseSearchRequest>[0], query: Query, strict = false) => parseSearchRequest(type, query, strict);
const onlyFilter = (type: Parameters<typeof parseSearchRequest>[0], query: Query): SearchFilter => {
  const { filters } = parse(type, query);
  expect(filters).toHaveLength(1);
  return filters[0]!;
};

function expect400(run: () => unknown, message?: RegExp): void {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(FhirError);
  expect((thrown as FhirError).status).toBe(400);
  if (message) expect((thrown as FhirError).message).toMatch(message);
}

describe('splitValues', () => {
  it('splits on commas and keeps escaped commas (with their escape) inside a value', () => {
    expect(splitValues('a,b,c')).toEqual(['a', 'b', 'c']);
    expect(splitValues('a\\,b,c')).toEqual(['a\\,b', 'c']);
    expect(splitValues('a\\\\,b')).toEqual(['a\\\\', 'b']);
  });

  it(`takes up to ${MAX_VALUES} values and refuses more with 400`, () => {
    const list = (n: number) => Array.from({ length: n }, (_, i) => `v${i}`).join(',');
    expect(splitValues(list(MAX_VALUES))).toHaveLength(MAX_VALUES);
    expect400(() => splitValues(list(MAX_VALUES + 1)), /at most/);
  });

  it('drops empty pieces but refuses a value that is only commas', () => {
    expect(splitValues('a,,b,')).toEqual(['a', 'b']);
    expect400(() => splitValues(','));
  });
});

describe('token values', () => {
  it.each([
    ['male', { system: undefined, code: 'male' }],
    ['http://loinc.org|8867-4', { system: 'http://loinc.org', code: '8867-4' }],
    ['|code', { system: null, code: 'code' }],
    ['urn:mrn|', { system: 'urn:mrn', code: undefined }],
    ['urn:a\\|b|c', { system: 'urn:a|b', code: 'c' }],
    ['urn:odd|A\\,B\\|C', { system: 'urn:odd', code: 'A,B|C' }],
    ['a\\\\|b', { system: 'a\\', code: 'b' }],
  ])('%s → %j', (raw, expected) => {
    const filter = onlyFilter('Patient', [['identifier', raw]]);
    expect(filter).toEqual({ kind: 'token', param: 'identifier', negate: false, values: [expected] });
  });

  it(':not negates, and comma values are alternatives', () => {
    expect(onlyFilter('Patient', [['gender:not', 'male,female']])).toEqual({
      kind: 'token',
      param: 'gender',
      negate: true,
      values: [
        { system: undefined, code: 'male' },
        { system: undefined, code: 'female' },
      ],
    });
  });
});

describe('string values', () => {
  it.each([
    ['name', 'prefix'],
    ['name:exact', 'exact'],
    ['name:contains', 'contains'],
  ] as const)('%s matches by %s', (name, match) => {
    expect(onlyFilter('Patient', [[name, 'Mül\\,ler,Smith']])).toEqual({ kind: 'string', param: 'name', match, values: ['Mül,ler', 'Smith'] });
  });
});

describe('date values', () => {
  it.each(['eq', 'ne', 'lt', 'gt', 'le', 'ge', 'sa', 'eb'])('reads the %s prefix', (prefix) => {
    const filter = onlyFilter('Patient', [['birthdate', `${prefix}2026-03-15`]]);
    expect(filter).toEqual({
      kind: 'date',
      param: 'birthdate',
      values: [{ prefix, low: Date.parse('2026-03-15T00:00:00Z'), high: Date.parse('2026-03-16T00:00:00Z') }],
    });
  });

  it('defaults to eq', () => {
    expect(onlyFilter('Patient', [['birthdate', '2026']])).toMatchObject({ values: [{ prefix: 'eq' }] });
  });

  it('refuses ap (not offered) and unknown prefixes', () => {
    expect400(() => parse('Patient', [['birthdate', 'ap2026']]), /prefix/);
    expect400(() => parse('Patient', [['birthdate', 'xx2026']]), /prefix/);
  });

  it('reads _lastUpdated as a date on the resource row', () => {
    expect(onlyFilter('Patient', [['_lastUpdated', 'gt2026-01-01T00:00:00Z']])).toEqual({
      kind: 'lastUpdated',
      values: [{ prefix: 'gt', low: Date.parse('2026-01-01T00:00:00Z'), high: Date.parse('2026-01-01T00:00:01Z') }],
    });
  });
});

describe('reference values', () => {
  it.each([
    ['subject', 'Patient/1', { type: 'Patient', id: '1' }],
    ['subject', '1', { type: undefined, id: '1' }],
    ['patient', '1', { type: 'Patient', id: '1' }],
    ['subject:Patient', '1', { type: 'Patient', id: '1' }],
    ['subject', 'http://localhost/fhir/Patient/1', { type: 'Patient', id: '1' }],
  ])('Observation %s=%s → %j', (name, raw, expected) => {
    expect(onlyFilter('Observation', [[name, raw]])).toMatchObject({ kind: 'reference', values: [expected] });
  });

  it.each([
    ['subject', 'Patient/bad_id'],
    ['subject', 'patient/1'],
    ['subject:Practitioner', '1'],
    ['subject:Patient', ''.padEnd(65, 'a')],
  ])('refuses Observation %s=%s', (name, raw) => {
    expect400(() => parse('Observation', [[name, raw]]));
  });
});

describe('modifiers and unknown parameters', () => {
  it.each([
    ['name:sounds', 'x'],
    ['gender:exact', 'male'],
    ['gender:contains', 'ma'],
    ['birthdate:exact', '2026'],
    ['_id:exact', 'x'],
    ['_lastUpdated:missing', 'true'],
    ['birthdate:missing', 'yes'],
  ])('refuses %s=%s with 400', (name, raw) => {
    expect400(() => parse('Patient', [[name, raw]]));
  });

  it(':missing works on every indexed parameter type', () => {
    expect(onlyFilter('Patient', [['birthdate:missing', 'true']])).toEqual({ kind: 'missing', param: 'birthdate', paramType: 'date', missing: true });
    expect(onlyFilter('Patient', [['name:missing', 'false']])).toEqual({ kind: 'missing', param: 'name', paramType: 'string', missing: false });
  });

  it('drops unknown parameters and leaves them out of `used`, unless strict', () => {
    const request = parse('Patient', [['shoe-size', '44'], ['gender', 'male']]);
    expect(request.filters).toHaveLength(1);
    expect(request.used).toEqual([['gender', 'male']]);
    expect400(() => parse('Patient', [['shoe-size', '44']], true), /shoe-size/);
  });

  it('ignores empty values, _format and _pretty, even when strict', () => {
    const request = parse('Patient', [['gender', ''], ['_format', 'json'], ['_pretty', 'true']], true);
    expect(request.filters).toEqual([]);
    expect(request.used).toEqual([]);
  });

  it('refuses a parameter of another resource type only when strict', () => {
    expect(parse('Practitioner', [['birthdate', '2026']]).filters).toEqual([]);
    expect400(() => parse('Practitioner', [['birthdate', '2026']], true));
  });
});

describe('result parameters', () => {
  it('defaults to 20 a page from offset 0, with accurate totals', () => {
    expect(parse('Patient', [])).toMatchObject({ count: DEFAULT_COUNT, offset: 0, total: 'accurate', summaryCount: false, sort: [] });
  });

  it('lowers a _count above the maximum, repeats the lowered value in `used` and keeps _offset out', () => {
    const request = parse('Patient', [['_count', '100000'], ['_offset', '40']]);
    expect(request.count).toBe(MAX_COUNT);
    expect(request.offset).toBe(40);
    expect(request.used).toEqual([['_count', String(MAX_COUNT)]]);
  });

  it.each([['_count', 'abc'], ['_count', '-1'], ['_count', '1e3'], ['_offset', '-1'], ['_count', '9999999999']])('refuses %s=%s', (name, raw) => {
    expect400(() => parse('Patient', [[name, raw]]));
  });

  it('parses _sort keys with direction', () => {
    expect(parse('Observation', [['_sort', '-date,code,_id,-_lastUpdated']]).sort).toEqual([
      { param: 'date', type: 'date', descending: true },
      { param: 'code', type: 'token', descending: false },
      { param: '_id', type: 'id', descending: false },
      { param: '_lastUpdated', type: 'lastUpdated', descending: true },
    ]);
    expect400(() => parse('Observation', [['_sort', 'subject']]));
    expect400(() => parse('Observation', [['_sort', 'date;DROP TABLE x']]));
  });

  it(`takes up to ${MAX_FILTERS} search parameters and ${MAX_SORT_KEYS} sort keys`, () => {
    const filters = (n: number): Query => Array.from({ length: n }, (_, i) => ['identifier', `urn:x|${i}`]);
    expect(parse('Patient', filters(MAX_FILTERS)).filters).toHaveLength(MAX_FILTERS);
    expect400(() => parse('Patient', filters(MAX_FILTERS + 1)), /at most/);
    const sort = (n: number) => Array.from({ length: n }, () => 'name').join(',');
    expect(parse('Patient', [['_sort', sort(MAX_SORT_KEYS)]]).sort).toHaveLength(MAX_SORT_KEYS);
    expect400(() => parse('Patient', [['_sort', sort(MAX_SORT_KEYS + 1)]]), /at most/);
  });

  it('parses _summary and _total', () => {
    expect(parse('Patient', [['_summary', 'count']]).summaryCount).toBe(true);
    expect(parse('Patient', [['_summary', 'false']]).summaryCount).toBe(false);
    expect(parse('Patient', [['_total', 'none']]).total).toBe('none');
    expect(parse('Patient', [['_total', 'estimate']]).total).toBe('accurate');
    expect400(() => parse('Patient', [['_summary', 'text']]));
    expect400(() => parse('Patient', [['_total', 'some']]));
  });

  it('parses _include and _revinclude rules', () => {
    const request = parse('Patient', [['_revinclude', 'Observation:subject'], ['_revinclude', 'Appointment:actor:Patient']]);
    expect(request.revincludes).toEqual([
      { sourceType: 'Observation', param: 'subject', targetType: undefined },
      { sourceType: 'Appointment', param: 'actor', targetType: 'Patient' },
    ]);
    expect(parse('Appointment', [['_include', 'Appointment:actor:Practitioner']]).includes).toEqual([
      { sourceType: 'Appointment', param: 'actor', targetType: 'Practitioner' },
    ]);
    expect400(() => parse('Patient', [['_include', 'Observation:subject']]));
    expect400(() => parse('Observation', [['_include', 'Observation:code']]));
    expect400(() => parse('Observation', [['_include', 'Observation:subject:Spaceship']]));
    expect400(() => parse('Observation', [['_include', '*']]));
  });
});
