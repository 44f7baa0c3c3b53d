import { describe, expect, it } from 'vitest';
import { homeReadingObservation, validateReading } from './home-reading.ts';

const now = new Date('2026-03-02T09:00:00Z');

describe('homeReadingObservation', () => {
  it('makes blood pressure a 85354-9 panel with systolic and diastolic components in mm[Hg]', () => {
    const o = homeReadingObservation('p1', { kind: 'bloodPressure', systolic: 128, diastolic: 82 }, now);
    expect(o).toMatchObject({
      resourceType: 'Observation',
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
      code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
      subject: { reference: 'Patient/p1' },
      performer: [{ reference: 'Patient/p1' }],
      effectiveDateTime: '2026-03-02T09:00:00.000Z',
      component: [
        { code: { coding: [{ code: '8480-6' }] }, valueQuantity: { value: 128, unit: 'mm[Hg]', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } },
        { code: { coding: [{ code: '8462-4' }] }, valueQuantity: { value: 82, code: 'mm[Hg]' } },
      ],
    });
    expect(o.valueQuantity).toBeUndefined();
  });

  it('records weight in kg (29463-7) and heart rate per minute (8867-4)', () => {
    expect(homeReadingObservation('p1', { kind: 'bodyWeight', value: 71.3 }, now)).toMatchObject({
      code: { coding: [{ code: '29463-7' }] },
      valueQuantity: { value: 71.3, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
    });
    expect(homeReadingObservation('p1', { kind: 'heartRate', value: 64 }, now)).toMatchObject({
      code: { coding: [{ code: '8867-4' }] },
      valueQuantity: { value: 64, code: '/min' },
    });
  });
});

describe('validateReading', () => {
  it('accepts plausible values', () => {
    expect(validateReading({ kind: 'bloodPressure', systolic: 128, diastolic: 82 })).toEqual({});
    expect(validateReading({ kind: 'bodyWeight', value: 70.2 })).toEqual({});
  });

  it('names the field and the range of implausible or missing values', () => {
    expect(validateReading({ kind: 'bloodPressure', systolic: 1280, diastolic: Number.NaN })).toEqual({
      systolic: 'Systolic pressure must be between 50 and 260 mmHg.',
      diastolic: 'Enter the diastolic pressure as a number.',
    });
    expect(validateReading({ kind: 'bloodPressure', systolic: 80, diastolic: 90 }).diastolic).toMatch(/must be smaller/);
    expect(validateReading({ kind: 'heartRate', value: 5 })).toEqual({ heartRate: 'Heart rate must be between 20 and 250 beats per minute.' });
  });
});
