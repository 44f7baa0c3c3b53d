/// <reference lib="webworker" />
/**
 * The portal's service worker: precaches the app shell, answers navigations below /portal/ with it
 * (never /auth, /fhir, /.well-known, /api or /admin), and keeps the signed-in patient's data for
 * offline reading (offline/data-cache.ts). Updates wait for the patient's OK (the reload prompt).
 */
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { isDataRequest, networkFirst } from './offline/data-cache.ts';
import type { WorkerMessage } from './offline/sw-bridge.ts';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<{ url: string; revision: string | null }> };

/** Where the patient id survives the worker being stopped and restarted (deleted at sign-out). */
const STATE_CACHE = 'portico-sw-state';
const PATIENT_KEY = '/portal/__sw-state/patient';
let patientId: string | null = null;
const restored = caches
  .open(STATE_CACHE)
  .then((cache) => cache.match(PATIENT_KEY))
  .then(async (hit) => {
    if (hit && patientId === null) patientId = (await hit.text()) || null;
  })
  .catch(() => undefined);

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

registerRoute(
  new NavigationRoute(createHandlerBoundToURL('/portal/index.html'), {
    allowlist: [/^\/portal(\/|$)/],
    denylist: [/^\/(auth|fhir|\.well-known|api|admin)(\/|$)/],
  }),
);

registerRoute(
  ({ url, request }) => isDataRequest(url, request.method, self.location.origin),
  async ({ request }) => {
    await restored;
    return networkFirst(request, { fetch: (r) => fetch(r), caches, patientId: () => patientId, now: () => new Date() });
  },
);

self.addEventListener('message', (event) => {
  const data = event.data as WorkerMessage | { type: 'SKIP_WAITING' } | undefined;
  const done = async () => {
    if (data?.type === 'SKIP_WAITING') await self.skipWaiting();
    else if (data?.type === 'patient') {
      patientId = data.patientId;
      await (await caches.open(STATE_CACHE)).put(PATIENT_KEY, new Response(data.patientId));
    } else if (data?.type === 'sign-out') {
      patientId = null;
      await caches.delete(STATE_CACHE);
    }
    event.ports[0]?.postMessage({ ok: true });
  };
  event.waitUntil(done());
});

self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
