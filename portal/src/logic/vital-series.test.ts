import { describe, expect, it } from 'vitest';
import type { Observation } from 'fhir/r4';
import { VITAL_SIGNS } from '@portico/shared/fhir/vital-signs';
import { pressurePoints, quantityPoints, summarizePressure, summarizeQuantity, withinMonths } from './vital-series.ts';

const LOINC = 'http://loinc.org';
const code = (c: string) => ({ coding: [{ system: LOINC, code: c }] });
const mmHg = (value: number) => ({ value, unit: 'mm[Hg]', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' });

function panel(when: string, systolic: number, diastolic: number, performer = 'Patient/p1'): Observation {
  return {
    resourceType: 'Observation',
    status: 'final',
    code: code('85354-9'),
    effectiveDateTime: when,
    performer: [{ reference: performer }],
    component: [
      { code: code('8480-6'), valueQuantity: mmHg(systolic) },
      { code: code('8462-4'), valueQuantity: mmHg(diastolic) },
    ],
  };
}
const single = (c: string, when: string, value: number, status: Observation['status'] = 'final'): Observation => ({
  resourceType: 'Observation',
  status,
  code: code(c),
  effectiveDateTime: when,
  valueQuantity: { value },
});

describe('pressurePoints', () => {
  it('pairs systolic and diastolic from panels and from separate Observations taken together', () => {
    const points = pressurePoints([
      panel('2026-02-01T08:00:00Z', 130, 85),
      single('8462-4', '2026-01-01T08:00:00Z', 80),
      single('8480-6', '2026-01-01T08:00:00Z', 125),
      single('8480-6', '2026-01-15T08:00:00Z', 140), // no diastolic at that moment: left out
      panel('2025-12-01T08:00:00Z', 120, 78, 'Practitioner/x'),
    ]);
    expect(points).toEqual([
      { t: Date.parse('2025-12-01T08:00:00Z'), systolic: 120, diastolic: 78, home: false },
      { t: Date.parse('2026-01-01T08:00:00Z'), systolic: 125, diastolic: 80, home: false },
      { t: Date.parse('2026-02-01T08:00:00Z'), systolic: 130, diastolic: 85, home: true },
    ]);
  });
});

describe('quantityPoints', () => {
  it('keeps readings of the sign’s LOINC code, oldest first, without entered-in-error ones', () => {
    const points = quantityPoints(
      [
        single('29463-7', '2026-02-01T08:00:00Z', 71.5),
        single('8867-4', '2026-02-01T08:00:00Z', 64),
        single('29463-7', '2026-01-01T08:00:00Z', 72.4),
        single('29463-7', '2026-01-20T08:00:00Z', 99, 'entered-in-error'),
      ],
      VITAL_SIGNS.bodyWeight,
    );
    expect(points.map((p) => p.value)).toEqual([72.4, 71.5]);
  });
});

describe('withinMonths and summaries', () => {
  const now = new Date('2026-03-02T09:00:00Z');
  const points = [
    { t: Date.parse('2025-03-10T00:00:00Z'), value: 80, home: true },
    { t: Date.parse('2025-10-01T00:00:00Z'), value: 78, home: true },
    { t: Date.parse('2026-01-10T00:00:00Z'), value: 76.5, home: true },
    { t: Date.parse('2026-02-20T00:00:00Z'), value: 75, home: true },
  ];

  it('keeps 2, 3 and 4 readings for 3, 6 and 12 months', () => {
    expect([3, 6, 12].map((m) => withinMonths(points, m, now).length)).toEqual([2, 3, 4]);
  });

  it('describes a series in words', () => {
    expect(summarizeQuantity('Weight', 'kg', withinMonths(points, 6, now), 6)).toBe(
      'Weight over the last 6 months: 3 readings, lowest 75, highest 78 kg; from first to latest it went down by 3.',
    );
    expect(summarizeQuantity('Weight', 'kg', [], 3)).toBe('Weight: no readings in the last 3 months.');
    expect(
      summarizePressure(
        [
          { t: 1, systolic: 140, diastolic: 90, home: true },
          { t: 2, systolic: 128, diastolic: 82, home: true },
        ],
        3,
      ),
    ).toBe('Blood pressure over the last 3 months: 2 readings; systolic 128 to 140 mmHg (went down by 12), diastolic 82 to 90 mmHg (went down by 8).');
  });
});
