import { OBSERVATION_CATEGORY } from './code-systems.ts';

/** A vital sign measured as one quantity (FHIR R4 vital signs profiles). */
export interface QuantityVitalSign {
  readonly kind: 'quantity';
  readonly key: VitalSignKey;
  readonly loinc: string;
  readonly display: string;
  /** UCUM code, also used as the human unit. */
  readonly unit: string;
  /** Further LOINC codes the profile requires beside the main one (pulse oximetry carries 2708-6). */
  readonly extraCodes?: readonly { code: string; display: string }[];
}

/** Blood pressure: a panel whose systolic and diastolic values are components. */
export interface PanelVitalSign {
  readonly kind: 'panel';
  readonly key: 'bloodPressure';
  readonly loinc: string;
  readonly display: string;
  readonly unit: string;
  readonly components: {
    readonly systolic: { readonly loinc: string; readonly display: string };
    readonly diastolic: { readonly loinc: string; readonly display: string };
  };
}

export type VitalSignKey =
  | 'bloodPressure'
  | 'heartRate'
  | 'respiratoryRate'
  | 'oxygenSaturation'
  | 'bodyTemperature'
  | 'bodyHeight'
  | 'bodyWeight'
  | 'bmi';

export type VitalSign = QuantityVitalSign | PanelVitalSign;

/** LOINC codes and UCUM units of the vital signs Portico records and charts. */
export const VITAL_SIGNS: Readonly<Record<VitalSignKey, VitalSign>> = {
  bloodPressure: {
    kind: 'panel',
    key: 'bloodPressure',
    loinc: '85354-9',
    display: 'Blood pressure panel with all children optional',
    unit: 'mm[Hg]',
    components: {
      systolic: { loinc: '8480-6', display: 'Systolic blood pressure' },
      diastolic: { loinc: '8462-4', display: 'Diastolic blood pressure' },
    },
  },
  heartRate: { kind: 'quantity', key: 'heartRate', loinc: '8867-4', display: 'Heart rate', unit: '/min' },
  respiratoryRate: { kind: 'quantity', key: 'respiratoryRate', loinc: '9279-1', display: 'Respiratory rate', unit: '/min' },
  oxygenSaturation: {
    kind: 'quantity',
    key: 'oxygenSaturation',
    loinc: '59408-5',
    display: 'Oxygen saturation in Arterial blood by Pulse oximetry',
    unit: '%',
    extraCodes: [{ code: '2708-6', display: 'Oxygen saturation in Arterial blood' }],
  },
  bodyTemperature: { kind: 'quantity', key: 'bodyTemperature', loinc: '8310-5', display: 'Body temperature', unit: 'Cel' },
  bodyHeight: { kind: 'quantity', key: 'bodyHeight', loinc: '8302-2', display: 'Body height', unit: 'cm' },
  bodyWeight: { kind: 'quantity', key: 'bodyWeight', loinc: '29463-7', display: 'Body weight', unit: 'kg' },
  bmi: { kind: 'quantity', key: 'bmi', loinc: '39156-5', display: 'Body mass index (BMI) [Ratio]', unit: 'kg/m2' },
};

export const VITAL_SIGNS_CATEGORY = {
  coding: [{ system: OBSERVATION_CATEGORY, code: 'vital-signs', display: 'Vital Signs' }],
  text: 'Vital Signs',
} as const;


