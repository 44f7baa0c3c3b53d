import type { Patient } from 'fhir/r4';
import type { SeededRandom } from '../random.ts';
import { addDays, dateOnly } from './calendar.ts';
import { PRACTITIONERS, ORGANIZATION_ID } from './practice.ts';

const FEMALE = ['Amy', 'Grace', 'Priya', 'Sofia', 'Hana', 'Olivia', 'Zainab', 'Elena', 'Mei', 'Chloé', 'Ana', 'Ruth'];
const MALE = ['Daniel', 'Kwame', 'Luis', 'Tomás', 'Arjun', 'Noah', 'Yusuf', 'Henrik', 'Kenji', 'Mateo', 'Owen', 'Élie'];
const FAMILY = ['Rivera', 'Nguyen', 'Okafor', 'Müller', 'Haddad', 'Kowalski', 'Santos', 'Andersson', 'Tanaka', 'Patel',
  'Brennan', 'García', 'Mensah', 'Novak', 'Lindqvist', 'Moreau', 'Yamamoto', 'Silva', 'Abdi', 'Fischer', "O'Connor", 'Costa', 'Ivanova', 'Baker'];
const STREETS = ['Alder', 'Birch', 'Cedar', 'Willow', 'Maple', 'Juniper', 'Spruce', 'Laurel'];

/** What the other generators need to know about a demo patient: who they are and how their health runs. */
export interface DemoPatient {
  readonly id: string;
  readonly index: number;
  readonly given: string;
  readonly family: string;
  readonly gender: 'female' | 'male';
  readonly birthDate: string;
  readonly practitionerId: string;
  readonly hypertensive: boolean;
  readonly diabetic: boolean;
  readonly asthmatic: boolean;
  /** Baselines a year ago; trends per year. */
  readonly systolic: number;
  readonly diastolic: number;
  readonly systolicTrend: number;
  readonly heartRate: number;
  readonly heightCm: number;
  readonly weightKg: number;
  readonly weightTrend: number;
}

export const DEMO_PATIENT_COUNT = 24;

/** `demo-pat-01` … ; patient 1 (Amy Rivera) is the demo patient sign-in. */
export function demoPatients(random: SeededRandom, today: Date): DemoPatient[] {
  return Array.from({ length: DEMO_PATIENT_COUNT }, (_, i) => {
    const r = random.fork(`patient-${i}`);
    const gender = i % 2 === 0 ? 'female' : 'male';
    const given = (gender === 'female' ? FEMALE : MALE)[Math.floor(i / 2) % 12]!;
    const ageYears = r.int(19, 84);
    const hypertensive = ageYears > 45 ? r.chance(0.5) : r.chance(0.1);
    const heightCm = Math.round(gender === 'female' ? r.normal(164, 6) : r.normal(177, 7));
    const bmi = r.normal(hypertensive ? 29 : 25, 3.5);
    return {
      id: `demo-pat-${String(i + 1).padStart(2, '0')}`,
      index: i,
      given,
      family: FAMILY[i % FAMILY.length]!,
      gender,
      birthDate: dateOnly(addDays(today, -Math.round(ageYears * 365.25) - r.int(0, 364))),
      practitionerId: PRACTITIONERS[i % PRACTITIONERS.length]!.id,
      hypertensive,
      diabetic: ageYears > 40 && r.chance(0.2),
      asthmatic: r.chance(0.12),
      systolic: hypertensive ? r.normal(146, 6) : r.normal(118, 7),
      diastolic: hypertensive ? r.normal(92, 4) : r.normal(76, 5),
      systolicTrend: hypertensive ? -r.normal(12, 3) : r.normal(0, 2),
      heartRate: r.normal(72, 7),
      heightCm,
      weightKg: Math.round(bmi * (heightCm / 100) ** 2 * 10) / 10,
      weightTrend: hypertensive ? -r.normal(4, 1.5) : r.normal(0.5, 1.5),
    };
  });
}

export function patientResource(p: DemoPatient): Patient {
  const phone = `+1-555-01${String(p.index).padStart(2, '0')}`;
  return {
    resourceType: 'Patient',
    id: p.id,
    active: true,
    identifier: [
      {
        use: 'usual',
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }], text: 'Medical record number' },
        system: 'https://portico.example.org/sid/mrn',
        value: `MRN-${String(100_001 + p.index)}`,
      },
    ],
    name: [{ use: 'official', family: p.family, given: [p.given] }],
    telecom: [
      { system: 'phone', value: phone, use: 'mobile' },
      { system: 'email', value: `${asciiLocalPart(p.given)}.${asciiLocalPart(p.family)}@example.com`, use: 'home' },
    ],
    gender: p.gender,
    birthDate: p.birthDate,
    address: [
      {
        use: 'home',
        line: [`${200 + p.index * 7} ${STREETS[p.index % STREETS.length]} Lane`],
        city: 'Springfield',
        state: 'OR',
        postalCode: '97477',
        country: 'US',
      },
    ],
    generalPractitioner: [{ reference: `Practitioner/${p.practitionerId}` }],
    managingOrganization: { reference: `Organization/${ORGANIZATION_ID}` },
  };
}

function asciiLocalPart(value: string): string {
  return value.normalize('NFD').replace(/\p{Diacritic}/gu, '').replace(/[^A-Za-z]/g, '').toLowerCase();
}
