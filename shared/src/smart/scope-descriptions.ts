/**
 * Plain-language wording of SMART scopes for the consent screen and the portal's list of connected apps
 * (SC-15, SC-16: wildcards must say they include future data types, offline access must be obvious).
 */
import { CONDITION_CATEGORY, DOCUMENT_CATEGORY, OBSERVATION_CATEGORY } from '../fhir/code-systems.ts';
import type { ContextScope, Permission, ResourceScope, Scope, ScopeLevel } from './scopes.ts';

/** What a scope lets an app do, as a short title and an optional longer explanation. */
export interface ScopeDescription {
  readonly title: string;
  readonly detail?: string;
}

type Action = 'see' | 'add' | 'change' | 'delete';

interface DataWording {
  /** Plural noun phrase without possessive, e.g. "vital signs". */
  readonly noun: string;
  /** Data not about one patient (directories, schedules): phrased without "your" or "patients'". */
  readonly shared?: boolean;
  /** Verbs that read better for this kind of data than the generic see/add/change/delete. */
  readonly verbs?: Partial<Record<Action, string>>;
}

const US_CORE_CATEGORY = 'http://hl7.org/fhir/us/core/CodeSystem/us-core-category';
const US_CORE_CONDITION_CATEGORY = 'http://hl7.org/fhir/us/core/CodeSystem/condition-category';

const TYPES: Readonly<Record<string, DataWording>> = {
  Patient: { noun: 'basic details (name, date of birth and contact information)' },
  Observation: { noun: 'health measurements and test results' },
  Condition: { noun: 'health conditions and diagnoses' },
  AllergyIntolerance: { noun: 'allergies' },
  MedicationRequest: { noun: 'medicines and prescriptions' },
  Immunization: { noun: 'vaccinations' },
  Encounter: { noun: 'visits and hospital stays' },
  Appointment: { noun: 'appointments', verbs: { add: 'book', delete: 'cancel' } },
  DocumentReference: { noun: 'clinical notes and documents', verbs: { see: 'read' } },
  DiagnosticReport: { noun: 'test and imaging reports' },
  Procedure: { noun: 'procedures and operations' },
  CarePlan: { noun: 'care plans' },
  CareTeam: { noun: 'care team members' },
  Goal: { noun: 'health goals' },
  Device: { noun: 'implants and medical devices' },
  Coverage: { noun: 'insurance details' },
  QuestionnaireResponse: { noun: 'questionnaire answers' },
  Practitioner: { noun: 'information about doctors and other care providers', shared: true },
  PractitionerRole: { noun: "information about care providers' roles and specialties", shared: true },
  Organization: { noun: 'information about clinics and healthcare organizations', shared: true },
  Location: { noun: 'information about clinic locations', shared: true },
  Schedule: { noun: "care providers' schedules", shared: true },
  Slot: { noun: 'open appointment times', shared: true },
  Medication: { noun: 'information about medicines', shared: true },
};

/** Category codes (US Core, SC-07) keyed by resource type, then by code. */
const CATEGORIES: Readonly<Record<string, Readonly<Record<string, { system: string; noun: string }>>>> = {
  Observation: {
    'vital-signs': { system: OBSERVATION_CATEGORY, noun: 'vital signs' },
    laboratory: { system: OBSERVATION_CATEGORY, noun: 'lab results' },
    'social-history': { system: OBSERVATION_CATEGORY, noun: 'social history (such as smoking and alcohol use)' },
    survey: { system: OBSERVATION_CATEGORY, noun: 'questionnaire and survey answers' },
    procedure: { system: OBSERVATION_CATEGORY, noun: 'clinical test results' },
    imaging: { system: OBSERVATION_CATEGORY, noun: 'imaging results' },
    exam: { system: OBSERVATION_CATEGORY, noun: 'physical exam findings' },
    activity: { system: OBSERVATION_CATEGORY, noun: 'activity and fitness data' },
    sdoh: { system: US_CORE_CATEGORY, noun: 'social needs information (such as housing, food and transport)' },
  },
  Condition: {
    'problem-list-item': { system: CONDITION_CATEGORY, noun: 'problem list' },
    'encounter-diagnosis': { system: CONDITION_CATEGORY, noun: 'diagnoses from visits' },
    'health-concern': { system: US_CORE_CONDITION_CATEGORY, noun: 'health concerns' },
  },
  DocumentReference: {
    'clinical-note': { system: DOCUMENT_CATEGORY, noun: 'clinical notes' },
  },
};

const EVERYTHING: Readonly<Record<ScopeLevel, string>> = {
  patient: 'all of your health records',
  user: 'all health records of the patients you can access',
  system: 'all health records for all patients',
};

const FUTURE_TYPES_DETAIL =
  'This covers every kind of record, including data types added in the future, not only what the health record holds today.';

const FIXED: Readonly<Record<Exclude<Scope['kind'], 'resource' | 'launch'>, ScopeDescription>> = {
  openid: { title: 'Know who you are (your name)' },
  profile: { title: 'Know who you are (your name)' },
  fhirUser: { title: 'Know your identity in the health record (your Patient or Practitioner record)' },
  offline_access: {
    title: 'Keep access when you are not using the app, until you revoke it',
    detail:
      'The app can keep using the access you grant even after you sign out or close it. ' +
      'You can revoke it at any time in the portal.',
  },
  online_access: {
    title: 'Keep access while you are signed in',
    detail: "The app's access ends when you sign out.",
  },
};

/**
 * Describes a scope in plain, friendly English for patients and clinicians.
 *
 * @example describeScope(parseScope('patient/Appointment.cruds')!).title
 *   // "See, book, change and cancel your appointments"
 */
export function describeScope(scope: Scope): ScopeDescription {
  switch (scope.kind) {
    case 'resource':
      return describeResourceScope(scope);
    case 'launch':
      return describeContextScope(scope);
    default:
      return FIXED[scope.kind];
  }
}

function describeResourceScope(scope: ResourceScope): ScopeDescription {
  const details: string[] = [];
  const category = scope.resourceType === '*' ? undefined : categoryWording(scope);
  const partial = category === undefined && scope.query.length > 0;
  if (partial) details.push(`Only records where ${scope.query.map(([param, value]) => `${param} is ${value}`).join(' and ')}.`);
  let object: string;
  let wording: DataWording | undefined;
  if (scope.resourceType === '*') {
    object = `${EVERYTHING[scope.level]}, including kinds of data added in the future`;
    details.unshift(FUTURE_TYPES_DETAIL);
  } else {
    wording = { ...(TYPES[scope.resourceType] ?? { noun: fallbackNoun(scope.resourceType) }), ...category };
    object = possessive(scope.level, wording, partial);
  }

  const actions = verbs(scope, wording);
  if (scope.level === 'system') {
    details.unshift(`It may ${joinWithAnd(actions)} them.`);
    return { title: `Access ${object} (backend service)`, detail: details.join(' ') };
  }
  if (scope.permissions.has('r') !== scope.permissions.has('s')) {
    details.push(
      scope.permissions.has('r')
        ? 'The app can open records it already knows about, but cannot search for others.'
        : 'The app can search and list records, but not open a single record by its ID.',
    );
  }
  const title = `${capitalise(joinWithAnd(actions))} ${object}`;
  return details.length === 0 ? { title } : { title, detail: details.join(' ') };
}

function describeContextScope(scope: ContextScope): ScopeDescription {
  const roleDetail = scope.role === undefined ? undefined : `The app asks for it in the role ${scope.role}.`;
  if (scope.context === undefined) {
    return {
      title: 'Open with the patient or visit you are working on',
      detail: 'When started from the portal or health record, the app learns which patient and visit are open.',
    };
  }
  const thing = scope.context === 'encounter' ? 'visit' : singularName(scope.context);
  const title = `Know which ${thing} you chose`;
  return roleDetail === undefined ? { title } : { title, detail: roleDetail };
}

/** The wording of a single recognised `category` constraint, e.g. vital signs. */
function categoryWording(scope: ResourceScope): DataWording | undefined {
  const [only, ...others] = scope.query;
  if (!only || others.length > 0 || only[0] !== 'category') return undefined;
  const value = only[1];
  const bar = value.lastIndexOf('|');
  const known = CATEGORIES[scope.resourceType]?.[value.slice(bar + 1)];
  // A bare code matches that code in any system; a system-qualified one must name the known system.
  if (!known || (bar >= 0 && value.slice(0, bar) !== known.system)) return undefined;
  return { noun: known.noun };
}

function possessive(level: ScopeLevel, wording: DataWording, partial: boolean): string {
  const some = partial ? 'some of ' : '';
  if (wording.shared) return `${partial ? 'some ' : ''}${wording.noun}`;
  if (level === 'patient') return `${some}your ${wording.noun}`;
  if (level === 'user') return `${some}patients' ${wording.noun}`;
  return `${partial ? 'some ' : ''}${wording.noun} for all patients`;
}

function verbs(scope: ResourceScope, wording: DataWording | undefined): string[] {
  const words = (action: Action): string => wording?.verbs?.[action] ?? action;
  const has = (permission: Permission): boolean => scope.permissions.has(permission);
  return [
    ...(has('r') || has('s') ? [words('see')] : []),
    ...(has('c') ? [words('add')] : []),
    ...(has('u') ? [words('change')] : []),
    ...(has('d') ? [words('delete')] : []),
  ];
}

/** "MedicationDispense" → "medication dispenses". */
function fallbackNoun(resourceType: string): string {
  const words = splitCamelCase(resourceType);
  const last = words.pop() ?? '';
  return [...words, plural(last)].join(' ');
}

/** "diagnosticreport" → "diagnostic report" when the type is known, else the context word itself. */
function singularName(context: string): string {
  const type = Object.keys(TYPES).find((name) => name.toLowerCase() === context);
  return type === undefined ? context : splitCamelCase(type).join(' ');
}

function splitCamelCase(name: string): string[] {
  // No regex lookbehind: older Safari cannot even parse it, which would break the whole portal bundle.
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(' ');
}

function plural(word: string): string {
  if (/(s|x|z|ch|sh)$/.test(word)) return `${word}es`;
  if (/[^aeiou]y$/.test(word)) return `${word.slice(0, -1)}ies`;
  return `${word}s`;
}

function joinWithAnd(words: readonly string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
