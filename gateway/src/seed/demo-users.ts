import type { UserRole } from '../db/store.ts';

export interface DemoUser {
  readonly username: string;
  readonly password: string;
  readonly role: UserRole;
  readonly fhirUser?: string;
  readonly description: string;
}

/** The demo sign-ins printed at start and in README.md. For the synthetic demo practice only. */
export const DEMO_USERS: readonly DemoUser[] = [
  { username: 'amy', password: 'portico-demo-patient', role: 'patient', fhirUser: 'Patient/demo-pat-01', description: 'patient Amy Rivera' },
  { username: 'dr.chen', password: 'portico-demo-clinician', role: 'practitioner', fhirUser: 'Practitioner/demo-pra-chen', description: 'practitioner Dr. Maya Chen' },
  { username: 'admin', password: 'portico-demo-admin', role: 'admin', description: 'practice admin' },
];
