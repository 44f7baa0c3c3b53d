import { describe, expect, it } from 'vitest';
import { dataCacheName, holdsData, isDataRequest, networkFirst } from './data-cache.ts';

/** Cache Storage as the browser keeps it, in memory (happy-dom has none). */
class MemoryCaches {
  readonly stores = new Map<string, Map<string, Response>>();
  async open(name: string) {
    const store = this.stores.get(name) ?? new Map<string, Response>();
    this.stores.set(name, store);
    return {
      put: async (url: string, response: Response) => void store.set(url, response),
      match: async (url: string) => store.get(url)?.clone(),
    } as unknown as Cache;
  }
  async keys() {
    return [...this.stores.keys()];
  }
  async delete(name: string) {
    return this.stores.delete(name);
  }
}

const ORIGIN = 'http://127.0.0.1:8080';
const request = (path: string) => new Request(`${ORIGIN}${path}`);

describe('isDataRequest', () => {
  it('keeps FHIR and connected-apps GETs only, never sign-in or discovery', () => {
    const is = (path: string, method = 'GET') => isDataRequest(new URL(path, ORIGIN), method, ORIGIN);
    expect(is('/fhir/Observation?patient=p1')).toBe(true);
    expect(is('/api/me/apps')).toBe(true);
    expect(is('/fhir/Appointment/$book', 'POST')).toBe(false);
    expect(is('/fhir/.well-known/smart-configuration')).toBe(false);
    expect(is('/.well-known/openid-configuration')).toBe(false);
    expect(is('/auth/token')).toBe(false);
    expect(is('/admin/')).toBe(false);
    expect(isDataRequest(new URL('https://elsewhere.example/fhir/Patient/1'), 'GET', ORIGIN)).toBe(false);
  });
});

describe('networkFirst', () => {
  it('keeps a 200 answer in the patient’s cache and serves it, marked, when the network fails', async () => {
    const caches = new MemoryCaches();
    let online = true;
    const deps = {
      fetch: async () => {
        if (!online) throw new TypeError('Failed to fetch');
        return new Response('{"resourceType":"Patient"}', { status: 200, headers: { 'content-type': 'application/fhir+json' } });
      },
      caches: caches as unknown as CacheStorage,
      patientId: () => 'p1',
      now: () => new Date('2026-03-01T08:00:00.000Z'),
    };
    const live = await networkFirst(request('/fhir/Patient/p1'), deps);
    expect(live.headers.get('x-portico-cached-at')).toBeNull();
    expect([...caches.stores.keys()]).toEqual([dataCacheName('p1')]);

    online = false;
    const copy = await networkFirst(request('/fhir/Patient/p1'), deps);
    expect(await copy.text()).toBe('{"resourceType":"Patient"}');
    expect(copy.headers.get('x-portico-cached-at')).toBe('2026-03-01T08:00:00.000Z');
    await expect(networkFirst(request('/fhir/Observation'), deps)).rejects.toThrow('Failed to fetch');
  });

  it('keeps nothing while no patient is known, and nothing but 200s', async () => {
    const caches = new MemoryCaches();
    let patient: string | null = null;
    let status = 200;
    const deps = {
      fetch: async () => new Response('{}', { status }),
      caches: caches as unknown as CacheStorage,
      patientId: () => patient,
      now: () => new Date(),
    };
    await networkFirst(request('/fhir/Patient/p1'), deps);
    expect(caches.stores.size).toBe(0);
    patient = 'p1';
    status = 403;
    await networkFirst(request('/fhir/Patient/p1'), deps);
    expect(caches.stores.get(dataCacheName('p1'))?.size ?? 0).toBe(0);
  });

  it('tells data caches from the app shell precache', () => {
    expect(holdsData(dataCacheName('p1'))).toBe(true);
    expect(holdsData('portico-sw-state')).toBe(true);
    expect(holdsData('workbox-precache-v2-http://127.0.0.1:8080/portal/')).toBe(false);
  });
});
