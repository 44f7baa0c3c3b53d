import type { Resource } from 'fhir/r4';
import { SeededRandom } from '../random.ts';
import { startOfUtcDay } from './calendar.ts';
import { clinicalRecord } from './clinical.ts';
import { demoPatients, patientResource, type DemoPatient } from './patients.ts';
import { location, organization, practitioner, PRACTITIONERS } from './practice.ts';
import { schedules, slotsAndUpcomingAppointments } from './scheduling.ts';
import { pastCare } from './visits.ts';

export { DEMO_PATIENT_COUNT } from './patients.ts';
export { PRACTITIONERS } from './practice.ts';

/** The fixed seed: the same demo practice on every machine. */
const SEED = 20_261_123;

export interface DemoData {
  readonly resources: readonly Resource[];
  readonly patients: readonly DemoPatient[];
}

/**
 * The whole synthetic demo practice, in write order (referenced resources first). `anchor` is the day
 * the demo was first seeded: a year of history ends there, upcoming visits start there. `today`
 * extends the free slots to two weeks ahead.
 */
export function generateDemoData(anchor: Date, today: Date): DemoData {
  const random = new SeededRandom(SEED);
  const anchorDay = startOfUtcDay(anchor);
  const patients = demoPatients(random.fork('patients'), anchorDay);
  const resources: Resource[] = [organization(), location(), ...PRACTITIONERS.map(practitioner), ...schedules()];
  resources.push(...patients.map(patientResource));
  for (const p of patients) {
    resources.push(...clinicalRecord(p, random.fork(`clinical-${p.id}`), anchorDay));
    resources.push(...pastCare(p, random.fork(`care-${p.id}`), anchorDay));
  }
  resources.push(...slotsAndUpcomingAppointments(patients, random.fork('slots'), anchorDay, today));
  return { resources, patients };
}
