import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consolePageOf, consoleSignIn } from '../helpers/console.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { Browser, createPatientUser, createUser, launch, problemOf, registerApp, type RegisteredApp } from '../helpers/oauth.ts';

let gw: TestGateway;
let admin: Browser;
let app: RegisteredApp;
let amy: string;
let ben: string;

beforeAll(async () => {
  gw = await startTestGateway();
  await createUser(gw, { username: 'admin', role: 'admin' });
  amy = (await createPatientUser(gw, 'amy')).patientId;
  ben = (await createPatientUser(gw, 'ben')).patientId;
  app = await registerApp(gw, { name: 'Step counter' });
  const amyTokens = await launch(gw, app, { username: 'amy' });
  const benTokens = await launch(gw, app, { username: 'ben' });
  await gw.fhir(`/fhir/Patient/${amy}`, { token: amyTokens.access_token });
  await gw.fhir(`/fhir/Patient/${ben}`, { token: benTokens.access_token });
  await gw.fhir(`/fhir/Patient/${ben}`, { token: amyTokens.access_token }); // refused: not Amy's
  admin = await consoleSignIn(gw, 'admin');
});
afterAll(() => gw.close());

/** The rows of the audit table: [time, action, outcome, user, app, patient, resource, detail, from]. */
function rows(html: string): string[][] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '';
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map(([, row]) => [...row!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map(([, cell]) => cell!.replace(/<[^>]+>/g, '').trim()));
}

describe('the audit log in the console', () => {
  it("filtered to one patient, shows that patient's events only, the app's reads among them", async () => {
    const { html } = await consolePageOf(admin, `/admin/audit?patient=${amy}`);
    const table = rows(html);
    expect(table.length).toBeGreaterThan(1);
    for (const row of table) expect(row[5]).toBe(`Patient/${amy}`);
    expect(table.some((r) => r[1] === 'rest read' && r[2] === 'success' && r[4] === 'Step counter' && r[6] === `Patient/${amy}`)).toBe(true);
    const all = rows((await consolePageOf(admin, '/admin/audit')).html);
    expect(all.some((r) => r[5] === `Patient/${ben}`)).toBe(true);
  });

  it('filters by app, user, action, outcome and date range', async () => {
    // Amy's app asking for Ben's record got a 404.
    const failed = rows((await consolePageOf(admin, `/admin/audit?outcome=failure&category=rest`)).html);
    expect(failed.map((r) => [r[1], r[2], r[3], r[6], r[7]])).toEqual([['rest read', 'failure', 'amy', `Patient/${ben}`, '404']]);
    const byUser = rows((await consolePageOf(admin, '/admin/audit?user=ben&action=read')).html);
    expect(byUser.length).toBeGreaterThan(0);
    for (const row of byUser) expect([row[3], row[1]]).toEqual(['ben', 'rest read']);
    const byApp = rows((await consolePageOf(admin, `/admin/audit?client=${app.clientId}`)).html);
    for (const row of byApp) expect(row[4]).toBe('Step counter');
    const today = gw.now().toISOString().slice(0, 10);
    expect(rows((await consolePageOf(admin, `/admin/audit?from=${today}&to=${today}`)).html).length).toBeGreaterThan(0);
    expect(rows((await consolePageOf(admin, '/admin/audit?from=2001-01-01&to=2001-12-31')).html)).toEqual([]);
  });

  it('says what is wrong with a filter', async () => {
    const res = await admin.get('/admin/audit?user=nobody');
    expect(res.status).toBe(400);
    expect(problemOf(await res.text())).toBe('User: there is no user named nobody');
    const dates = await admin.get('/admin/audit?from=2026-05-02&to=2026-05-01');
    expect(problemOf(await dates.text())).toBe('To: must not be before the start date');
  });

  it('exports the filtered log as CSV, and records the export', async () => {
    const res = await admin.get(`/admin/audit/export.csv?patient=${amy}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="portico-audit-\d{4}-\d\d-\d\d\.csv"$/);
    const lines = (await res.text()).trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/^recorded,id,category,action,outcome,/);
    const patientColumn = lines[0]!.split(',').indexOf('patient');
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines.slice(1)) expect(line.split(',')[patientColumn]).toBe(amy);
    expect((await gw.store.audit.list({ action: 'audit.export' }, { limit: 5 })).events).toHaveLength(1);
  });

  it('is for admins only', async () => {
    const patient = await consoleSignIn(gw, 'amy');
    expect((await patient.get('/admin/audit')).status).toBe(403);
    expect((await patient.get('/admin/audit/export.csv')).status).toBe(403);
    expect((await new Browser(gw).get('/admin/audit/export.csv')).status).toBe(303);
  });
});
