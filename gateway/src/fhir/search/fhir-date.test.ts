import { describe, expect, it } from 'vitest';
import { FhirError } from '../errors.ts';
import { parseFhirDateRange } from './fhir-date.ts';

const iso = (value: string) => {
  const { low, high } = parseFhirDateRange(value);
  return [new Date(low).toISOString(), new Date(high).toISOString()];
};

describe('parseFhirDateRange', () => {
  it.each([
    ['2026', '2026-01-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    ['2026-02', '2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z'],
    ['2024-02', '2024-02-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z'],
    ['2026-12', '2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    ['2026-03-15', '2026-03-15T00:00:00.000Z', '2026-03-16T00:00:00.000Z'],
    ['2026-12-31', '2026-12-31T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z', '2024-03-01T00:00:00.000Z'],
    ['2026-03-15T10:20Z', '2026-03-15T10:20:00.000Z', '2026-03-15T10:21:00.000Z'],
    ['2026-03-15T10:20:30Z', '2026-03-15T10:20:30.000Z', '2026-03-15T10:20:31.000Z'],
    ['2026-03-15T10:20:30.250Z', '2026-03-15T10:20:30.250Z', '2026-03-15T10:20:30.251Z'],
  ])('%s stands for [%s, %s)', (value, low, high) => {
    expect(iso(value)).toEqual([low, high]);
  });

  it('reads a dateTime without a zone as UTC', () => {
    expect(iso('2026-03-15T10:20:30')).toEqual(iso('2026-03-15T10:20:30Z'));
  });

  it.each([
    ['2026-03-15T12:00:00+02:00', '2026-03-15T10:00:00.000Z'],
    ['2026-03-15T05:00:00-05:00', '2026-03-15T10:00:00.000Z'],
    ['2026-03-15T15:30:00+05:30', '2026-03-15T10:00:00.000Z'],
    ['2026-01-01T01:00:00+02:00', '2025-12-31T23:00:00.000Z'],
    ['2026-03-15T10:00:00+00:00', '2026-03-15T10:00:00.000Z'],
    ['2026-03-15T00:00:00+14:00', '2026-03-14T10:00:00.000Z'],
  ])('applies the zone offset of %s', (value, utc) => {
    expect(iso(value)[0]).toBe(utc);
  });

  it('keeps years below 100 as themselves instead of 19xx', () => {
    expect(iso('0050')).toEqual(['0050-01-01T00:00:00.000Z', '0051-01-01T00:00:00.000Z']);
    expect(iso('0099-12-31')).toEqual(['0099-12-31T00:00:00.000Z', '0100-01-01T00:00:00.000Z']);
  });

  it.each([
    '',
    '26',
    '2026-1',
    '2026-13',
    '2026-00',
    '2026-02-30',
    '2025-02-29',
    '2026-04-31',
    '2026-03-00',
    '2026-03-15T24:00:00Z',
    '2026-03-15T10:60:00Z',
    '2026-03-15T10',
    '2026-03-15T10:00:00+2',
    '2026-02-30T10:00:00Z',
    '2026-03-15 10:00:00',
    'today',
    '2026-03-15T10:00:00ZZ',
    'ge2026',
    '2026-03-15T10:00:00+25:00',
    '2026-03-15T10:00:00+02:99',
  ])('refuses %j with a 400 FhirError', (value) => {
    let thrown: unknown;
    try {
      parseFhirDateRange(value);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(FhirError);
    expect((thrown as FhirError).status).toBe(400);
  });
});
