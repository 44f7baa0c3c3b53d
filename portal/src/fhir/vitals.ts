import type { Bundle, Observation } from 'fhir/r4';
import { homeReadingObservation, type HomeReading } from '../logic/home-reading.ts';
import type { Api } from './api.ts';
import { resourcesOf } from './bundle.ts';

/** The patient's vital signs of the last 12 months (and a little more, for the chart's left edge). */
export async function loadVitals(api: Api, now: Date): Promise<Observation[]> {
  const since = new Date(now);
  since.setMonth(since.getMonth() - 12);
  since.setDate(since.getDate() - 1);
  const query = `Observation?patient=${encodeURIComponent(api.patientId)}&category=vital-signs&date=ge${since.toISOString().slice(0, 10)}&_sort=date&_count=1000`;
  const bundle = await api.get<Bundle>(query);
  return resourcesOf<Observation>(bundle, 'Observation');
}

/** Saves a home reading as a patient-reported Observation; returns what the server stored. */
export function saveHomeReading(api: Api, reading: HomeReading, now: Date): Promise<Observation> {
  return api.post<Observation>('Observation', homeReadingObservation(api.patientId, reading, now));
}
