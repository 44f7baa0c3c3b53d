import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeScope } from './scope-descriptions.ts';
import { parseScope } from './scopes.ts';

const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const CONDITION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/condition-category';
const US_CORE_CATEGORY = 'http://hl7.org/fhir/us/core/CodeSystem/us-core-category';
const US_CORE_CONDITION_CATEGORY = 'http://hl7.org/fhir/us/core/CodeSystem/condition-category';

const describeText = (text: string) => {
  const scope = parseScope(text);
  if (!scope) throw new Error(`invalid scope: ${text}`);
  return describeScope(scope);
};
const title = (text: string): string => describeText(text).title;

describe('describeScope: patient resource scopes', () => {
  it.each([
    [`patient/Observation.rs?category=${OBSERVATION_CATEGORY}|vital-signs`, 'See your vital signs'],
    [`patient/Observation.rs?category=${OBSERVATION_CATEGORY}|laboratory`, 'See your lab results'],
    [`patient/Observation.rs?category=${OBSERVATION_CATEGORY}|social-history`, 'See your social history (such as smoking and alcohol use)'],
    [`patient/Observation.rs?category=${OBSERVATION_CATEGORY}|survey`, 'See your questionnaire and survey answers'],
    [`patient/Observation.rs?category=${US_CORE_CATEGORY}|sdoh`, 'See your social needs information (such as housing, food and transport)'],
    [`patient/Observation.rs?category=vital-signs`, 'See your vital signs'],
    [`patient/Condition.rs?category=${CONDITION_CATEGORY}|problem-list-item`, 'See your problem list'],
    [`patient/Condition.rs?category=${CONDITION_CATEGORY}|encounter-diagnosis`, 'See your diagnoses from visits'],
    [`patient/Condition.rs?category=${US_CORE_CONDITION_CATEGORY}|health-concern`, 'See your health concerns'],
    ['patient/Appointment.cruds', 'See, book, change and cancel your appointments'],
    ['patient/Appointment.rs', 'See your appointments'],
    ['patient/DocumentReference.rs', 'Read your clinical notes and documents'],
    ['patient/DocumentReference.rs?category=http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category|clinical-note', 'Read your clinical notes'],
    ['patient/Patient.rs', 'See your basic details (name, date of birth and contact information)'],
    ['patient/Observation.rs', 'See your health measurements and test results'],
    ['patient/Condition.read', 'See your health conditions and diagnoses'],
    ['patient/AllergyIntolerance.rs', 'See your allergies'],
    ['patient/MedicationRequest.rs', 'See your medicines and prescriptions'],
    ['patient/Immunization.rs', 'See your vaccinations'],
    ['patient/Encounter.rs', 'See your visits and hospital stays'],
    ['patient/Practitioner.rs', 'See information about doctors and other care providers'],
    ['patient/Organization.rs', 'See information about clinics and healthcare organizations'],
    ['patient/Location.rs', 'See information about clinic locations'],
    ['patient/Schedule.rs', "See care providers' schedules"],
    ['patient/Slot.rs', 'See open appointment times'],
  ])('%s → %s', (text, expected) => {
    expect(title(text)).toBe(expected);
  });

  it.each([
    ['patient/Observation.c', 'Add your health measurements and test results'],
    ['patient/Observation.crs', 'See and add your health measurements and test results'],
    ['patient/Observation.cu', 'Add and change your health measurements and test results'],
    ['patient/Observation.write', 'Add, change and delete your health measurements and test results'],
    [`patient/Observation.crs?category=${OBSERVATION_CATEGORY}|vital-signs`, 'See and add your vital signs'],
  ])('combines verbs by permission: %s', (text, expected) => {
    expect(title(text)).toBe(expected);
  });

  it('splits the CamelCase name of a type it has no wording for', () => {
    expect(title('patient/MedicationDispense.rs')).toBe('See your medication dispenses');
    expect(title('patient/FamilyMemberHistory.rs')).toBe('See your family member histories');
    expect(title('patient/Basic.rs')).toBe('See your basics');
  });

  it('SC-05, SC-16: wildcards say they include data types added in the future', () => {
    const wildcard = describeText('patient/*.rs');
    expect(wildcard.title).toBe('See all of your health records, including kinds of data added in the future');
    expect(wildcard.detail).toContain('including data types added in the future');
  });

  it('says that patient/*.cruds also changes and deletes', () => {
    expect(title('patient/*.cruds')).toBe('See, add, change and delete all of your health records, including kinds of data added in the future');
  });

  it('explains read-only and search-only scopes', () => {
    expect(describeText('patient/Observation.r').detail).toMatch(/cannot search/);
    expect(describeText('patient/Observation.s').detail).toMatch(/not open a single record/);
    expect(describeText('patient/Observation.rs').detail).toBeUndefined();
  });

  it('spells out constraints it has no wording for instead of claiming more', () => {
    expect(describeText('patient/Observation.rs?code=http://loinc.org|8867-4')).toEqual({
      title: 'See some of your health measurements and test results',
      detail: 'Only records where code is http://loinc.org|8867-4.',
    });
    expect(title('patient/Observation.rs?category=http://example.org/other|vital-signs')).toBe(
      'See some of your health measurements and test results',
    );
    expect(describeText('patient/*.rs?_tag=research').detail).toContain('Only records where _tag is research.');
  });
});

describe('describeScope: clinician and backend scopes', () => {
  it('phrases user/ scopes for a clinician', () => {
    expect(title(`user/Observation.rs?category=${OBSERVATION_CATEGORY}|vital-signs`)).toBe("See patients' vital signs");
    expect(title('user/Appointment.cruds')).toBe("See, book, change and cancel patients' appointments");
    expect(title('user/*.rs')).toBe('See all health records of the patients you can access, including kinds of data added in the future');
  });

  it('phrases system/ scopes as backend access for all patients', () => {
    expect(describeText('system/Observation.rs')).toEqual({
      title: 'Access health measurements and test results for all patients (backend service)',
      detail: 'It may see them.',
    });
    expect(describeText('system/Encounter.cud').detail).toBe('It may add, change and delete them.');
    const wildcard = describeText('system/*.rs');
    expect(wildcard.title).toBe('Access all health records for all patients, including kinds of data added in the future (backend service)');
    expect(wildcard.detail).toContain('including data types added in the future');
  });
});

describe('describeScope: context and identity scopes', () => {
  it.each([
    ['launch/patient', 'Know which patient you chose'],
    ['launch', 'Open with the patient or visit you are working on'],
    ['launch/encounter', 'Know which visit you chose'],
    ['launch/diagnosticreport', 'Know which diagnostic report you chose'],
    ['launch/imagingstudy', 'Know which imagingstudy you chose'],
    ['openid', 'Know who you are (your name)'],
    ['profile', 'Know who you are (your name)'],
    ['fhirUser', 'Know your identity in the health record (your Patient or Practitioner record)'],
    ['offline_access', 'Keep access when you are not using the app, until you revoke it'],
    ['online_access', 'Keep access while you are signed in'],
  ])('%s → %s', (text, expected) => {
    expect(title(text)).toBe(expected);
  });

  it('SC-15: makes offline access obvious', () => {
    expect(describeText('offline_access').detail).toMatch(/even after you sign out.*revoke/);
  });

  it('mentions the role of a launch scope', () => {
    expect(describeText('launch/list?role=https://example.org/med-list-at-home').detail).toContain('https://example.org/med-list-at-home');
  });
});

describe('describeScope: every resource scope', () => {
  it('gets a non-empty, capitalised title without leftover placeholders', () => {
    const text = fc
      .tuple(
        fc.constantFrom('patient', 'user', 'system'),
        fc.oneof(fc.constantFrom('*', 'Observation', 'Slot', 'Appointment'), fc.stringMatching(/^[A-Z][A-Za-z]{0,15}$/)),
        fc.subarray(['c', 'r', 'u', 'd', 's'], { minLength: 1 }),
      )
      .map(([level, type, permissions]) => `${level}/${type}.${permissions.join('')}`);
    fc.assert(
      fc.property(text, (scope) => {
        const { title: described } = describeText(scope);
        expect(described).toMatch(/^[A-Z][^\s].* [a-z]/);
        expect(described).not.toMatch(/undefined|  /);
      }),
    );
  });
});
