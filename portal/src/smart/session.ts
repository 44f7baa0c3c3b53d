import FHIR from 'fhirclient';
import type Client from 'fhirclient/lib/Client';
import { PORTAL_CLIENT_ID, PORTAL_SCOPES } from '@portico/shared/portal/portal-client';
import { createApi, type Api } from '../fhir/api.ts';
import { createStore } from '../lib/store.ts';
import { connectivity } from '../offline/connectivity.ts';
import { tellServiceWorker } from '../offline/sw-bridge.ts';
import { postForm, signOut, wipeLocalData } from './sign-out.ts';

/** Where the patient stands with signing in. */
export type Session =
  | { readonly status: 'signed-out' }
  | { readonly status: 'signed-in'; readonly api: Api; readonly client: Client }
  /** The sign-in ended: expired, signed out elsewhere, or revoked. */
  | { readonly status: 'ended' }
  /** The patient said no on the consent page. */
  | { readonly status: 'denied' }
  /** The sign-in could not be completed. */
  | { readonly status: 'failed'; readonly message: string };

/** The portal's session; pages read it through the session context. */
export const session = createStore<Session>({ status: 'signed-out' });

/** fhirclient's pointer to the current sign-in state in sessionStorage. */
const SMART_KEY = 'SMART_KEY';

/** Starts the SMART standalone launch (redirects to the gateway's sign-in). */
export function signIn(): Promise<void> {
  return FHIR.oauth2.authorize({
    iss: `${location.origin}/fhir`,
    clientId: PORTAL_CLIENT_ID,
    scope: PORTAL_SCOPES,
    redirectUri: '/portal/',
    pkceMode: 'required',
  }) as Promise<void>;
}

/**
 * Finishes a sign-in coming back from the gateway (`code`/`state`, or `error` when the patient
 * declined), or resumes the tab's session. Runs once before the router mounts, because fhirclient
 * removes `code` and `state` from the address.
 */
export async function startSession(): Promise<Session> {
  const url = new URL(location.href);
  const error = url.searchParams.get('error');
  if (error) {
    sessionStorage.clear();
    history.replaceState(null, '', '/portal/');
    if (error === 'access_denied') return { status: 'denied' };
    return { status: 'failed', message: url.searchParams.get('error_description') ?? 'The clinic could not sign you in.' };
  }
  const returning = url.searchParams.has('code') && url.searchParams.has('state');
  if (!returning && !sessionStorage.getItem(SMART_KEY)) return { status: 'signed-out' };
  try {
    const client = await FHIR.oauth2.ready();
    const patientId = client.patient.id;
    if (!client.state.tokenResponse?.access_token || !patientId) {
      sessionStorage.clear();
      return { status: 'signed-out' };
    }
    void tellServiceWorker({ type: 'patient', patientId: String(patientId) });
    return { status: 'signed-in', client, api: apiFor(client, String(patientId)) };
  } catch {
    sessionStorage.clear();
    if (returning) {
      history.replaceState(null, '', '/portal/');
      return { status: 'failed', message: 'Signing in could not be completed. Please try again.' };
    }
    return { status: 'signed-out' };
  }
}

function apiFor(client: Client, patientId: string): Api {
  return createApi({
    fetch: (input, init) => fetch(input, init),
    fhirBase: client.state.serverUrl,
    patientId,
    accessToken: () => freshAccessToken(client),
    onSessionEnded: () => void endSession(),
    connectivity,
  });
}

/**
 * The access token, refreshed first when it is about to expire (the grant has `online_access`).
 * A refused refresh ends the session (null); a refresh that got no answer (offline) keeps the refresh
 * token — fhirclient drops it on any failure — and goes on with the old access token, so the
 * service worker can still answer from its offline copy.
 */
export async function freshAccessToken(client: Client): Promise<string | null> {
  const refreshToken = client.state.tokenResponse?.refresh_token;
  try {
    await client.refreshIfNeeded();
  } catch (error) {
    if (typeof (error as { status?: unknown }).status === 'number') return null;
    if (refreshToken && client.state.tokenResponse && !client.state.tokenResponse.refresh_token) {
      client.state.tokenResponse.refresh_token = refreshToken;
      if (client.state.key) await client.environment.getStorage().set(client.state.key, client.state);
    }
  }
  return client.state.tokenResponse?.access_token ?? null;
}

/** The sign-in is over (401 or refused refresh): forget this tab's tokens and the offline copy. */
export async function endSession(): Promise<void> {
  if (session.get().status !== 'signed-in') return;
  session.set({ status: 'ended' });
  await tellServiceWorker({ type: 'sign-out' });
  await wipeLocalData({ sessionStorage, localStorage, indexedDB: globalThis.indexedDB, caches: globalThis.caches, keepLocal: true });
}

/** Signs the patient out of the portal and the gateway (smart/sign-out.ts). */
export async function signOutNow(): Promise<void> {
  const current = session.get();
  const tokens = current.status === 'signed-in' ? current.client.state.tokenResponse : undefined;
  await signOut(
    { refreshToken: tokens?.refresh_token, idToken: tokens?.id_token },
    {
      fetch: (input, init) => fetch(input, init),
      origin: location.origin,
      forgetPatient: () => tellServiceWorker({ type: 'sign-out' }),
      postForm,
      navigate: (url) => location.assign(url),
      sessionStorage,
      localStorage,
      indexedDB: globalThis.indexedDB,
      caches: globalThis.caches,
    },
  );
}
