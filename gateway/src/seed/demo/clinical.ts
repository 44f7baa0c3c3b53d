import type { AllergyIntolerance, Condition, Immunization, MedicationRequest, Resource } from 'fhir/r4';
import {
  ALLERGY_CLINICAL,
  CONDITION_CATEGORY,
  CONDITION_CLINICAL,
  CONDITION_VERIFICATION,
  CVX,
  RXNORM,
  SNOMED,
} from '@portico/shared/fhir/code-systems';
import type { SeededRandom } from '../random.ts';
import { addDays, dateOnly, instant } from './calendar.ts';
import type { DemoPatient } from './patients.ts';

interface Problem {
  readonly key: string;
  readonly snomed: string;
  readonly display: string;
  readonly medication?: { readonly rxnorm: string; readonly display: string; readonly dosage: string };
}

const HYPERTENSION: Problem = {
  key: 'htn',
  snomed: '38341003',
  display: 'Hypertensive disorder',
  medication: { rxnorm: '314076', display: 'lisinopril 10 MG Oral Tablet', dosage: 'One tablet by mouth once daily' },
};
const DIABETES: Problem = {
  key: 'dm2',
  snomed: '44054006',
  display: 'Diabetes mellitus type 2',
  medication: { rxnorm: '860975', display: 'metformin hydrochloride 500 MG Oral Tablet', dosage: 'One tablet by mouth twice daily with meals' },
};
const ASTHMA: Problem = {
  key: 'asthma',
  snomed: '195967001',
  display: 'Asthma',
  medication: { rxnorm: '745679', display: 'albuterol 90 MCG/ACTUAT Metered Dose Inhaler', dosage: 'Two puffs every 4 to 6 hours as needed' },
};

/** Problems, their medicines, an allergy for some, and this season's flu shot. */
export function clinicalRecord(p: DemoPatient, random: SeededRandom, anchor: Date): Resource[] {
  const tag = p.id.slice('demo-pat-'.length);
  const problems = [p.hypertensive && HYPERTENSION, p.diabetic && DIABETES, p.asthmatic && ASTHMA].filter((x): x is Problem => !!x);
  const resources: Resource[] = [];
  for (const problem of problems) {
    const onset = addDays(anchor, -random.int(400, 3000));
    resources.push(condition(`demo-cnd-${tag}-${problem.key}`, p, problem, onset));
    if (problem.medication) resources.push(medicationRequest(`demo-med-${tag}-${problem.key}`, p, problem, addDays(onset, 14)));
  }
  if (random.chance(0.3)) resources.push(allergy(`demo-alg-${tag}`, p, random.pick(ALLERGIES), addDays(anchor, -random.int(900, 5000))));
  resources.push(fluShot(`demo-imm-${tag}-flu`, p, addDays(anchor, -random.int(20, 60))));
  return resources;
}

function condition(id: string, p: DemoPatient, problem: Problem, onset: Date): Condition {
  return {
    resourceType: 'Condition',
    id,
    clinicalStatus: { coding: [{ system: CONDITION_CLINICAL, code: 'active' }] },
    verificationStatus: { coding: [{ system: CONDITION_VERIFICATION, code: 'confirmed' }] },
    category: [{ coding: [{ system: CONDITION_CATEGORY, code: 'problem-list-item', display: 'Problem List Item' }] }],
    code: { coding: [{ system: SNOMED, code: problem.snomed, display: problem.display }], text: problem.display },
    subject: { reference: `Patient/${p.id}` },
    onsetDateTime: dateOnly(onset),
    recordedDate: dateOnly(onset),
    recorder: { reference: `Practitioner/${p.practitionerId}` },
  };
}

function medicationRequest(id: string, p: DemoPatient, problem: Problem, authoredOn: Date): MedicationRequest {
  const med = problem.medication!;
  return {
    resourceType: 'MedicationRequest',
    id,
    status: 'active',
    intent: 'order',
    medicationCodeableConcept: { coding: [{ system: RXNORM, code: med.rxnorm, display: med.display }], text: med.display },
    subject: { reference: `Patient/${p.id}` },
    authoredOn: dateOnly(authoredOn),
    requester: { reference: `Practitioner/${p.practitionerId}` },
    reasonCode: [{ coding: [{ system: SNOMED, code: problem.snomed, display: problem.display }] }],
    dosageInstruction: [{ text: med.dosage }],
  };
}

const ALLERGIES = [
  { snomed: '91936005', display: 'Allergy to penicillin', category: 'medication' as const, reaction: 'Hives' },
  { snomed: '91935009', display: 'Allergy to peanut', category: 'food' as const, reaction: 'Swelling of lips' },
  { snomed: '300916003', display: 'Latex allergy', category: 'environment' as const, reaction: 'Contact dermatitis' },
];

function allergy(id: string, p: DemoPatient, kind: (typeof ALLERGIES)[number], recorded: Date): AllergyIntolerance {
  return {
    resourceType: 'AllergyIntolerance',
    id,
    clinicalStatus: { coding: [{ system: ALLERGY_CLINICAL, code: 'active' }] },
    verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', code: 'confirmed' }] },
    type: 'allergy',
    category: [kind.category],
    criticality: 'low',
    code: { coding: [{ system: SNOMED, code: kind.snomed, display: kind.display }], text: kind.display },
    patient: { reference: `Patient/${p.id}` },
    recordedDate: dateOnly(recorded),
    reaction: [{ manifestation: [{ text: kind.reaction }] }],
  };
}

function fluShot(id: string, p: DemoPatient, when: Date): Immunization {
  return {
    resourceType: 'Immunization',
    id,
    status: 'completed',
    vaccineCode: { coding: [{ system: CVX, code: '150', display: 'Influenza, injectable, quadrivalent, preservative free' }] },
    patient: { reference: `Patient/${p.id}` },
    occurrenceDateTime: instant(when),
    primarySource: true,
    performer: [{ actor: { reference: `Practitioner/${p.practitionerId}` } }],
  };
}
