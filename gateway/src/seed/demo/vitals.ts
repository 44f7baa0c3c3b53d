import type { Observation } from 'fhir/r4';
import { LOINC, UCUM } from '@portico/shared/fhir/code-systems';
import { VITAL_SIGNS, VITAL_SIGNS_CATEGORY, type VitalSignKey } from '@portico/shared/fhir/vital-signs';
import type { SeededRandom } from '../random.ts';
import { instant } from './calendar.ts';
import type { DemoPatient } from './patients.ts';

export interface Reading {
  readonly key: VitalSignKey;
  readonly value: number | { systolic: number; diastolic: number };
}

/** Who took a reading: a clinician during a visit, or the patient at home. */
export type Recorder = { readonly encounterId: string; readonly practitionerId: string } | { readonly home: true };

/**
 * The patient's vital signs at a point of the year (`progress` 0 = a year ago, 1 = today): baseline
 * plus the patient's trend plus measurement noise.
 */
export function readingsAt(p: DemoPatient, random: SeededRandom, progress: number, keys: readonly VitalSignKey[]): Reading[] {
  const weight = round(p.weightKg + p.weightTrend * progress + random.normal(0, 0.5), 1);
  const values: Record<VitalSignKey, Reading['value']> = {
    bloodPressure: {
      systolic: Math.round(p.systolic + p.systolicTrend * progress + random.normal(0, 6)),
      diastolic: Math.round(p.diastolic + (p.systolicTrend / 2) * progress + random.normal(0, 4)),
    },
    heartRate: Math.round(p.heartRate + random.normal(0, 5)),
    respiratoryRate: Math.round(random.normal(p.asthmatic ? 17 : 15, 1.5)),
    oxygenSaturation: Math.min(100, Math.round(random.normal(p.asthmatic ? 96 : 98, 1))),
    bodyTemperature: round(random.normal(36.8, 0.25), 1),
    bodyHeight: p.heightCm,
    bodyWeight: weight,
    bmi: round(weight / (p.heightCm / 100) ** 2, 1),
  };
  return keys.map((key) => ({ key, value: values[key] }));
}

/** A vital-signs Observation following the FHIR R4 vital signs profiles. */
export function vitalObservation(id: string, p: DemoPatient, reading: Reading, when: Date, recorder: Recorder): Observation {
  const sign = VITAL_SIGNS[reading.key];
  const codings = [{ system: LOINC, code: sign.loinc, display: sign.display }];
  if (sign.kind === 'quantity') for (const extra of sign.extraCodes ?? []) codings.push({ system: LOINC, code: extra.code, display: extra.display });
  const observation: Observation = {
    resourceType: 'Observation',
    id,
    status: 'final',
    category: [{ coding: VITAL_SIGNS_CATEGORY.coding.map((c) => ({ ...c })), text: VITAL_SIGNS_CATEGORY.text }],
    code: { coding: codings, text: sign.display },
    subject: { reference: `Patient/${p.id}` },
    effectiveDateTime: instant(when),
    issued: instant(when),
    performer: [{ reference: 'home' in recorder ? `Patient/${p.id}` : `Practitioner/${recorder.practitionerId}` }],
    ...('encounterId' in recorder ? { encounter: { reference: `Encounter/${recorder.encounterId}` } } : {}),
  };
  if (sign.kind === 'panel' && typeof reading.value === 'object') {
    const { systolic, diastolic } = sign.components;
    observation.component = [
      { code: { coding: [{ system: LOINC, code: systolic.loinc, display: systolic.display }] }, valueQuantity: mmHg(reading.value.systolic) },
      { code: { coding: [{ system: LOINC, code: diastolic.loinc, display: diastolic.display }] }, valueQuantity: mmHg(reading.value.diastolic) },
    ];
  } else if (typeof reading.value === 'number') {
    observation.valueQuantity = { value: reading.value, unit: sign.unit, system: UCUM, code: sign.unit };
  }
  return observation;
}

function mmHg(value: number) {
  return { value, unit: 'mm[Hg]', system: UCUM, code: 'mm[Hg]' };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
