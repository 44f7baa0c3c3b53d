import { expect } from 'vitest';
import { startTestGateway, type TestGateway } from './gateway.ts';
import { put } from './fhir.ts';

// The search tests' dataset: small and exact, so every expected result can be listed by id.
// Every write happens one second after the previous one from START, so _lastUpdated is predictable:
// the five Patients are written at 00:00:01 … 00:00:05 on 2025-01-01 (UTC).
export const START = Date.parse('2025-01-01T00:00:00Z');

export const LOINC = 'http://loinc.org';
export const CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const category = (code: string) => [{ coding: [{ system: CATEGORY, code }] }];
const loinc = (code: string) => ({ coding: [{ system: LOINC, code }] });

/** The dataset, written in this order with client-chosen ids (PUT update-as-create). */
export const DATASET: { resourceType: string; id: string; [key: string]: unknown }[] = [
  {
    resourceType: 'Patient',
    id: 'p-muller',
    name: [{ family: 'Müller', given: ['Jürgen'] }],
    birthDate: '1980',
    gender: 'male',
    identifier: [{ system: 'urn:mrn', value: 'M-1' }, { system: 'urn:ssn', value: '111' }],
  },
  {
    resourceType: 'Patient',
    id: 'p-muller2',
    name: [{ family: 'MÜLLER-Lüdenscheidt', given: ['Anna'] }],
    birthDate: '1980-06-15',
    gender: 'female',
    identifier: [{ system: 'urn:mrn', value: 'M-2' }],
  },
  {
    resourceType: 'Patient',
    id: 'p-smith',
    name: [{ family: 'Smith', given: ['John', 'Jacob'] }],
    birthDate: '1975-03',
    gender: 'male',
    identifier: [{ system: 'urn:mrn', value: 'S-1' }, { value: 'LOCAL-9' }],
  },
  {
    resourceType: 'Patient',
    id: 'p-miller',
    name: [{ family: 'Miller', given: ['Anne'] }],
    birthDate: '1990-12-31',
    gender: 'female',
    identifier: [{ system: 'urn:other', value: 'M-1' }],
  },
  { resourceType: 'Patient', id: 'p-nobody', name: [{ family: 'Nobody' }], identifier: [{ system: 'urn:odd', value: 'A,B|C' }] },
  { resourceType: 'Practitioner', id: 'dr-1', name: [{ family: 'House' }] },
  { resourceType: 'Practitioner', id: 'dr-2', name: [{ family: 'Wilson' }] },
  {
    resourceType: 'Observation',
    id: 'o-hr1',
    status: 'final',
    category: category('vital-signs'),
    code: loinc('8867-4'),
    subject: { reference: 'Patient/p-muller' },
    effectiveDateTime: '2024-03-05T10:30:00Z',
  },
  {
    resourceType: 'Observation',
    id: 'o-hr2',
    status: 'final',
    category: category('vital-signs'),
    code: loinc('8867-4'),
    subject: { reference: 'Patient/p-smith' },
    // 2024-03-07T01:30:00Z in UTC.
    effectiveDateTime: '2024-03-06T23:30:00-02:00',
  },
  {
    resourceType: 'Observation',
    id: 'o-glu',
    status: 'preliminary',
    category: category('laboratory'),
    code: loinc('2345-7'),
    subject: { reference: 'Patient/p-muller' },
    effectivePeriod: { start: '2024-03-01', end: '2024-03-10' },
  },
  {
    resourceType: 'Observation',
    id: 'o-bp',
    status: 'amended',
    category: category('vital-signs'),
    code: loinc('85354-9'),
    subject: { reference: 'Patient/p-miller' },
    effectiveDateTime: '2023-12-31T12:00:00Z',
  },
  {
    resourceType: 'Observation',
    id: 'o-abs',
    status: 'final',
    category: category('laboratory'),
    code: loinc('2345-7'),
    subject: { reference: 'http://localhost/fhir/Patient/p-smith' },
    effectivePeriod: { start: '2024-04-01T00:00:00Z' },
  },
  {
    resourceType: 'Observation',
    id: 'o-ext',
    status: 'final',
    category: category('vital-signs'),
    code: loinc('8867-4'),
    subject: { reference: 'https://other.example/fhir/Patient/p-muller' },
    effectiveDateTime: '2022-01-01T00:00:00Z',
  },
  {
    resourceType: 'Appointment',
    id: 'a-1',
    status: 'booked',
    start: '2024-05-01T09:00:00Z',
    end: '2024-05-01T09:30:00Z',
    participant: [
      { actor: { reference: 'Patient/p-muller' }, status: 'accepted' },
      { actor: { reference: 'Practitioner/dr-1' }, status: 'accepted' },
    ],
  },
  {
    resourceType: 'Appointment',
    id: 'a-2',
    status: 'cancelled',
    start: '2024-05-02T14:00:00Z',
    end: '2024-05-02T14:30:00Z',
    participant: [
      { actor: { reference: 'Patient/p-smith' }, status: 'declined' },
      { actor: { reference: 'Practitioner/dr-1' }, status: 'accepted' },
    ],
  },
  {
    resourceType: 'Appointment',
    id: 'a-3',
    status: 'booked',
    start: '2024-06-01T09:00:00Z',
    end: '2024-06-01T09:30:00Z',
    participant: [
      { actor: { reference: 'Patient/p-muller' }, status: 'accepted' },
      { actor: { reference: 'Practitioner/dr-2' }, status: 'accepted' },
    ],
  },
  {
    resourceType: 'DocumentReference',
    id: 'd-1',
    status: 'current',
    type: loinc('34133-9'),
    category: [{ coding: [{ system: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category', code: 'clinical-note' }] }],
    subject: { reference: 'Patient/p-muller' },
    date: '2024-03-05T12:00:00Z',
    content: [{ attachment: { contentType: 'text/plain', data: 'aGVsbG8=' } }],
  },
  {
    resourceType: 'DocumentReference',
    id: 'd-2',
    status: 'superseded',
    type: loinc('11506-3'),
    subject: { reference: 'Patient/p-smith' },
    date: '2023-01-10T08:00:00Z',
    content: [{ attachment: { contentType: 'text/plain', data: 'aGVsbG8=' } }],
  },
  { resourceType: 'Schedule', id: 's-1', actor: [{ reference: 'Practitioner/dr-1' }] },
  { resourceType: 'Slot', id: 'sl-1', schedule: { reference: 'Schedule/s-1' }, status: 'free', start: '2024-05-01T09:00:00Z', end: '2024-05-01T09:30:00Z' },
  { resourceType: 'Slot', id: 'sl-2', schedule: { reference: 'Schedule/s-1' }, status: 'busy', start: '2024-05-01T10:00:00Z', end: '2024-05-01T10:30:00Z' },
];

/** A gateway on a fresh database holding DATASET, whose clock stays at the last write. */
export async function seededGateway(): Promise<TestGateway> {
  let clock = START;
  const gw = await startTestGateway({}, () => new Date(clock));
  for (const resource of DATASET) {
    clock += 1000;
    const res = await put(gw, `/fhir/${resource.resourceType}/${resource.id}`, resource);
    expect(res.status, `${resource.id}: ${await res.clone().text()}`).toBe(201);
  }
  return gw;
}
