import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SLOT_TAKEN } from '../../gateway/src/fhir/operations/appointment-booking.ts';
import { create, outcome } from '../helpers/fhir.ts';
import { json, type TestGateway } from '../helpers/gateway.ts';
import { createPatient, createPractitioner, serveGateway } from '../helpers/oauth.ts';

let gw: TestGateway;
let base: string;
let close: () => Promise<void>;
let practitionerId: string;
let locationId: string;
let scheduleId: string;
let amy: { patientId: string; token: string };
let ben: { patientId: string; token: string };

const HOUR = 3_600_000;
let slotCounter = 0;

/** A Slot of the test Schedule, `hoursAhead` from now (negative: in the past). */
async function slot(hoursAhead: number, status: 'free' | 'busy' = 'free'): Promise<string> {
  const start = new Date(Date.now() + hoursAhead * HOUR + ++slotCounter * 60_000);
  const created = await create(gw, {
    resourceType: 'Slot',
    schedule: { reference: `Schedule/${scheduleId}` },
    status,
    start: start.toISOString(),
    end: new Date(start.getTime() + 15 * 60_000).toISOString(),
  });
  return created.id;
}

const bookParameters = (slotId: string, extra: object[] = []) => ({
  resourceType: 'Parameters',
  parameter: [{ name: 'slot', valueReference: { reference: `Slot/${slotId}` } }, ...extra],
});

/** POST over real HTTP (the gateway listens on a loopback port). */
function post(path: string, token: string, body?: unknown, contentType = 'application/fhir+json'): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': contentType }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function read(path: string): Promise<any> {
  const res = await gw.fhir(path);
  expect(res.status).toBe(200);
  return json(res);
}

/** Appointments (all versions' current state) that reference the slot. */
async function appointmentsOf(slotId: string): Promise<any[]> {
  const bundle = await read(`/fhir/Appointment?slot=Slot/${slotId}`);
  return (bundle.entry ?? []).map((e: any) => e.resource);
}

async function patientToken(family: string, scope = 'launch/patient openid fhirUser patient/Appointment.crus patient/Slot.rs patient/Schedule.rs') {
  const patientId = await createPatient(gw, family);
  return { patientId, token: await gw.mintToken({ sub: `user-${family}`, client_id: 'portico-portal', scope, patient: patientId }, 600) };
}

beforeAll(async () => {
  ({ gw, base, close } = await serveGateway());
  practitionerId = await createPractitioner(gw, 'Chen');
  locationId = (await create(gw, { resourceType: 'Location', name: 'Harbor Street Clinic' })).id;
  scheduleId = (
    await create(gw, {
      resourceType: 'Schedule',
      active: true,
      actor: [{ reference: `Practitioner/${practitionerId}`, display: 'Dr. Maya Chen' }, { reference: `Location/${locationId}` }],
    })
  ).id;
  amy = await patientToken('Rivera');
  ben = await patientToken('Okafor');
});

afterAll(async () => {
  await close?.();
});

describe('POST /fhir/Appointment/$book', () => {
  let slotId: string;
  beforeEach(async () => {
    slotId = await slot(48);
  });

  it('books a free slot: 201 with the booked Appointment, and the slot is busy', async () => {
    const res = await post('/fhir/Appointment/$book', amy.token, bookParameters(slotId, [{ name: 'comment', valueString: 'Knee pain' }]));
    const body = await json(res);
    expect(res.status, JSON.stringify(body)).toBe(201);
    expect(body.resourceType).toBe('Appointment');
    expect(res.headers.get('location')).toBe(`${base}/fhir/Appointment/${body.id}/_history/1`);
    const slotNow = await read(`/fhir/Slot/${slotId}`);
    expect(slotNow.status).toBe('busy');
    expect(slotNow.meta.versionId).toBe('2');
    expect(body).toMatchObject({
      status: 'booked',
      slot: [{ reference: `Slot/${slotId}` }],
      start: slotNow.start,
      end: slotNow.end,
      comment: 'Knee pain',
    });
    expect(body.participant.slice(0, 2)).toEqual([
      { actor: { reference: `Patient/${amy.patientId}` }, status: 'accepted', required: 'required' },
      { actor: { reference: `Practitioner/${practitionerId}`, display: 'Dr. Maya Chen' }, status: 'accepted', required: 'required' },
    ]);
    // Stored and indexed like any create: the patient finds it by search.
    const mine = await gw.fhir(`/fhir/Appointment?patient=${amy.patientId}&_id=${body.id}`, { token: amy.token });
    expect((await json(mine)).total).toBe(1);
  });

  it('answers 409 with "just taken" when the slot is no longer free, and creates nothing', async () => {
    expect((await post('/fhir/Appointment/$book', amy.token, bookParameters(slotId))).status).toBe(201);
    const again = await post('/fhir/Appointment/$book', ben.token, bookParameters(slotId));
    expect(again.status).toBe(409);
    const { first } = await outcome(again);
    expect(first.code).toBe('conflict');
    expect(first.diagnostics).toBe(SLOT_TAKEN);
    expect(await appointmentsOf(slotId)).toHaveLength(1);
  });

  it('books a slot exactly once when two patients race for it', async () => {
    const attempts = Array.from({ length: 10 }, (_, i) => post('/fhir/Appointment/$book', (i % 2 === 0 ? amy : ben).token, bookParameters(slotId)));
    const responses = await Promise.all(attempts);
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
    for (const r of responses) await r.arrayBuffer();
    const booked = await appointmentsOf(slotId);
    expect(booked).toHaveLength(1);
    expect(booked[0].status).toBe('booked');
    expect((await read(`/fhir/Slot/${slotId}`)).status).toBe('busy');
  });

  it('refuses a slot in the past with 422 business-rule', async () => {
    const past = await slot(-2);
    const res = await post('/fhir/Appointment/$book', amy.token, bookParameters(past));
    expect(res.status).toBe(422);
    expect((await outcome(res)).first.code).toBe('business-rule');
    expect((await read(`/fhir/Slot/${past}`)).status).toBe('free');
  });

  it('answers 404 for a slot that does not exist', async () => {
    const res = await post('/fhir/Appointment/$book', amy.token, bookParameters('no-such-slot'));
    expect(res.status).toBe(404);
    expect((await outcome(res)).first.code).toBe('not-found');
  });

  it('answers 403 insufficient_scope to a token that may not create Appointments', async () => {
    const reader = await patientToken('Reader', 'launch/patient patient/Appointment.rs patient/Slot.rs');
    const res = await post('/fhir/Appointment/$book', reader.token, bookParameters(slotId));
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toContain('insufficient_scope');
    expect((await outcome(res)).first.code).toBe('forbidden');
    expect((await read(`/fhir/Slot/${slotId}`)).status).toBe('free');
  });

  it('refuses to book for another patient with a patient/ token', async () => {
    const res = await post('/fhir/Appointment/$book', amy.token, bookParameters(slotId, [{ name: 'patient', valueReference: { reference: `Patient/${ben.patientId}` } }]));
    expect(res.status).toBe(403);
    expect(await appointmentsOf(slotId)).toHaveLength(0);
  });

  it('books for the named patient with a user/ token, and needs that patient', async () => {
    const clinician = await gw.mintToken({ sub: 'dr-chen', client_id: 'console', scope: 'user/Appointment.cruds user/Slot.rs' });
    const missing = await post('/fhir/Appointment/$book', clinician, bookParameters(slotId));
    expect(missing.status).toBe(400);
    expect((await outcome(missing)).first.diagnostics).toContain('"patient"');
    const unknown = await post('/fhir/Appointment/$book', clinician, bookParameters(slotId, [{ name: 'patient', valueReference: { reference: 'Patient/nobody' } }]));
    expect(unknown.status).toBe(404);
    const res = await post('/fhir/Appointment/$book', clinician, bookParameters(slotId, [{ name: 'patient', valueReference: { reference: `Patient/${ben.patientId}` } }]));
    expect(res.status).toBe(201);
    expect((await json(res)).participant[0].actor.reference).toBe(`Patient/${ben.patientId}`);
  });

  it.each([
    ['a body that is not Parameters', { resourceType: 'Appointment' }],
    ['no slot', { resourceType: 'Parameters', parameter: [{ name: 'comment', valueString: 'hi' }] }],
    ['a slot that is not a Slot reference', { resourceType: 'Parameters', parameter: [{ name: 'slot', valueReference: { reference: 'Patient/x' } }] }],
    ['a slot given as a string', { resourceType: 'Parameters', parameter: [{ name: 'slot', valueString: 'Slot/x' }] }],
    ['an unknown parameter', { resourceType: 'Parameters', parameter: [{ name: 'slot', valueReference: { reference: 'Slot/x' } }, { name: 'priority', valueString: 'high' }] }],
    ['the slot twice', { resourceType: 'Parameters', parameter: [{ name: 'slot', valueReference: { reference: 'Slot/x' } }, { name: 'slot', valueReference: { reference: 'Slot/y' } }] }],
    ['parameter that is not an array', { resourceType: 'Parameters', parameter: { name: 'slot' } }],
    ['an empty comment', { resourceType: 'Parameters', parameter: [{ name: 'slot', valueReference: { reference: 'Slot/x' } }, { name: 'comment', valueString: ' ' }] }],
  ])('answers 400 with an OperationOutcome for %s', async (_what, body) => {
    const res = await post('/fhir/Appointment/$book', amy.token, body);
    expect(res.status).toBe(400);
    expect((await outcome(res)).first.code).toBe('invalid');
    expect((await read(`/fhir/Slot/${slotId}`)).status).toBe('free');
  });

  it('answers 400 without a body, 415 for a non-JSON one, 405 to GET and 404 to operations it does not run', async () => {
    expect((await post('/fhir/Appointment/$book', amy.token)).status).toBe(400);
    expect((await post('/fhir/Appointment/$book', amy.token, bookParameters(slotId), 'text/plain')).status).toBe(415);
    expect((await gw.fhir('/fhir/Appointment/$book', { token: amy.token })).status).toBe(405);
    const unknown = await post('/fhir/Appointment/$everything', amy.token, { resourceType: 'Parameters' });
    expect(unknown.status).toBe(404);
    expect((await outcome(unknown)).first.code).toBe('not-supported');
    expect((await post('/fhir/Patient/$book', amy.token, bookParameters(slotId))).status).toBe(404);
  });
});

describe('POST /fhir/Appointment/{id}/$cancel', () => {
  async function booked(who = amy): Promise<{ appointmentId: string; slotId: string }> {
    const slotId = await slot(72);
    const res = await post('/fhir/Appointment/$book', who.token, bookParameters(slotId));
    expect(res.status).toBe(201);
    return { appointmentId: (await json(res)).id, slotId };
  }

  it('cancels the appointment and frees its slot, which can be booked again', async () => {
    const { appointmentId, slotId } = await booked();
    const res = await post(`/fhir/Appointment/${appointmentId}/$cancel`, amy.token, { resourceType: 'Parameters', parameter: [{ name: 'reason', valueString: 'Feeling better' }] });
    const body = await json(res);
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ id: appointmentId, status: 'cancelled', cancelationReason: { text: 'Feeling better' }, meta: { versionId: '2' } });
    expect(res.headers.get('etag')).toBe('W/"2"');
    expect((await read(`/fhir/Slot/${slotId}`)).status).toBe('free');
    const again = await post('/fhir/Appointment/$book', ben.token, bookParameters(slotId));
    expect(again.status).toBe(201);
  });

  it('is recorded in the audit trail as one operation each, naming the Appointment', async () => {
    const { appointmentId } = await booked();
    expect((await post(`/fhir/Appointment/${appointmentId}/$cancel`, amy.token)).status).toBe(200);
    const { events } = await gw.store.audit.list({ category: 'rest', action: 'operation', patientId: amy.patientId }, { limit: 200 });
    const mine = events.filter((e) => e.resourceId === appointmentId);
    expect(mine.map((e) => [e.action, e.detail, e.outcome]).sort()).toEqual([
      ['operation', '$book', 'success'],
      ['operation', '$cancel', 'success'],
    ]);
    expect(mine.every((e) => e.resourceType === 'Appointment' && e.patientId === amy.patientId)).toBe(true);
  });

  it('cancels with no body at all', async () => {
    const { appointmentId, slotId } = await booked();
    const res = await post(`/fhir/Appointment/${appointmentId}/$cancel`, amy.token);
    expect(res.status).toBe(200);
    expect((await json(res)).status).toBe('cancelled');
    expect((await read(`/fhir/Slot/${slotId}`)).status).toBe('free');
  });

  it('answers 409 when the appointment is already cancelled', async () => {
    const { appointmentId } = await booked();
    expect((await post(`/fhir/Appointment/${appointmentId}/$cancel`, amy.token)).status).toBe(200);
    const again = await post(`/fhir/Appointment/${appointmentId}/$cancel`, amy.token);
    expect(again.status).toBe(409);
    expect((await outcome(again)).first.code).toBe('conflict');
  });

  it("answers 404 for another patient's appointment and changes nothing", async () => {
    const { appointmentId, slotId } = await booked(ben);
    const res = await post(`/fhir/Appointment/${appointmentId}/$cancel`, amy.token);
    expect(res.status).toBe(404);
    expect((await read(`/fhir/Appointment/${appointmentId}`)).status).toBe('booked');
    expect((await read(`/fhir/Slot/${slotId}`)).status).toBe('busy');
    expect((await post('/fhir/Appointment/no-such-appointment/$cancel', amy.token)).status).toBe(404);
  });

  it('answers 422 for an appointment that has begun, and 403 without update permission', async () => {
    const past = await create(gw, {
      resourceType: 'Appointment',
      status: 'booked',
      start: new Date(Date.now() - HOUR).toISOString(),
      end: new Date(Date.now() - HOUR / 2).toISOString(),
      participant: [{ actor: { reference: `Patient/${amy.patientId}` }, status: 'accepted' }],
    });
    const res = await post(`/fhir/Appointment/${past.id}/$cancel`, amy.token);
    expect(res.status).toBe(422);
    expect((await outcome(res)).first.code).toBe('business-rule');
    const { appointmentId } = await booked();
    const reader = await gw.mintToken({ sub: 'user-Rivera', client_id: 'portico-portal', scope: 'patient/Appointment.rs', patient: amy.patientId });
    expect((await post(`/fhir/Appointment/${appointmentId}/$cancel`, reader)).status).toBe(403);
    expect((await read(`/fhir/Appointment/${appointmentId}`)).status).toBe('booked');
  });
});

describe('the CapabilityStatement', () => {
  it('lists $book and $cancel on Appointment', async () => {
    const metadata = await json(await gw.fhir('/fhir/metadata', { token: null }));
    const appointment = metadata.rest[0].resource.find((r: any) => r.type === 'Appointment');
    expect(appointment.operation.map((o: any) => o.name)).toEqual(['book', 'cancel']);
    for (const operation of appointment.operation) expect(operation.definition).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/fhir\/OperationDefinition\/Appointment-/);
    expect(metadata.rest[0].resource.find((r: any) => r.type === 'Patient').operation).toBeUndefined();
  });
});
