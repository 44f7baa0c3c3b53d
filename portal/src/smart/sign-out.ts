import { PORTAL_CLIENT_ID } from '@portico/shared/portal/portal-client';
import { holdsData } from '../offline/data-cache.ts';

/** The browser storage a sign-out empties (passed in so that tests can hand over their own). */
export interface LocalData {
  readonly sessionStorage: Storage;
  readonly localStorage: Storage;
  readonly indexedDB?: IDBFactory;
  readonly caches?: CacheStorage;
  /** Leave localStorage alone (ids of notes read, no content): when a session merely ended. */
  readonly keepLocal?: boolean;
}

/**
 * Empties sessionStorage (fhirclient's tokens), localStorage, every IndexedDB database and every
 * Cache Storage cache that holds data (all but the app shell's precache, which holds no PHI and
 * keeps the portal openable offline).
 */
export async function wipeLocalData(data: LocalData): Promise<void> {
  data.sessionStorage.clear();
  if (!data.keepLocal) data.localStorage.clear();
  if (data.indexedDB && typeof data.indexedDB.databases === 'function') {
    const databases = await data.indexedDB.databases().catch(() => []);
    await Promise.all(
      databases.map(
        ({ name }) =>
          new Promise<void>((resolve) => {
            if (!name) return resolve();
            const request = data.indexedDB!.deleteDatabase(name);
            request.onsuccess = request.onerror = request.onblocked = () => resolve();
          }),
      ),
    );
  }
  if (data.caches) {
    const names = await data.caches.keys();
    await Promise.all(names.filter(holdsData).map((name) => data.caches!.delete(name)));
  }
}

/** What sign-out needs from the finished sign-in. */
export interface SignOutTokens {
  readonly refreshToken?: string;
  readonly idToken?: string;
}

export interface SignOutDependencies extends LocalData {
  readonly fetch: typeof fetch;
  /** The portal's origin (the gateway's PUBLIC_URL). */
  readonly origin: string;
  /** Tells the service worker to stop keeping data (before the caches go). */
  readonly forgetPatient: () => Promise<void>;
  /** Leaves the portal: to the end_session_endpoint by a POST form, or to a portal page. */
  readonly postForm: (action: string, fields: Record<string, string>) => void;
  readonly navigate: (url: string) => void;
}

/** The page the gateway sends the patient back to after ending the gateway sign-in. */
export const SIGNED_OUT_PATH = '/portal/signed-out';

/**
 * Signs out (contracts.md, "Sign-out"): revokes the refresh token at the revocation endpoint (which
 * ends the grant), wipes the browser's copies, then ends the gateway sign-in at the OpenID
 * `end_session_endpoint` with `id_token_hint`, coming back to /portal/signed-out. The hint travels in
 * a POST body, not in the address bar's history. Without the network it still wipes everything.
 */
export async function signOut(tokens: SignOutTokens, deps: SignOutDependencies): Promise<void> {
  let endSession: string | undefined;
  try {
    const response = await deps.fetch(`${deps.origin}/.well-known/openid-configuration`, { headers: { accept: 'application/json' } });
    const config = (await response.json()) as { revocation_endpoint?: string; end_session_endpoint?: string };
    endSession = config.end_session_endpoint;
    if (config.revocation_endpoint && tokens.refreshToken) {
      await deps.fetch(config.revocation_endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: tokens.refreshToken, token_type_hint: 'refresh_token', client_id: PORTAL_CLIENT_ID }).toString(),
      });
    }
  } catch {
    // Offline or the gateway is down: the tokens die with the gateway sign-in; wipe anyway.
  }
  await deps.forgetPatient();
  await wipeLocalData(deps);
  const redirect = `${deps.origin}${SIGNED_OUT_PATH}`;
  if (endSession && tokens.idToken) {
    deps.postForm(endSession, { id_token_hint: tokens.idToken, post_logout_redirect_uri: redirect, client_id: PORTAL_CLIENT_ID });
  } else {
    deps.navigate(redirect);
  }
}

/** Submits a hidden POST form (a top-level navigation, as RP-initiated logout needs). */
export function postForm(action: string, fields: Record<string, string>): void {
  const form = document.createElement('form');
  form.method = 'post';
  form.action = action;
  form.hidden = true;
  for (const [name, value] of Object.entries(fields)) {
    const input = document.createElement('input');
    input.type = 'hidden';
    input.name = name;
    input.value = value;
    form.append(input);
  }
  document.body.append(form);
  form.submit();
}
