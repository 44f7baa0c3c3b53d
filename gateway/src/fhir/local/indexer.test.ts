import { describe, expect, it } from 'vitest';
import type { Resource } from 'fhir/r4';
import { extractIndexRows, MAX_TIME, normalizeString, parseLocalReference } from './indexer.ts';

const BASE = 'https://portico.example/fhir';
const rows = (resource: Record<string, unknown>) =>
  extractIndexRows(resource.resourceType as Parameters<typeof extractIndexRows>[0], resource as unknown as Resource, BASE);
const ms = (iso: string) => Date.parse(iso);

describe('normalizeString', () => {
  it.each([
    ['Müller', 'muller'],
    ['MÜLLER', 'muller'],
    ['Ångström', 'angstrom'],
    ['José García', 'jose garcia'],
    ['Zoë', 'zoe'],
    ['smith', 'smith'],
  ])('%s → %s', (value, normalized) => {
    expect(normalizeString(value)).toBe(normalized);
  });
});

describe('HumanName', () => {
  it('indexes name on the text and on each part, family and given on their own parts', () => {
    const { strings } = rows({
      resourceType: 'Patient',
      name: [{ text: 'Dr. Jürgen K. Müller', family: 'Müller', given: ['Jürgen', 'K.'], prefix: ['Dr.'], suffix: ['PhD'] }],
    });
    const byParam = (param: string) => strings.filter((s) => s.param === param).map((s) => [s.exact, s.normalized]);
    expect(byParam('name')).toEqual([
      ['Dr. Jürgen K. Müller', 'dr. jurgen k. muller'],
      ['Müller', 'muller'],
      ['Jürgen', 'jurgen'],
      ['K.', 'k.'],
      ['Dr.', 'dr.'],
      ['PhD', 'phd'],
    ]);
    expect(byParam('family')).toEqual([['Müller', 'muller']]);
    expect(byParam('given')).toEqual([
      ['Jürgen', 'jurgen'],
      ['K.', 'k.'],
    ]);
  });

  it('indexes every name and drops duplicates and blank parts', () => {
    const { strings } = rows({ resourceType: 'Patient', name: [{ family: 'Smith', given: [' '] }, { family: 'Smith', use: 'old' }] });
    expect(strings.filter((s) => s.param === 'name')).toEqual([{ param: 'name', normalized: 'smith', exact: 'Smith' }]);
  });
});

describe('tokens', () => {
  it('keeps system and code, with null for a missing system, and no display text', () => {
    const { tokens } = rows({
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }], text: 'HR' },
      category: [{ coding: [{ code: 'vital-signs' }] }],
    });
    expect(tokens).toEqual(
      expect.arrayContaining([
        { param: 'code', system: 'http://loinc.org', code: '8867-4' },
        { param: 'category', system: null, code: 'vital-signs' },
        { param: 'status', system: null, code: 'final' },
      ]),
    );
    expect(tokens.some((t) => t.code === 'Heart rate' || t.code === 'HR')).toBe(false);
  });

  it('indexes identifiers with and without a system', () => {
    const { tokens } = rows({ resourceType: 'Patient', identifier: [{ system: 'urn:mrn', value: 'A1' }, { value: 'B2' }], gender: 'female' });
    expect(tokens).toEqual([
      { param: 'identifier', system: 'urn:mrn', code: 'A1' },
      { param: 'identifier', system: null, code: 'B2' },
      { param: 'gender', system: null, code: 'female' },
    ]);
  });
});

describe('dates as half-open ranges', () => {
  it.each([
    ['1980', '1980-01-01T00:00:00Z', '1981-01-01T00:00:00Z'],
    ['1980-02', '1980-02-01T00:00:00Z', '1980-03-01T00:00:00Z'],
    ['1981-02', '1981-02-01T00:00:00Z', '1981-03-01T00:00:00Z'],
    ['1980-04', '1980-04-01T00:00:00Z', '1980-05-01T00:00:00Z'],
    ['1980-02-29', '1980-02-29T00:00:00Z', '1980-03-01T00:00:00Z'],
  ])('birthDate %s → [%s, %s)', (birthDate, low, high) => {
    expect(rows({ resourceType: 'Patient', birthDate }).dates).toEqual([{ param: 'birthdate', low: ms(low), high: ms(high) }]);
  });

  it('normalises a dateTime with a zone offset to UTC, one second wide', () => {
    const { dates } = rows({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, effectiveDateTime: '2024-03-06T23:30:00-02:00' });
    expect(dates).toEqual([{ param: 'date', low: ms('2024-03-07T01:30:00Z'), high: ms('2024-03-07T01:30:01Z') }]);
  });

  it('covers a Period from the start of its first day to the end of its last', () => {
    const { dates } = rows({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, effectivePeriod: { start: '2024-03-01', end: '2024-03-10' } });
    expect(dates).toEqual([{ param: 'date', low: ms('2024-03-01T00:00:00Z'), high: ms('2024-03-11T00:00:00Z') }]);
  });

  it('ends a Period given to the month at the end of that month', () => {
    const { dates } = rows({ resourceType: 'Encounter', status: 'finished', class: { code: 'AMB' }, period: { start: '2024-02', end: '2024-02' } });
    expect(dates).toEqual([{ param: 'date', low: ms('2024-02-01T00:00:00Z'), high: ms('2024-03-01T00:00:00Z') }]);
  });

  it('gives an instant with milliseconds a one-millisecond range', () => {
    const { dates } = rows({ resourceType: 'Slot', status: 'free', schedule: { reference: 'Schedule/s' }, start: '2024-05-01T09:00:00.250Z', end: '2024-05-01T09:30:00Z' });
    expect(dates).toEqual([{ param: 'start', low: ms('2024-05-01T09:00:00.250Z'), high: ms('2024-05-01T09:00:00.251Z') }]);
  });

  it('leaves a Period without an end open', () => {
    const { dates } = rows({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, effectivePeriod: { start: '2024-04-01T00:00:00Z' } });
    expect(dates).toEqual([{ param: 'date', low: ms('2024-04-01T00:00:00Z'), high: MAX_TIME }]);
  });
});

describe('references', () => {
  it('keeps relative and versioned references, and absolute ones under this server, as Type/id', () => {
    const { references } = rows({
      resourceType: 'Appointment',
      status: 'booked',
      participant: [
        { actor: { reference: 'Patient/p1' }, status: 'accepted' },
        { actor: { reference: `${BASE}/Practitioner/d1` }, status: 'accepted' },
        { actor: { reference: 'Location/l1/_history/2' }, status: 'accepted' },
      ],
    });
    expect(references).toEqual(
      expect.arrayContaining([
        { param: 'patient', targetType: 'Patient', targetId: 'p1' },
        { param: 'actor', targetType: 'Patient', targetId: 'p1' },
        { param: 'actor', targetType: 'Practitioner', targetId: 'd1' },
        { param: 'practitioner', targetType: 'Practitioner', targetId: 'd1' },
        { param: 'actor', targetType: 'Location', targetId: 'l1' },
      ]),
    );
    expect(references).toHaveLength(5);
  });

  it('indexes an absolute local reference for type-restricted parameters such as Observation.patient', () => {
    const { references } = rows({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: `${BASE}/Patient/p2` } });
    expect(references).toEqual([
      { param: 'patient', targetType: 'Patient', targetId: 'p2' },
      { param: 'subject', targetType: 'Patient', targetId: 'p2' },
    ]);
  });

  it.each([
    ['another server', 'https://other.example/fhir/Patient/p1'],
    ['a server whose URL starts like ours', `${BASE}x/Patient/p1`],
    ['a urn:uuid', 'urn:uuid:8e4a5f0c-0000-4000-8000-000000000001'],
    ['a contained resource', '#c1'],
  ])('ignores a reference to %s', (_what, reference) => {
    expect(rows({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference } }).references).toEqual([]);
  });

  it('does not change the resource it indexes', () => {
    const resource = { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: `${BASE}/Patient/p2` } };
    rows(resource);
    expect(resource.subject.reference).toBe(`${BASE}/Patient/p2`);
  });
});

describe('parseLocalReference', () => {
  it.each([
    ['Patient/123', { targetType: 'Patient', targetId: '123' }],
    ['Patient/123/_history/4', { targetType: 'Patient', targetId: '123' }],
    [`${BASE}/Patient/123`, { targetType: 'Patient', targetId: '123' }],
    ['https://other.example/fhir/Patient/123', undefined],
    ['patient/123', undefined],
    ['Patient/a_b', undefined],
    ['Patient', undefined],
    ['Patient/123/extra', undefined],
  ])('%s → %j', (reference, expected) => {
    expect(parseLocalReference(reference, BASE)).toEqual(expected);
  });
});
