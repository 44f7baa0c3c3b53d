/**
 * The service worker's offline copy of the signed-in patient's data: network first; a 200 answer
 * to a GET of FHIR data or of the connected-apps list is kept in a Cache Storage cache named after
 * the patient, and served (marked with {@link CACHED_AT_HEADER}) when the network does not answer.
 * Sign-in and discovery (`/auth`, `/.well-known`) are never kept. Runs inside the service worker;
 * everything it touches is passed in, so it is testable outside one.
 */
import { CACHED_AT_HEADER } from './connectivity.ts';

export const DATA_CACHE_PREFIX = 'portico-data-';
const FETCHED_AT_HEADER = 'x-portico-fetched-at';

/** The cache holding one patient's data. */
export const dataCacheName = (patientId: string) => `${DATA_CACHE_PREFIX}${encodeURIComponent(patientId)}`;

/** Whether a request is patient data the offline copy may keep: same-origin GET of `/fhir/…` or `/api/me/apps`. */
export function isDataRequest(url: URL, method: string, origin: string): boolean {
  if (method !== 'GET' || url.origin !== origin) return false;
  if (url.pathname.includes('/.well-known/') || url.pathname.startsWith('/auth/')) return false;
  return url.pathname.startsWith('/fhir/') || url.pathname === '/api/me/apps';
}

export interface DataCacheDependencies {
  readonly fetch: (request: Request) => Promise<Response>;
  readonly caches: CacheStorage;
  /** The patient the portal told the worker about; null when nobody is signed in. */
  readonly patientId: () => string | null;
  readonly now: () => Date;
}

/** Answers a data request network-first, keeping and falling back to the patient's offline copy. */
export async function networkFirst(request: Request, deps: DataCacheDependencies): Promise<Response> {
  const patientId = deps.patientId();
  try {
    const response = await deps.fetch(request);
    if (response.status === 200 && patientId) await keep(request, response, patientId, deps);
    return response;
  } catch (networkError) {
    if (!patientId) throw networkError;
    const cache = await deps.caches.open(dataCacheName(patientId));
    const copy = await cache.match(request.url, { ignoreVary: true });
    if (!copy) throw networkError;
    const headers = new Headers(copy.headers);
    headers.set(CACHED_AT_HEADER, copy.headers.get(FETCHED_AT_HEADER) ?? '');
    headers.delete(FETCHED_AT_HEADER);
    return new Response(copy.body, { status: copy.status, statusText: copy.statusText, headers });
  }
}

async function keep(request: Request, response: Response, patientId: string, deps: DataCacheDependencies): Promise<void> {
  try {
    const body = await response.clone().arrayBuffer();
    // Signed out (or another patient signed in) while the request was in flight: keep nothing.
    if (deps.patientId() !== patientId) return;
    const headers = new Headers(response.headers);
    headers.set(FETCHED_AT_HEADER, deps.now().toISOString());
    const cache = await deps.caches.open(dataCacheName(patientId));
    await cache.put(request.url, new Response(body, { status: 200, statusText: response.statusText, headers }));
  } catch {
    // A copy that cannot be kept (quota, Vary: *) only costs offline reading.
  }
}

/** Whether a cache holds patient data (everything but the app shell's precache). */
export const holdsData = (cacheName: string) => !cacheName.startsWith('workbox-precache');
