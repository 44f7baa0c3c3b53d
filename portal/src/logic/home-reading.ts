import type { Observation, Quantity } from 'fhir/r4';
import { LOINC, UCUM } from '@portico/shared/fhir/code-systems';
import { VITAL_SIGNS, VITAL_SIGNS_CATEGORY } from '@portico/shared/fhir/vital-signs';

/** A reading the patient took at home and types in. */
export type HomeReading =
  | { readonly kind: 'bloodPressure'; readonly systolic: number; readonly diastolic: number }
  | { readonly kind: 'bodyWeight'; readonly value: number }
  | { readonly kind: 'heartRate'; readonly value: number };

/** Plausible ranges: a typo (a missing or extra digit) is caught before it lands in the record. */
const RANGES = {
  systolic: [50, 260],
  diastolic: [30, 160],
  bodyWeight: [2, 400],
  heartRate: [20, 250],
} as const;

/** Problems with the entered values, by field name (empty when the reading can be saved). */
export function validateReading(reading: HomeReading): Record<string, string> {
  const errors: Record<string, string> = {};
  const check = (field: keyof typeof RANGES, value: number, label: string, unit: string) => {
    const [min, max] = RANGES[field];
    if (!Number.isFinite(value)) errors[field] = `Enter the ${label} as a number.`;
    else if (value < min || value > max) errors[field] = `${label[0]!.toUpperCase()}${label.slice(1)} must be between ${min} and ${max} ${unit}.`;
  };
  if (reading.kind === 'bloodPressure') {
    check('systolic', reading.systolic, 'systolic pressure', 'mmHg');
    check('diastolic', reading.diastolic, 'diastolic pressure', 'mmHg');
    if (!errors.systolic && !errors.diastolic && reading.systolic <= reading.diastolic) {
      errors.diastolic = 'The diastolic (lower) number must be smaller than the systolic (upper) number.';
    }
  } else if (reading.kind === 'bodyWeight') {
    check('bodyWeight', reading.value, 'weight', 'kg');
  } else {
    check('heartRate', reading.value, 'heart rate', 'beats per minute');
  }
  return errors;
}

function quantity(value: number, unit: string): Quantity {
  return { value, unit, system: UCUM, code: unit };
}

/**
 * A patient-reported vital-signs Observation (FHIR R4 vital signs profile): category vital-signs,
 * the LOINC code and UCUM unit of the sign, the patient as subject and performer, taken `now`.
 */
export function homeReadingObservation(patientId: string, reading: HomeReading, now: Date): Observation {
  const sign = VITAL_SIGNS[reading.kind];
  const patient = { reference: `Patient/${patientId}` };
  const observation: Observation = {
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: VITAL_SIGNS_CATEGORY.coding.map((c) => ({ ...c })), text: VITAL_SIGNS_CATEGORY.text }],
    code: { coding: [{ system: LOINC, code: sign.loinc, display: sign.display }], text: sign.display },
    subject: patient,
    performer: [patient],
    effectiveDateTime: now.toISOString(),
  };
  if (reading.kind === 'bloodPressure' && sign.kind === 'panel') {
    const { systolic, diastolic } = sign.components;
    observation.component = [
      { code: { coding: [{ system: LOINC, code: systolic.loinc, display: systolic.display }] }, valueQuantity: quantity(reading.systolic, sign.unit) },
      { code: { coding: [{ system: LOINC, code: diastolic.loinc, display: diastolic.display }] }, valueQuantity: quantity(reading.diastolic, sign.unit) },
    ];
  } else if (reading.kind !== 'bloodPressure') {
    observation.valueQuantity = quantity(reading.value, sign.unit);
  }
  return observation;
}
