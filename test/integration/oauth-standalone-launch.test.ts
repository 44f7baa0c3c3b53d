import smart from 'fhirclient';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestGateway } from '../helpers/gateway.ts';
import {
  createPatient,
  createPatientUser,
  createPractitioner,
  createUser,
  ehrLaunch,
  registerApp,
  serveGateway,
  signInAndConsent,
  type RegisteredApp,
  type SignInOptions,
} from '../helpers/oauth.ts';

// fhirclient's Node adapter is the app here: it discovers the gateway, builds the authorization
// request, exchanges the code and refreshes over real HTTP. The tests play the person in the browser.

const APP_ORIGIN = 'https://app.example';
const REDIRECT = `${APP_ORIGIN}/cb`;

let gw: TestGateway;
let base: string;
let close: () => Promise<void>;
let alicePatient: string;
let pickedPatient: string;
let practitionerId: string;
let publicApp: RegisteredApp;
let secretApp: RegisteredApp;

beforeAll(async () => {
  ({ gw, base, close } = await serveGateway());
  alicePatient = (await createPatientUser(gw, 'alice')).patientId;
  pickedPatient = await createPatient(gw, 'Picked');
  practitionerId = await createPractitioner(gw);
  await createUser(gw, { username: 'dr.welby', role: 'practitioner', fhirUser: `Practitioner/${practitionerId}` });
  publicApp = await registerApp(gw, { name: 'Public app', redirectUris: [REDIRECT], launchUri: `${APP_ORIGIN}/launch` });
  secretApp = await registerApp(gw, {
    name: 'Confidential app',
    type: 'confidential-symmetric',
    redirectUris: [REDIRECT],
    scope: 'openid fhirUser launch launch/patient offline_access patient/*.rs user/*.rs',
  });
});

afterAll(() => close());

/** fhirclient's storage: one Map per app session. */
function memoryStorage() {
  const values = new Map<string, any>();
  return {
    get: async (key: string) => values.get(key),
    set: async (key: string, value: any) => (values.set(key, value), value),
    unset: async (key: string) => values.delete(key),
  };
}

/** The IncomingMessage-like request the Node adapter reads (`url` and `host` only). */
const appRequest = (url: string) => ({ url, headers: { host: 'app.example', 'x-forwarded-proto': 'https' }, socket: {} }) as any;
const appResponse = { writeHead() {}, end() {} } as any;

/**
 * Lets fhirclient build the authorization request, walks the gateway's pages as `person`, and hands
 * the redirect back to fhirclient's ready(): the connected client.
 */
async function connect(
  authorize: { clientId: string; scope: string; clientSecret?: string; iss?: string },
  person: Omit<SignInOptions, 'browser'>,
  launchPath = '/launch',
) {
  const storage = memoryStorage();
  const authorizeUrl = await smart(appRequest(launchPath), appResponse, storage).authorize({
    ...authorize,
    redirectUri: REDIRECT,
    noRedirect: true,
    pkceMode: 'required',
  } as any);
  const url = new URL(String(authorizeUrl));
  expect(url.origin).toBe(base);
  const location = await signInAndConsent(gw, url.pathname + url.search, person);
  expect(location.startsWith(`${REDIRECT}?`)).toBe(true);
  const back = new URL(location);
  const client = await smart(appRequest(back.pathname + back.search), appResponse, storage).ready();
  return { client, authorizeUrl: url, redirect: back };
}

/** A FHIR read through the client, with the HTTP status. */
async function readWith(client: any, path: string): Promise<{ status: number; body: any }> {
  const { body, response } = await client.request({ url: path, includeResponse: true });
  return { status: response.status, body };
}

describe('a public app (no secret)', () => {
  let client: any;
  let authorizeUrl: URL;

  beforeAll(async () => {
    ({ client, authorizeUrl } = await connect(
      { iss: `${base}/fhir`, clientId: publicApp.clientId, scope: 'launch/patient openid fhirUser offline_access patient/*.rs' },
      { username: 'alice' },
    ));
  });

  it('SL-01 sends a complete S256 authorization request built from discovery', () => {
    const params = authorizeUrl.searchParams;
    expect(authorizeUrl.pathname).toBe('/auth/authorize');
    expect(params.get('response_type')).toBe('code');
    expect(params.get('client_id')).toBe(publicApp.clientId);
    expect(params.get('aud')).toBe(`${base}/fhir`);
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.get('state')).toBeTruthy();
  });

  it('SL-14 TK-08 SL-08 TK-05 completes the launch and knows the signed-in patient', () => {
    expect(client.patient.id).toBe(alicePatient);
    expect(client.getState('tokenResponse.token_type')).toBe('Bearer');
  });

  it('TK-04 the granted scope echoes every requested context and identity scope', () => {
    expect(client.getState('tokenResponse.scope').split(' ').sort()).toEqual(['fhirUser', 'launch/patient', 'offline_access', 'openid', 'patient/*.rs']);
  });

  it('OI-08 the id_token names the user as fhirUser', () => {
    expect(client.user.fhirUser).toBe(`Patient/${alicePatient}`);
    expect(client.user.resourceType).toBe('Patient');
  });

  it("API-02 reads the in-context patient's Patient resource with 200", async () => {
    const { status, body } = await readWith(client, `Patient/${alicePatient}`);
    expect(status).toBe(200);
    expect(body.resourceType).toBe('Patient');
    expect(body.id).toBe(alicePatient);
  });

  it('RF-02 RF-06 RF-07 client.refresh() (no client_id sent) rotates the tokens, and the new access token reads the patient', async () => {
    const before = { ...client.state.tokenResponse };
    await client.refresh();
    const after = client.state.tokenResponse;
    expect(after.access_token).not.toBe(before.access_token);
    expect(after.refresh_token).not.toBe(before.refresh_token);
    expect(after.scope).toBe(before.scope);
    expect(typeof after.expires_in).toBe('number');
    expect((await readWith(client, `Patient/${alicePatient}`)).status).toBe(200);
  });

  it('RF-10 the refresh token fhirclient held before the refresh no longer works', async () => {
    const stale = client.state.tokenResponse.refresh_token;
    await client.refresh();
    const res = await fetch(`${base}/auth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: stale, client_id: publicApp.clientId }),
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toBe('invalid_grant');
  });
});

describe('a confidential app with a client secret', () => {
  let client: any;

  beforeAll(async () => {
    ({ client } = await connect(
      { iss: `${base}/fhir`, clientId: secretApp.clientId, clientSecret: secretApp.secret, scope: 'launch/patient openid fhirUser offline_access patient/*.rs' },
      { username: 'alice' },
    ));
  });

  it('TK-09 exchanges the code with HTTP Basic and gets the patient context', () => {
    expect(client.patient.id).toBe(alicePatient);
    expect(client.getState('tokenResponse.refresh_token')).toBeTypeOf('string');
    expect(client.getState('tokenResponse.id_token')).toBeTypeOf('string');
  });

  it("API-02 reads the patient's Patient resource with 200", async () => {
    expect((await readWith(client, `Patient/${alicePatient}`)).status).toBe(200);
  });

  it('RF-06 refreshes with HTTP Basic, and the refreshed token reads the patient', async () => {
    const before = client.state.tokenResponse.access_token;
    await client.refresh();
    expect(client.state.tokenResponse.access_token).not.toBe(before);
    expect((await readWith(client, `Patient/${alicePatient}`)).status).toBe(200);
  });
});

describe('a practitioner choosing a patient in the picker', () => {
  let client: any;
  const pages: string[] = [];

  beforeAll(async () => {
    ({ client } = await connect(
      { iss: `${base}/fhir`, clientId: secretApp.clientId, clientSecret: secretApp.secret, scope: 'launch/patient openid fhirUser offline_access patient/*.rs' },
      { username: 'dr.welby', patient: pickedPatient, onPage: (step, html) => void pages.push(step === 'patient' ? html : step) },
    ));
  });

  it('SL-08 shows the patient picker, listing the patients, between sign-in and consent', () => {
    expect(pages[0]).toBe('sign-in');
    expect(pages[1]).toContain(`value="${pickedPatient}"`);
    expect(pages[1]).toContain('Picked');
    expect(pages[2]).toBe('consent');
  });

  it('TK-05 the token response carries the picked patient', () => {
    expect(client.patient.id).toBe(pickedPatient);
  });

  it('OI-08 fhirUser is the practitioner', () => {
    expect(client.user.fhirUser).toBe(`Practitioner/${practitionerId}`);
  });

  it("API-02 reads the picked patient's Patient resource with 200", async () => {
    expect((await readWith(client, `Patient/${pickedPatient}`)).status).toBe(200);
  });
});

describe('an EHR launch', () => {
  it('EL-01 EL-02 EL-05 EL-08 EL-09 fhirclient follows the launch URL and receives the launch patient, banner flag and style', async () => {
    const { url } = await ehrLaunch(gw, { clientId: publicApp.clientId, patientId: pickedPatient });
    const launchUrl = new URL(url);
    expect(launchUrl.origin + launchUrl.pathname).toBe(`${APP_ORIGIN}/launch`);
    expect(launchUrl.searchParams.get('iss')).toBe(`${base}/fhir`);
    const { client, authorizeUrl } = await connect(
      { clientId: publicApp.clientId, scope: 'launch openid fhirUser patient/*.rs' },
      { username: 'dr.welby' },
      launchUrl.pathname + launchUrl.search,
    );
    expect(authorizeUrl.searchParams.get('launch')).toBe(launchUrl.searchParams.get('launch'));
    expect(client.patient.id).toBe(pickedPatient);
    expect(client.getState('tokenResponse.need_patient_banner')).toBeTypeOf('boolean');
    const style = await fetch(client.getState('tokenResponse.smart_style_url'));
    expect(style.status).toBe(200);
    expect((await style.json()).color_background).toBeTypeOf('string');
    expect((await readWith(client, `Patient/${pickedPatient}`)).status).toBe(200);
  });
});
