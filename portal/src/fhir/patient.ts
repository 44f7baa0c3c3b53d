import type { Patient } from 'fhir/r4';
import type { Api } from './api.ts';

/** The signed-in patient's own record. */
export function loadPatient(api: Api): Promise<Patient> {
  return api.get<Patient>(`Patient/${encodeURIComponent(api.patientId)}`);
}
