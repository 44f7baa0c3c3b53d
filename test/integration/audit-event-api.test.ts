import { beforeAll, describe, expect, it } from 'vitest';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { createPatientUser, createPractitioner, createUser, launch, registerApp, type RegisteredApp } from '../helpers/oauth.ts';

// `/fhir/AuditEvent`: the audit trail as IHE BALP AuditEvents, for practice admins and backend
// services only, filtered and paged, read-only.

const PATIENT_SCOPE = 'launch/patient openid fhirUser patient/Observation.crs patient/AuditEvent.rs';
const STAFF_SCOPE = 'openid fhirUser user/AuditEvent.rs';

describe('/fhir/AuditEvent', () => {
  let gw: TestGateway;
  let patientApp: RegisteredApp;
  let patientToken: string;
  let patientId: string;
  let adminToken: string;
  let observationIds: string[];

  const get = (path: string, token: string, init: RequestInit = {}) => gw.fhir(path, { ...init, token });

  beforeAll(async () => {
    gw = await startTestGateway();
    patientApp = await registerApp(gw, { scope: PATIENT_SCOPE });
    const amy = await createPatientUser(gw, 'amy');
    patientId = amy.patientId;
    patientToken = (await launch(gw, patientApp, { username: 'amy', scope: PATIENT_SCOPE })).access_token;
    observationIds = [];
    for (let i = 0; i < 3; i++) {
      const res = await get('/fhir/Observation', patientToken, {
        method: 'POST',
        body: JSON.stringify({ resourceType: 'Observation', status: 'final', code: { text: 'pulse' }, subject: { reference: `Patient/${patientId}` } }),
      });
      expect(res.status).toBe(201);
      observationIds.push((await json(res)).id);
    }
    await get(`/fhir/Observation/${observationIds[0]}`, patientToken);
    const adminApp = await registerApp(gw, { scope: STAFF_SCOPE });
    await createUser(gw, { username: 'boss', role: 'admin' });
    const admin = await launch(gw, adminApp, { username: 'boss', scope: STAFF_SCOPE });
    expect(admin.scope).toContain('user/AuditEvent.rs');
    adminToken = admin.access_token;
  });

  it('serves an admin the trail as BALP-shaped AuditEvents', async () => {
    const res = await get(`/fhir/AuditEvent?patient=Patient/${patientId}&subtype=read`, adminToken);
    expect(res.status).toBe(200);
    const bundle = await json(res);
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'searchset' });
    expect(bundle.entry).toHaveLength(1);
    const event = bundle.entry[0].resource;
    expect(bundle.entry[0].fullUrl).toBe(`${gw.config.fhirBaseUrl}/AuditEvent/${event.id}`);
    expect(event).toMatchObject({
      resourceType: 'AuditEvent',
      meta: { profile: ['https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.Read'] },
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' },
      subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: 'read' }],
      action: 'R',
      outcome: '0',
      source: { observer: { display: 'Portico gateway' } },
    });
    expect(new Date(event.recorded).getTime()).toBeGreaterThan(0);
    const [user, client] = event.agent;
    expect(user).toMatchObject({ requestor: true, who: { reference: `Patient/${patientId}` } });
    expect(client).toMatchObject({ requestor: false, who: { identifier: { value: patientApp.clientId } } });
    const roles = Object.fromEntries(event.entity.filter((e: any) => e.role).map((e: any) => [e.role.code, e.what.reference]));
    expect(roles).toEqual({ '1': `Patient/${patientId}`, '4': `Observation/${observationIds[0]}` });
  });

  it('filters by app, action, outcome and date', async () => {
    const ids = async (query: string) => ((await json(await get(`/fhir/AuditEvent?${query}`, adminToken))).entry ?? []).map((e: any) => e.resource);
    const creates = await ids(`agent=${patientApp.clientId}&subtype=create`);
    expect(creates.map((e: any) => e.entity.find((x: any) => x.role?.code === '4').what.reference).sort()).toEqual(observationIds.map((id) => `Observation/${id}`).sort());
    expect(creates.every((e: any) => e.action === 'C')).toBe(true);
    expect(await ids('action=C&outcome=4')).toEqual([]);
    const today = new Date().toISOString().slice(0, 10);
    expect((await ids(`agent=${patientApp.clientId}&subtype=create&date=ge${today}&date=lt2999-01-01`)).length).toBe(3);
    expect(await ids('subtype=create&date=lt2000-01-01')).toEqual([]);
    const logins = await ids('type=login&agent=boss');
    expect(logins.length).toBeGreaterThan(0);
    expect(logins[0].type.code).toBe('110114');
  });

  it('pages newest first through Bundle.link next', async () => {
    const first = await json(await get(`/fhir/AuditEvent?agent=${patientApp.clientId}&subtype=create&_count=2`, adminToken));
    expect(first.entry).toHaveLength(2);
    const next = first.link.find((l: any) => l.relation === 'next').url as string;
    const second = await json(await get(next.slice(next.indexOf('/fhir/')), adminToken));
    expect(second.entry).toHaveLength(1);
    expect(second.link.find((l: any) => l.relation === 'next')).toBeUndefined();
    const all = [...first.entry, ...second.entry].map((e: any) => e.resource);
    expect(new Set(all.map((e: any) => e.id)).size).toBe(3);
    expect(all.map((e: any) => e.recorded)).toEqual([...all.map((e: any) => e.recorded)].sort().reverse());
  });

  it('reads one AuditEvent by id', async () => {
    const [entry] = (await json(await get('/fhir/AuditEvent?_count=1', adminToken))).entry;
    const res = await get(`/fhir/AuditEvent/${entry.resource.id}`, adminToken);
    expect(res.status).toBe(200);
    expect((await json(res)).id).toBe(entry.resource.id);
    expect((await get('/fhir/AuditEvent/no-such-event', adminToken)).status).toBe(404);
  });

  it('serves backend services holding system/AuditEvent.rs, not a wildcard', async () => {
    expect((await get('/fhir/AuditEvent', await gw.mintToken({ scope: 'system/AuditEvent.rs' }))).status).toBe(200);
    expect((await get('/fhir/AuditEvent', await gw.mintToken({ scope: 'system/*.rs' }))).status).toBe(403);
  });

  it('refuses patients and non-admin staff with 403, and is itself audited', async () => {
    const res = await get('/fhir/AuditEvent', patientToken, { headers: { 'X-Request-Id': 'audit-read-by-patient' } });
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toContain('insufficient_scope');
    const { events } = await gw.store.audit.list({ clientId: patientApp.clientId, outcome: 'denied' }, { limit: 10 });
    expect(events.find((e) => e.requestId === 'audit-read-by-patient')).toMatchObject({ action: 'search', resourceType: 'AuditEvent', detail: '403' });

    const staffApp = await registerApp(gw, { scope: STAFF_SCOPE });
    await createUser(gw, { username: 'nurse', role: 'practitioner', fhirUser: `Practitioner/${await createPractitioner(gw)}` });
    const nurse = await launch(gw, staffApp, { username: 'nurse', scope: STAFF_SCOPE });
    expect((await get('/fhir/AuditEvent', nurse.access_token)).status).toBe(403);
  });

  it('is read-only', async () => {
    const body = JSON.stringify({ resourceType: 'AuditEvent' });
    expect((await get('/fhir/AuditEvent', adminToken, { method: 'POST', body })).status).toBe(405);
    expect((await get('/fhir/AuditEvent/x', adminToken, { method: 'PUT', body })).status).toBe(405);
    expect((await get('/fhir/AuditEvent/x', adminToken, { method: 'DELETE' })).status).toBe(405);
  });
});
