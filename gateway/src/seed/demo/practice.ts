import type { Location, Organization, Practitioner } from 'fhir/r4';

export const ORGANIZATION_ID = 'demo-org';
export const LOCATION_ID = 'demo-location';

export interface DemoPractitioner {
  readonly id: string;
  readonly given: string;
  readonly family: string;
  readonly prefix: string;
  readonly qualification: string;
  readonly gender: 'female' | 'male';
  readonly npi: string;
}

/** The demo practice's clinicians; the first is the demo practitioner sign-in. */
export const PRACTITIONERS: readonly DemoPractitioner[] = [
  { id: 'demo-pra-chen', given: 'Maya', family: 'Chen', prefix: 'Dr.', qualification: 'MD', gender: 'female', npi: '9990000011' },
  { id: 'demo-pra-osei', given: 'Samuel', family: 'Osei', prefix: 'Dr.', qualification: 'MD', gender: 'male', npi: '9990000029' },
  { id: 'demo-pra-ferreira', given: 'Lucia', family: 'Ferreira', prefix: 'Dr.', qualification: 'DO', gender: 'female', npi: '9990000037' },
  { id: 'demo-pra-reyes', given: 'Jordan', family: 'Reyes', prefix: '', qualification: 'NP', gender: 'male', npi: '9990000045' },
];

export function organization(): Organization {
  return {
    resourceType: 'Organization',
    id: ORGANIZATION_ID,
    active: true,
    identifier: [{ system: 'https://portico.example.org/sid/organization', value: 'PFP-001' }],
    name: 'Portico Family Practice',
    telecom: [{ system: 'phone', value: '+1-555-0100', use: 'work' }],
    address: [{ line: ['100 Harbor Street'], city: 'Springfield', state: 'OR', postalCode: '97477', country: 'US' }],
  };
}

export function location(): Location {
  return {
    resourceType: 'Location',
    id: LOCATION_ID,
    status: 'active',
    identifier: [{ system: 'https://portico.example.org/sid/location', value: 'HARBOR' }],
    name: 'Harbor Street Clinic',
    address: { line: ['100 Harbor Street'], city: 'Springfield', state: 'OR', postalCode: '97477', country: 'US' },
    managingOrganization: { reference: `Organization/${ORGANIZATION_ID}` },
  };
}

export function practitioner(p: DemoPractitioner): Practitioner {
  return {
    resourceType: 'Practitioner',
    id: p.id,
    active: true,
    // NPIs from the 999… range, which the NPPES never assigns.
    identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: p.npi }],
    name: [{ use: 'official', family: p.family, given: [p.given], ...(p.prefix ? { prefix: [p.prefix] } : {}), suffix: [p.qualification] }],
    gender: p.gender,
    telecom: [{ system: 'phone', value: '+1-555-0100', use: 'work' }],
    qualification: [{ code: { text: p.qualification } }],
  };
}

export function displayName(p: DemoPractitioner): string {
  return [p.prefix, p.given, p.family].filter(Boolean).join(' ') + (p.prefix ? '' : `, ${p.qualification}`);
}
