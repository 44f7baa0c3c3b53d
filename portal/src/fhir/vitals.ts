import type { Bundle, Observation } from 'fhir/r4';
import { LOINC } from '@portico/shared/fhir/code-systems';
import { VITAL_SIGNS, type VitalSign } from '@portico/shared/fhir/vital-signs';
import { homeReadingObservation, type HomeReading } from '../logic/home-reading.ts';
import type { Api } from './api.ts';
import { resourcesOf } from './bundle.ts';

/** The first day of the vital signs the portal shows: 12 months back (and a day, for the chart's left edge). */
function vitalsSince(now: Date): string {
  const since = new Date(now);
  since.setMonth(since.getMonth() - 12);
  since.setDate(since.getDate() - 1);
  // Day precision keeps the URL the same all day, so the offline copy of the answer is found again.
  return since.toISOString().slice(0, 10);
}

/** The patient's vital signs of the last 12 months (and a little more, for the chart's left edge). */
export async function loadVitals(api: Api, now: Date): Promise<Observation[]> {
  const query = `Observation?patient=${encodeURIComponent(api.patientId)}&category=vital-signs&date=ge${vitalsSince(now)}&_sort=date&_count=1000`;
  const bundle = await api.get<Bundle>(query);
  return resourcesOf<Observation>(bundle, 'Observation');
}

/**
 * What home shows of each vital sign, newest first: blood pressure (a panel, or separate systolic and
 * diastolic readings — a few, so a pair can be matched), heart rate and weight.
 */
const LATEST_ON_HOME: readonly { readonly codes: readonly string[]; readonly count: number }[] = [
  {
    codes: [VITAL_SIGNS.bloodPressure.loinc, ...bloodPressureComponentCodes(VITAL_SIGNS.bloodPressure)],
    count: 6,
  },
  { codes: [VITAL_SIGNS.heartRate.loinc], count: 1 },
  { codes: [VITAL_SIGNS.bodyWeight.loinc], count: 1 },
];

function bloodPressureComponentCodes(sign: VitalSign): string[] {
  return sign.kind === 'panel' ? [sign.components.systolic.loinc, sign.components.diastolic.loinc] : [];
}

/**
 * The newest readings of the last 12 months that home shows (blood pressure, heart rate, weight):
 * one small search per vital sign instead of the whole year of every sign the vitals page charts.
 */
export async function loadLatestVitals(api: Api, now: Date): Promise<Observation[]> {
  const patient = encodeURIComponent(api.patientId);
  const bundles = await Promise.all(
    LATEST_ON_HOME.map(({ codes, count }) => {
      const code = encodeURIComponent(codes.map((c) => `${LOINC}|${c}`).join(','));
      return api.get<Bundle>(
        `Observation?patient=${patient}&category=vital-signs&code=${code}&status:not=entered-in-error,cancelled&date=ge${vitalsSince(now)}&_sort=-date&_count=${count}`,
      );
    }),
  );
  return bundles.flatMap((bundle) => resourcesOf<Observation>(bundle, 'Observation'));
}

/** Saves a home reading as a patient-reported Observation; returns what the server stored. */
export function saveHomeReading(api: Api, reading: HomeReading, now: Date): Promise<Observation> {
  return api.post<Observation>('Observation', homeReadingObservation(api.patientId, reading, now));
}
