import type { Appointment, DocumentReference, Encounter, Resource } from 'fhir/r4';
import { DOCUMENT_CATEGORY, ENCOUNTER_CLASS, LOINC } from '@portico/shared/fhir/code-systems';
import type { SeededRandom } from '../random.ts';
import { addDays, at, DAY_MS, instant, isWeekday } from './calendar.ts';
import type { DemoPatient } from './patients.ts';
import { LOCATION_ID, PRACTITIONERS } from './practice.ts';
import { readingsAt, vitalObservation, type Reading } from './vitals.ts';

const CLINIC_SIGNS = ['bloodPressure', 'heartRate', 'respiratoryRate', 'oxygenSaturation', 'bodyTemperature', 'bodyHeight', 'bodyWeight', 'bmi'] as const;
const VISIT_REASONS = ['Routine follow-up', 'Blood pressure review', 'Annual wellness visit', 'Medication review', 'Seasonal cough'];

/**
 * A year of care for one patient, ending at `anchor` (the day the demo was first seeded): four clinic
 * visits, each an Appointment, an Encounter, a full set of vital signs and a visit note; and weekly home
 * blood pressure and heart rate readings, with body weight every other week.
 */
export function pastCare(p: DemoPatient, random: SeededRandom, anchor: Date): Resource[] {
  const resources: Resource[] = [];
  const yearAgo = addDays(anchor, -365);
  const progressOf = (when: Date) => (when.getTime() - yearAgo.getTime()) / (365 * DAY_MS);

  for (let visit = 0; visit < 4; visit++) {
    let day = addDays(anchor, -340 + visit * 91 + random.int(-10, 10));
    while (!isWeekday(day)) day = addDays(day, 1);
    const start = at(day, random.int(9, 15), random.pick([0, 30]));
    const tag = `${p.id.slice('demo-pat-'.length)}-v${visit + 1}`;
    const encounterId = `demo-enc-${tag}`;
    const reason = visit === 0 ? 'Annual wellness visit' : random.pick(VISIT_REASONS);
    resources.push(pastAppointment(`demo-apt-${tag}`, p, start, reason), encounter(encounterId, p, start, reason));
    const readings = readingsAt(p, random, progressOf(start), CLINIC_SIGNS);
    readings.forEach((reading, i) => {
      resources.push(vitalObservation(`demo-obs-${tag}-${i + 1}`, p, reading, at(start, 0, 5 + i), { encounterId, practitionerId: p.practitionerId }));
    });
    resources.push(visitNote(`demo-doc-${tag}`, p, start, encounterId, reason, readings));
  }

  for (let week = 0; week < 52; week++) {
    const when = at(addDays(yearAgo, week * 7 + 3), 7, random.int(0, 50));
    const keys = week % 2 === 0 ? (['bloodPressure', 'heartRate', 'bodyWeight'] as const) : (['bloodPressure', 'heartRate'] as const);
    readingsAt(p, random, progressOf(when), keys).forEach((reading) => {
      const id = `demo-obs-${p.id.slice('demo-pat-'.length)}-h${String(week + 1).padStart(2, '0')}-${reading.key}`;
      resources.push(vitalObservation(id, p, reading, when, { home: true }));
    });
  }
  return resources;
}

function pastAppointment(id: string, p: DemoPatient, start: Date, reason: string): Appointment {
  return {
    resourceType: 'Appointment',
    id,
    status: 'fulfilled',
    serviceType: [{ text: 'General practice' }],
    description: reason,
    start: instant(start),
    end: instant(new Date(start.getTime() + 30 * 60_000)),
    minutesDuration: 30,
    participant: [
      { actor: { reference: `Patient/${p.id}` }, status: 'accepted', required: 'required' },
      { actor: { reference: `Practitioner/${p.practitionerId}` }, status: 'accepted', required: 'required' },
      { actor: { reference: `Location/${LOCATION_ID}` }, status: 'accepted', required: 'information-only' },
    ],
  };
}

function encounter(id: string, p: DemoPatient, start: Date, reason: string): Encounter {
  return {
    resourceType: 'Encounter',
    id,
    status: 'finished',
    class: { system: ENCOUNTER_CLASS, code: 'AMB', display: 'ambulatory' },
    type: [{ text: reason }],
    subject: { reference: `Patient/${p.id}` },
    participant: [{ individual: { reference: `Practitioner/${p.practitionerId}` } }],
    period: { start: instant(start), end: instant(new Date(start.getTime() + 30 * 60_000)) },
    location: [{ location: { reference: `Location/${LOCATION_ID}` } }],
  };
}

function visitNote(id: string, p: DemoPatient, start: Date, encounterId: string, reason: string, readings: readonly Reading[]): DocumentReference {
  const value = (key: Reading['key']) => readings.find((r) => r.key === key)?.value;
  const bp = value('bloodPressure') as { systolic: number; diastolic: number };
  const clinician = PRACTITIONERS.find((x) => x.id === p.practitionerId)!;
  const assessment = p.hypertensive
    ? bp.systolic >= 140
      ? 'Blood pressure above target. Continue lisinopril; reinforce home monitoring and salt reduction.'
      : 'Blood pressure at target on current treatment. Continue lisinopril and home readings.'
    : 'No acute concerns. Vital signs within normal limits.';
  const text = [
    `${reason}.`,
    '',
    `Vitals: BP ${bp.systolic}/${bp.diastolic} mmHg, heart rate ${value('heartRate')}/min, temperature ${value('bodyTemperature')} °C, ` +
      `SpO2 ${value('oxygenSaturation')} %, weight ${value('bodyWeight')} kg (BMI ${value('bmi')}).`,
    '',
    `Assessment: ${assessment}`,
    p.diabetic ? 'Diabetes: reviewed home glucose log; continue metformin.' : '',
    p.asthmatic ? 'Asthma: well controlled; reliever inhaler as needed.' : '',
    '',
    `Plan: follow up in three months. — ${clinician.prefix ? `${clinician.prefix} ` : ''}${clinician.given} ${clinician.family}, ${clinician.qualification}`,
  ]
    .filter((line, i, all) => line !== '' || all[i - 1] !== '')
    .join('\n');
  return {
    resourceType: 'DocumentReference',
    id,
    status: 'current',
    docStatus: 'final',
    type: { coding: [{ system: LOINC, code: '11506-3', display: 'Progress note' }], text: 'Progress note' },
    category: [{ coding: [{ system: DOCUMENT_CATEGORY, code: 'clinical-note', display: 'Clinical Note' }] }],
    subject: { reference: `Patient/${p.id}` },
    date: instant(new Date(start.getTime() + 40 * 60_000)),
    author: [{ reference: `Practitioner/${p.practitionerId}` }],
    description: reason,
    content: [{ attachment: { contentType: 'text/plain; charset=utf-8', language: 'en', title: reason, data: Buffer.from(text, 'utf8').toString('base64') } }],
    context: { encounter: [{ reference: `Encounter/${encounterId}` }], period: { start: instant(start) } },
  };
}
