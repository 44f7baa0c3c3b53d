import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditEventRecord } from '../../gateway/src/db/audit-records.ts';
import { COMMANDS } from '../../gateway/src/cli/commands.ts';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { createPatientUser, launch, postForm, refresh, registerApp, Browser, authorizeUrl, pkce, formFor, type RegisteredApp } from '../helpers/oauth.ts';

// Issue 5 item 6: every FHIR interaction, token event, sign-in and admin action leaves exactly its
// audit row (security checklist AU1–AU4), and the trail is served as BALP AuditEvents.

const SECRET_CODE = 'zz-secret-search-value';
const SECRET_NOTE = 'zz-clinical-note-text';
const PATIENT_SCOPE = 'launch/patient openid fhirUser offline_access patient/Observation.crs patient/Patient.r';

/** The audit rows a request left, found by the X-Request-Id it sent. */
async function rowsOf(gw: TestGateway, requestId: string): Promise<AuditEventRecord[]> {
  const { events } = await gw.store.audit.list({}, { limit: 1000 });
  return events.filter((e) => e.requestId === requestId);
}

const requestId = () => `test-${randomUUID()}`;

function observation(patientId: string, extra: Record<string, unknown> = {}) {
  return {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
    subject: { reference: `Patient/${patientId}` },
    note: [{ text: SECRET_NOTE }],
    ...extra,
  };
}

describe('audit trail of FHIR interactions', () => {
  let gw: TestGateway;
  let app: RegisteredApp;
  let patient: { userId: string; patientId: string; token: string; refreshToken: string; grantId: string };
  let otherPatientId: string;
  let observationId: string;

  const send = (path: string, token: string | null, id: string, init: RequestInit = {}) =>
    gw.fhir(path, { ...init, token, headers: { ...(init.headers as Record<string, string>), 'X-Request-Id': id } });

  beforeAll(async () => {
    gw = await startTestGateway();
    app = await registerApp(gw, { scope: PATIENT_SCOPE });
    const amy = await createPatientUser(gw, 'amy');
    otherPatientId = (await createPatientUser(gw, 'bob')).patientId;
    const tokens = await launch(gw, app, { username: 'amy', scope: PATIENT_SCOPE });
    const claims = JSON.parse(Buffer.from(tokens.access_token.split('.')[1], 'base64url').toString());
    patient = { userId: amy.user.id, patientId: amy.patientId, token: tokens.access_token, refreshToken: tokens.refresh_token, grantId: claims.grant_id };
    const created = await gw.fhir('/fhir/Observation', { method: 'POST', body: JSON.stringify(observation(amy.patientId)) });
    observationId = (await json(created)).id;
  });

  it('a read leaves one success row naming user, app, grant, patient, resource and request', async () => {
    const id = requestId();
    const res = await send(`/fhir/Observation/${observationId}`, patient.token, id);
    expect(res.status).toBe(200);
    const rows = await rowsOf(gw, id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      category: 'rest',
      action: 'read',
      outcome: 'success',
      userId: patient.userId,
      fhirUser: `Patient/${patient.patientId}`,
      clientId: app.clientId,
      grantId: patient.grantId,
      patientId: patient.patientId,
      resourceType: 'Observation',
      resourceId: observationId,
      sourceAddress: null,
      requestId: id,
      detail: null,
    });
  });

  it('a search leaves one row with the type only, never the search values', async () => {
    const id = requestId();
    const res = await send(`/fhir/Observation?code=${SECRET_CODE}&_count=5`, patient.token, id);
    expect(res.status).toBe(200);
    const rows = await rowsOf(gw, id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: 'search', outcome: 'success', resourceType: 'Observation', resourceId: null, patientId: patient.patientId });
    expect(JSON.stringify(rows)).not.toContain(SECRET_CODE);
  });

  it('a create leaves one row with the new id and none of the content', async () => {
    const id = requestId();
    const res = await send('/fhir/Observation', patient.token, id, { method: 'POST', body: JSON.stringify(observation(patient.patientId)) });
    expect(res.status).toBe(201);
    const created = await json(res);
    const rows = await rowsOf(gw, id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: 'create', outcome: 'success', resourceType: 'Observation', resourceId: created.id, patientId: patient.patientId });
    expect(JSON.stringify(rows)).not.toContain(SECRET_NOTE);
  });

  it('a backend read names the patient whose compartment the resource is in', async () => {
    const id = requestId();
    const res = await send(`/fhir/Observation/${observationId}`, await gw.mintToken({ scope: 'system/Observation.rs' }), id);
    expect(res.status).toBe(200);
    expect(await rowsOf(gw, id)).toEqual([expect.objectContaining({ action: 'read', userId: null, clientId: 'test-backend', patientId: patient.patientId })]);
  });

  it('a 403 leaves one denied row with the status', async () => {
    const id = requestId();
    const res = await send(`/fhir/Observation?patient=${otherPatientId}`, patient.token, id);
    expect(res.status).toBe(403);
    const rows = await rowsOf(gw, id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: 'search', outcome: 'denied', detail: '403', clientId: app.clientId, resourceType: 'Observation' });
    expect(JSON.stringify(rows)).not.toContain(otherPatientId);
  });

  it('a failed request leaves one failure row with its status', async () => {
    const id = requestId();
    const res = await send('/fhir/Observation/does-not-exist', patient.token, id);
    expect(res.status).toBe(404);
    expect(await rowsOf(gw, id)).toEqual([expect.objectContaining({ action: 'read', outcome: 'failure', detail: '404', resourceId: 'does-not-exist' })]);
  });

  it('a batch leaves one row per entry', async () => {
    const id = requestId();
    const bundle = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { request: { method: 'GET', url: `Observation/${observationId}` } },
        { request: { method: 'GET', url: `Patient/${patient.patientId}` } },
        { request: { method: 'GET', url: `Observation?code=${SECRET_CODE}` } },
      ],
    };
    const res = await send('/fhir', patient.token, id, { method: 'POST', body: JSON.stringify(bundle) });
    expect(res.status).toBe(200);
    const rows = await rowsOf(gw, id);
    expect(rows.map((r) => `${r.action} ${r.resourceType}/${r.resourceId}`).sort()).toEqual([
      `read Observation/${observationId}`,
      `read Patient/${patient.patientId}`,
      'search Observation/null',
    ]);
  });

  it('a request without a token and one with a revoked token leave refused rows', async () => {
    const anonymous = requestId();
    expect((await send(`/fhir/Observation/${observationId}`, null, anonymous)).status).toBe(401);
    expect(await rowsOf(gw, anonymous)).toEqual([
      expect.objectContaining({ category: 'rest', action: 'refused', outcome: 'denied', clientId: null, detail: 'no_token', resourceType: 'Observation' }),
    ]);

    const revoke = await postForm(gw, '/auth/revoke', { token: patient.refreshToken, client_id: app.clientId }, { headers: { 'X-Request-Id': 'revoke-request-1' } });
    expect(revoke.status).toBe(200);
    expect(await rowsOf(gw, 'revoke-request-1')).toEqual([
      expect.objectContaining({ category: 'token', action: 'revoked', clientId: app.clientId, grantId: patient.grantId, userId: patient.userId, patientId: patient.patientId }),
    ]);

    const id = requestId();
    const res = await send(`/fhir/Observation/${observationId}`, patient.token, id);
    expect(res.status).toBe(401);
    const rows = await rowsOf(gw, id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      category: 'rest',
      action: 'refused',
      outcome: 'denied',
      clientId: app.clientId,
      grantId: patient.grantId,
      userId: patient.userId,
      patientId: patient.patientId,
      resourceType: 'Observation',
      resourceId: observationId,
      detail: 'revoked',
    });
  });

  it('refuses to change or delete audit rows', () => {
    expect(() => gw.sqlite.prepare("UPDATE audit_events SET outcome = 'success'").run()).toThrow(/append-only/);
    expect(() => gw.sqlite.prepare('DELETE FROM audit_events').run()).toThrow(/append-only/);
  });

  it('no row holds search values, clinical content or tokens', async () => {
    const { events } = await gw.store.audit.list({}, { limit: 1000 });
    const text = JSON.stringify(events);
    expect(text).not.toContain(SECRET_CODE);
    expect(text).not.toContain(SECRET_NOTE);
    expect(text).not.toContain(patient.token.split('.')[2]);
    expect(text).not.toContain(patient.refreshToken);
  });
});

describe('audit rows that cannot be written', () => {
  it('a write whose audit row fails leaves no resource; a read whose row fails answers 500 without the resource', async () => {
    const gw = await startTestGateway();
    const patientId = (await json(await gw.fhir('/fhir/Patient', { method: 'POST', body: JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Doe' }] }) }))).id;
    const observationId = (await json(await gw.fhir('/fhir/Observation', { method: 'POST', body: JSON.stringify(observation(patientId)) }))).id;
    const count = () => gw.sqlite.prepare("SELECT count(*) FROM fhir_resources WHERE resource_type = 'Observation'").pluck().get();
    expect(count()).toBe(1);

    gw.sqlite.exec("CREATE TRIGGER audit_outage BEFORE INSERT ON audit_events WHEN NEW.action IN ('create', 'read') BEGIN SELECT RAISE(ABORT, 'disk full'); END");
    const write = await gw.fhir('/fhir/Observation', { method: 'POST', body: JSON.stringify(observation(patientId)) });
    expect(write.status).toBe(500);
    expect(count()).toBe(1);

    const read = await gw.fhir(`/fhir/Observation/${observationId}`);
    expect(read.status).toBe(500);
    expect(await read.text()).not.toContain(SECRET_NOTE);
    gw.sqlite.exec('DROP TRIGGER audit_outage');
    expect((await gw.fhir(`/fhir/Observation/${observationId}`)).status).toBe(200);
    await gw.close();
  });
});

describe('audit trail of tokens, sign-ins and admin actions', () => {
  let gw: TestGateway;
  let app: RegisteredApp;
  let amy: { userId: string; patientId: string };

  beforeAll(async () => {
    gw = await startTestGateway();
    app = await registerApp(gw, { scope: PATIENT_SCOPE });
    const created = await createPatientUser(gw, 'amy');
    amy = { userId: created.user.id, patientId: created.patientId };
  });

  const tokenRows = async (action: string) => (await gw.store.audit.list({ category: 'token', action }, { limit: 100 })).events;

  it('records issue, refresh and a refused refresh with grant, app, user, patient and scopes', async () => {
    const tokens = await launch(gw, app, { username: 'amy', scope: PATIENT_SCOPE });
    const grantId = JSON.parse(Buffer.from(tokens.access_token.split('.')[1], 'base64url').toString()).grant_id;
    expect(await tokenRows('issued')).toEqual([
      expect.objectContaining({ outcome: 'success', clientId: app.clientId, grantId, userId: amy.userId, patientId: amy.patientId }),
    ]);
    expect((await tokenRows('issued'))[0]!.detail).toContain('patient/Observation.crs');

    const refreshed = await refresh(gw, app, tokens.refresh_token);
    expect(refreshed.status).toBe(200);
    expect(await tokenRows('refreshed')).toEqual([expect.objectContaining({ clientId: app.clientId, grantId, userId: amy.userId, patientId: amy.patientId })]);

    const replay = await refresh(gw, app, tokens.refresh_token);
    expect(replay.status).toBe(400);
    expect(await tokenRows('refused')).toEqual([expect.objectContaining({ outcome: 'failure', clientId: app.clientId, detail: 'invalid_grant (refresh_token)' })]);
    const text = JSON.stringify(await gw.store.audit.list({ category: 'token' }, { limit: 100 }));
    expect(text).not.toContain(tokens.refresh_token);
    expect(text).not.toContain(tokens.access_token.split('.')[2]);
  });

  it('records sign-in failures (with the user when the name is known) and successes, never what was typed', async () => {
    const browser = new Browser(gw);
    const start = await browser.get(authorizeUrl(gw, { client_id: app.clientId, code_challenge: pkce().challenge, scope: PATIENT_SCOPE }));
    const page = await browser.get(start.headers.get('location')!);
    const form = formFor(await page.text(), 'sign-in');
    const attempt = async (username: string, password: string) => {
      const fields = new URLSearchParams(form.fields);
      fields.set('username', username);
      fields.set('password', password);
      return browser.post(form.action, fields);
    };
    expect((await attempt('amy', 'wrong-password-typed')).status).toBe(400);
    expect((await attempt('typed-a-password-here', 'x')).status).toBe(400);
    expect((await attempt('amy', 'correct horse battery staple')).status).toBe(303);

    const rows = [...(await gw.store.audit.list({ category: 'login' }, { limit: 3 })).events].reverse();
    expect(rows).toEqual([
      expect.objectContaining({ action: 'sign-in', outcome: 'denied', userId: amy.userId, clientId: app.clientId, detail: 'invalid credentials' }),
      expect.objectContaining({ action: 'sign-in', outcome: 'denied', userId: null, clientId: app.clientId }),
      expect.objectContaining({ action: 'sign-in', outcome: 'success', userId: amy.userId, fhirUser: `Patient/${amy.patientId}`, clientId: app.clientId }),
    ]);
    const text = JSON.stringify(rows);
    for (const typed of ['wrong-password-typed', 'typed-a-password-here', 'correct horse battery staple']) expect(text).not.toContain(typed);
  });

  it('records the command line revoking grants as an admin action', async () => {
    const revoke = COMMANDS.find((c) => c.name === 'grants revoke')!;
    await revoke.run({ ...gw, fhir: gw.localFhir }, { clientId: app.clientId, patientId: amy.patientId });
    expect((await gw.store.audit.list({ category: 'admin' }, { limit: 10 })).events).toEqual([
      expect.objectContaining({ action: 'grant.revoke', outcome: 'success', clientId: app.clientId, patientId: amy.patientId }),
    ]);
  });
});
