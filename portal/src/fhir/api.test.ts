import { describe, expect, it, vi } from 'vitest';
import { createStore } from '../lib/store.ts';
import type { Connectivity } from '../offline/connectivity.ts';
import { createApi } from './api.ts';
import { ApiError } from './api-error.ts';

function setup(respond: (url: string, init: RequestInit) => Response | Promise<Response>, token: string | null = 'tok') {
  const requests: Array<{ url: string; init: RequestInit }> = [];
  const onSessionEnded = vi.fn();
  const connectivity = createStore<Connectivity>({ offline: false, lastUpdated: null });
  const api = createApi({
    fetch: async (input, init) => {
      requests.push({ url: String(input), init: init ?? {} });
      return respond(String(input), init ?? {});
    },
    fhirBase: 'http://127.0.0.1:9/fhir',
    patientId: 'p1',
    accessToken: async () => token,
    onSessionEnded,
    connectivity,
  });
  return { api, requests, onSessionEnded, connectivity };
}
const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/fhir+json', ...headers } });

describe('createApi', () => {
  it('sends the bearer token to FHIR paths under the base and to absolute paths on the origin', async () => {
    const { api, requests } = setup(() => json({ resourceType: 'Bundle' }));
    await api.get('Observation?patient=p1');
    await api.post('/api/me/apps/x/revoke', {});
    expect(requests.map((r) => r.url)).toEqual(['http://127.0.0.1:9/fhir/Observation?patient=p1', 'http://127.0.0.1:9/api/me/apps/x/revoke']);
    expect(requests[0]!.init.headers).toMatchObject({ authorization: 'Bearer tok', accept: 'application/fhir+json' });
    expect(requests[1]!.init.headers).toMatchObject({ 'content-type': 'application/json', accept: 'application/json' });
  });

  it('turns a 409 OperationOutcome into a conflict with the server’s words', async () => {
    const { api } = setup(() =>
      json({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'conflict', diagnostics: 'This time was just taken; please choose another' }] }, 409),
    );
    const error = await api.post('Appointment/$book', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ kind: 'conflict', status: 409, detail: 'This time was just taken; please choose another' });
  });

  it('ends the session on a 401 and when no token is left', async () => {
    const first = setup(() => json({ error: 'invalid_token' }, 401));
    await expect(first.api.get('Patient/p1')).rejects.toMatchObject({ kind: 'session-ended' });
    expect(first.onSessionEnded).toHaveBeenCalledOnce();

    const second = setup(() => json({}), null);
    await expect(second.api.get('Patient/p1')).rejects.toMatchObject({ kind: 'session-ended' });
    expect(second.requests).toHaveLength(0);
    expect(second.onSessionEnded).toHaveBeenCalledOnce();
  });

  it('reports a network failure and server errors by kind', async () => {
    await expect(setup(() => Promise.reject(new TypeError('Failed to fetch'))).api.get('Patient/p1')).rejects.toMatchObject({ kind: 'network' });
    await expect(setup(() => json({}, 503)).api.get('Patient/p1')).rejects.toMatchObject({ kind: 'server', status: 503 });
    await expect(setup(() => json({ error: 'insufficient_scope' }, 403)).api.get('/api/me/apps')).rejects.toMatchObject({ kind: 'forbidden', detail: 'insufficient_scope' });
  });

  it('marks the portal offline when the service worker answered from its copy, and online again on a live answer', async () => {
    let cached = true;
    const { api, connectivity } = setup(() => json({ resourceType: 'Patient' }, 200, cached ? { 'x-portico-cached-at': '2026-03-01T08:00:00.000Z' } : {}));
    await api.get('Patient/p1');
    expect(connectivity.get()).toEqual({ offline: true, lastUpdated: new Date('2026-03-01T08:00:00.000Z') });
    cached = false;
    await api.get('Patient/p1');
    expect(connectivity.get()).toEqual({ offline: false, lastUpdated: null });
  });
});
