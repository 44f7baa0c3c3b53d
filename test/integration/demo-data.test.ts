import { validateResource } from '@medplum/core';
import type { Appointment, DocumentReference, Observation, Resource, Schedule, Slot } from 'fhir/r4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OBSERVATION_CATEGORY, UCUM } from '../../shared/src/fhir/code-systems.ts';
import { VITAL_SIGNS } from '../../shared/src/fhir/vital-signs.ts';
import { loadFhirDefinitions } from '../../gateway/src/fhir/definitions.ts';
import { silentProgress } from '../../gateway/src/progress.ts';
import { generateDemoData } from '../../gateway/src/seed/demo/index.ts';
import { DEMO_USERS } from '../../gateway/src/seed/demo-users.ts';
import { seedDemo, type SeedDeps, type SeedReport } from '../../gateway/src/seed/seed-demo.ts';
import { verifyPassword } from '../../gateway/src/users/password.ts';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { matchIds, rowCount, search } from '../helpers/fhir.ts';

const DAY = 86_400_000;
// A Wednesday afternoon: the demo is first seeded on this day, so it is the anchor.
const TODAY = new Date('2026-03-04T15:30:00Z');
const ANCHOR = new Date('2026-03-04T00:00:00Z');
const TOMORROW = '2026-03-05';

const demo = generateDemoData(ANCHOR, TODAY);
const ofType = <T extends Resource>(type: T['resourceType']) => demo.resources.filter((r): r is T => r.resourceType === type);
const day = (iso: string) => iso.slice(0, 10);
const isWeekday = (d: Date) => d.getUTCDay() !== 0 && d.getUTCDay() !== 6;

describe('generateDemoData', () => {
  it('is deterministic: two calls with the same dates are deep-equal', () => {
    expect(generateDemoData(ANCHOR, TODAY)).toEqual(demo);
  });

  it('holds at least 20 patients, each practitioner with a schedule, an organization and a location', () => {
    expect(ofType('Patient').length).toBeGreaterThanOrEqual(20);
    expect(ofType('Organization')).toHaveLength(1);
    expect(ofType('Location')).toHaveLength(1);
    const practitioners = ofType('Practitioner').map((p) => `Practitioner/${p.id}`);
    expect(practitioners.length).toBeGreaterThan(0);
    const scheduled = ofType<Schedule>('Schedule').flatMap((s) => s.actor.map((a) => a.reference));
    for (const reference of practitioners) expect(scheduled).toContain(reference);
  });

  it('gives every resource a unique id and resolves every reference inside the demo practice', () => {
    const keys = demo.resources.map((r) => `${r.resourceType}/${r.id}`);
    expect(new Set(keys).size).toBe(keys.length);
    const known = new Set(keys);
    const dangling = new Set<string>();
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) return value.forEach(walk);
      if (typeof value !== 'object' || value === null) return;
      for (const [key, child] of Object.entries(value)) {
        if (key === 'reference' && typeof child === 'string' && !known.has(child)) dangling.add(child);
        else walk(child);
      }
    };
    demo.resources.forEach(walk);
    expect([...dangling]).toEqual([]);
  });

  it('writes resources that the FHIR R4 validator accepts, checked apart from the write path', () => {
    loadFhirDefinitions();
    const failures: string[] = [];
    for (const resource of demo.resources) {
      try {
        validateResource(resource as Parameters<typeof validateResource>[0]);
      } catch (error) {
        failures.push(`${resource.resourceType}/${resource.id}: ${(error as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  });
});

describe('demo vital signs', () => {
  const vitals = ofType<Observation>('Observation').filter((o) =>
    o.category?.some((c) => c.coding?.some((x) => x.system === OBSERVATION_CATEGORY && x.code === 'vital-signs')),
  );
  const loincOf = (o: Observation) => o.code.coding?.[0]?.code;
  const quantityCodes = Object.values(VITAL_SIGNS).filter((s) => s.kind === 'quantity').map((s) => s.loinc);

  it('records every vital sign for every patient', () => {
    const expected = ['85354-9', '8867-4', '29463-7', '8302-2', '39156-5', '8310-5', '9279-1', '59408-5'];
    expect(Object.values(VITAL_SIGNS).map((s) => s.loinc).sort()).toEqual([...expected].sort());
    for (const patient of ofType('Patient')) {
      const codes = new Set(vitals.filter((o) => o.subject?.reference === `Patient/${patient.id}`).map(loincOf));
      expect([...codes].sort(), patient.id).toEqual([...expected].sort());
    }
  });

  it('records blood pressure as systolic and diastolic components in mm[Hg], with no value of its own', () => {
    const panels = vitals.filter((o) => loincOf(o) === '85354-9');
    expect(panels.length).toBeGreaterThan(0);
    for (const o of panels) {
      expect(o.valueQuantity).toBeUndefined();
      expect(o.component?.map((c) => c.code.coding?.[0]?.code)).toEqual(['8480-6', '8462-4']);
      for (const c of o.component!) {
        expect(c.valueQuantity).toEqual({ value: expect.any(Number), unit: 'mm[Hg]', system: UCUM, code: 'mm[Hg]' });
      }
    }
  });

  it('uses UCUM quantities with the units of shared/src/fhir/vital-signs.ts', () => {
    for (const o of vitals.filter((x) => quantityCodes.includes(loincOf(x)!))) {
      const sign = Object.values(VITAL_SIGNS).find((s) => s.loinc === loincOf(o))!;
      expect(o.valueQuantity).toEqual({ value: expect.any(Number), unit: sign.unit, system: UCUM, code: sign.unit });
      expect(o.status).toBe('final');
    }
  });

  it('spans about a year, ending shortly before the anchor day, for every patient', () => {
    for (const patient of ofType('Patient')) {
      const times = vitals.filter((o) => o.subject?.reference === `Patient/${patient.id}`).map((o) => Date.parse(o.effectiveDateTime!));
      const earliest = Math.min(...times);
      const latest = Math.max(...times);
      expect((ANCHOR.getTime() - earliest) / DAY, patient.id).toBeGreaterThanOrEqual(330);
      expect((ANCHOR.getTime() - earliest) / DAY, patient.id).toBeLessThanOrEqual(366);
      expect(latest, patient.id).toBeLessThanOrEqual(ANCHOR.getTime());
      expect((ANCHOR.getTime() - latest) / DAY, patient.id).toBeLessThanOrEqual(14);
    }
  });

  it('keeps every value physiologically plausible', () => {
    const ranges: Record<string, [number, number]> = {
      '8480-6': [80, 200],
      '8462-4': [40, 130],
      '8867-4': [40, 150],
      '9279-1': [8, 30],
      '59408-5': [85, 100],
      '8310-5': [35, 39.5],
      '8302-2': [140, 210],
      '29463-7': [35, 200],
      '39156-5': [14, 50],
    };
    const outOfRange: string[] = [];
    const check = (code: string, value: number | undefined, id: string) => {
      const [low, high] = ranges[code]!;
      if (value === undefined || !(value >= low && value <= high)) outOfRange.push(`${id} ${code}=${value}`);
    };
    for (const o of vitals) {
      if (o.component) for (const c of o.component) check(c.code.coding![0]!.code!, c.valueQuantity?.value, o.id!);
      else check(loincOf(o)!, o.valueQuantity?.value, o.id!);
    }
    expect(outOfRange).toEqual([]);
  });
});

describe('demo scheduling', () => {
  const slots = ofType<Slot>('Slot');
  const appointments = ofType<Appointment>('Appointment');
  const booked = appointments.filter((a) => a.status === 'booked');

  it('offers free slots on each weekday of the 14 days after today, for every schedule', () => {
    const schedules = ofType('Schedule').map((s) => `Schedule/${s.id}`);
    for (let offset = 1; offset <= 14; offset++) {
      const date = new Date(ANCHOR.getTime() + offset * DAY);
      const free = slots.filter((s) => s.status === 'free' && day(s.start) === day(date.toISOString()));
      if (!isWeekday(date)) {
        expect(free, date.toISOString()).toEqual([]);
        continue;
      }
      for (const schedule of schedules) {
        expect(free.some((s) => s.schedule.reference === schedule), `${schedule} on ${day(date.toISOString())}`).toBe(true);
      }
    }
  });

  it('extends the free slots to 14 days after a later today', () => {
    const later = new Date(TODAY.getTime() + 10 * DAY);
    const laterSlots = generateDemoData(ANCHOR, later).resources.filter((r): r is Slot => r.resourceType === 'Slot');
    const lastWeekday = [...Array(14).keys()].map((i) => new Date(later.getTime() + (14 - i) * DAY)).find(isWeekday)!;
    expect(laterSlots.some((s) => s.status === 'free' && day(s.start) === day(lastWeekday.toISOString()))).toBe(true);
    expect(slots.some((s) => day(s.start) === day(lastWeekday.toISOString()))).toBe(false);
  });

  it('books each upcoming appointment into its own busy slot with the same start and end', () => {
    expect(booked.length).toBeGreaterThan(0);
    const slotRefs = booked.map((a) => a.slot?.[0]?.reference);
    expect(new Set(slotRefs).size).toBe(booked.length);
    for (const appointment of booked) {
      expect(appointment.slot).toHaveLength(1);
      const slot = slots.find((s) => `Slot/${s.id}` === appointment.slot![0]!.reference)!;
      expect(slot, appointment.id).toBeDefined();
      expect(slot.status).toBe('busy');
      expect([slot.start, slot.end]).toEqual([appointment.start, appointment.end]);
      expect(Date.parse(appointment.start!)).toBeGreaterThan(TODAY.getTime());
      // The slot belongs to the schedule of the appointment's practitioner.
      const practitioner = appointment.participant.find((p) => p.actor?.reference?.startsWith('Practitioner/'))!.actor!.reference;
      const schedule = ofType<Schedule>('Schedule').find((s) => `Schedule/${s.id}` === slot.schedule.reference)!;
      expect(schedule.actor.map((a) => a.reference)).toContain(practitioner);
    }
    // No slot is busy without an appointment.
    expect(slots.filter((s) => s.status === 'busy').map((s) => `Slot/${s.id}`).sort()).toEqual([...slotRefs].sort());
  });

  it('has fulfilled past and booked upcoming appointments, each with a patient and a practitioner', () => {
    const fulfilled = appointments.filter((a) => a.status === 'fulfilled');
    expect(fulfilled.length).toBeGreaterThan(0);
    for (const a of fulfilled) expect(Date.parse(a.end!)).toBeLessThanOrEqual(ANCHOR.getTime());
    expect(appointments.length).toBe(fulfilled.length + booked.length);
    for (const a of appointments) {
      const actors = a.participant.map((p) => p.actor?.reference ?? '');
      expect(actors.filter((r) => r.startsWith('Patient/')), a.id).toHaveLength(1);
      expect(actors.filter((r) => r.startsWith('Practitioner/')), a.id).toHaveLength(1);
    }
  });
});

describe('demo notes', () => {
  it('are DocumentReferences with base64 text/plain content, a type, an author and a date', () => {
    const notes = ofType<DocumentReference>('DocumentReference');
    expect(notes.length).toBeGreaterThan(0);
    for (const note of notes) {
      expect(note.type?.coding?.[0]?.code, note.id).toBeTruthy();
      expect(note.author?.[0]?.reference, note.id).toMatch(/^Practitioner\//);
      expect(Number.isNaN(Date.parse(note.date!)), note.id).toBe(false);
      const attachment = note.content[0]!.attachment;
      expect(attachment.contentType, note.id).toMatch(/^text\/plain(;|$)/);
      const decoded = Buffer.from(attachment.data!, 'base64');
      expect(decoded.toString('base64'), 'canonical base64').toBe(attachment.data);
      expect(decoded.toString('utf8').trim(), note.id).not.toBe('');
    }
  });
});

describe('seedDemo through a gateway', () => {
  let gw: TestGateway;
  let deps: SeedDeps;
  let first: SeedReport;

  beforeAll(async () => {
    gw = await startTestGateway({}, () => TODAY);
    deps = { fhir: gw.localFhir, resources: gw.resources, store: gw.store, now: gw.now };
    first = await seedDemo(deps, silentProgress);
  });
  afterAll(() => gw?.close());

  it('creates every demo resource and the demo users, anchored on today', () => {
    expect(first).toEqual({ created: demo.resources.length, alreadyPresent: 0, usersCreated: DEMO_USERS.map((u) => u.username), anchor: '2026-03-04' });
    expect(rowCount(gw, 'fhir_resources')).toBe(demo.resources.length);
  });

  it('makes the demo searchable over the FHIR API', async () => {
    const count = await search(gw, '/fhir/Patient?_summary=count');
    expect(count.total).toBe(ofType('Patient').length);

    const bundle = await search(gw, '/fhir/Observation?patient=demo-pat-01&category=vital-signs&_sort=-date&_count=50');
    const dates = bundle.entry.map((e: any) => e.resource.effectiveDateTime as string);
    const newest = ofType<Observation>('Observation')
      .filter((o) => o.subject?.reference === 'Patient/demo-pat-01')
      .map((o) => o.effectiveDateTime!)
      .sort()
      .reverse()
      .slice(0, 50);
    expect(dates).toEqual(newest);
    expect(bundle.entry.every((e: any) => e.resource.subject.reference === 'Patient/demo-pat-01')).toBe(true);

    const free = await search(gw, `/fhir/Slot?status=free&start=ge${TOMORROW}&_count=1000`);
    const expected = ofType<Slot>('Slot').filter((s) => s.status === 'free' && day(s.start) >= TOMORROW);
    expect(expected.length).toBeGreaterThan(0);
    expect(free.entry.map((e: any) => e.resource.id).sort()).toEqual(expected.map((s) => s.id).sort());

    const mine = await matchIds(gw, '/fhir/Appointment?patient=demo-pat-01&status=booked');
    expect(mine).toEqual(ofType<Appointment>('Appointment').filter((a) => a.status === 'booked' && a.id!.startsWith('demo-apt-01-')).map((a) => a.id));
  });

  it('serves a demo note with its text intact', async () => {
    const res = await gw.fhir('/fhir/DocumentReference/demo-doc-01-v1');
    expect(res.status).toBe(200);
    const note = await json(res);
    const generated = ofType<DocumentReference>('DocumentReference').find((d) => d.id === 'demo-doc-01-v1')!;
    expect(note.content).toEqual(generated.content);
  });

  it('creates the demo users with their role, fhirUser and password', async () => {
    for (const demoUser of DEMO_USERS) {
      const user = await gw.store.users.findByUsername(demoUser.username);
      expect(user, demoUser.username).toMatchObject({ role: demoUser.role, fhirUser: demoUser.fhirUser ?? null, disabledAt: null });
      expect(await verifyPassword(demoUser.password, user!.passwordHash)).toBe(true);
      expect(await verifyPassword(`${demoUser.password}x`, user!.passwordHash)).toBe(false);
    }
  });

  it('changes nothing when run again on the same day: 0 created, every resource still at version 1', async () => {
    const again = await seedDemo(deps, silentProgress);
    expect(again).toEqual({ created: 0, alreadyPresent: demo.resources.length, usersCreated: [], anchor: '2026-03-04' });
    expect(rowCount(gw, 'fhir_resources')).toBe(demo.resources.length);
    // fhir_history keeps superseded versions: an update would have archived one here.
    expect(rowCount(gw, 'fhir_history')).toBe(0);
    const bumped = gw.sqlite.prepare('SELECT count(*) AS n FROM fhir_resources WHERE version_id <> 1').get() as { n: number };
    expect(bumped.n).toBe(0);
    expect((await json(await gw.fhir('/fhir/Patient/demo-pat-01'))).meta.versionId).toBe('1');
  });

  it('adds only the new free slots when run again three days later, keeping the first anchor', async () => {
    const later = new Date(TODAY.getTime() + 3 * DAY);
    const before = new Set(demo.resources.map((r) => `${r.resourceType}/${r.id}`));
    const added = generateDemoData(ANCHOR, later).resources.filter((r) => !before.has(`${r.resourceType}/${r.id}`));
    expect(added.length).toBeGreaterThan(0);
    expect(new Set(added.map((r) => r.resourceType))).toEqual(new Set(['Slot']));
    expect(added.every((r) => (r as Slot).status === 'free' && day((r as Slot).start) > '2026-03-18')).toBe(true);

    const report = await seedDemo({ ...deps, now: () => later }, silentProgress);
    expect(report).toEqual({ created: added.length, alreadyPresent: demo.resources.length, usersCreated: [], anchor: '2026-03-04' });
    expect(rowCount(gw, 'fhir_resources')).toBe(demo.resources.length + added.length);
    const bumped = gw.sqlite.prepare('SELECT count(*) AS n FROM fhir_resources WHERE version_id <> 1').get() as { n: number };
    expect(bumped.n).toBe(0);
    const newest = added.map((r) => (r as Slot).start).sort().at(-1)!;
    const atNewest = added.filter((r) => (r as Slot).start === newest).map((r) => r.id);
    expect((await matchIds(gw, `/fhir/Slot?start=${newest}`)).sort()).toEqual(atNewest.sort());
  });
});
