import { beforeAll, describe, expect, it } from 'vitest';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.ts';

// Scope and patient-compartment enforcement on every FHIR interaction (issue 3 §7; SMART scopes
// SC-03..SC-10; security checklist K66–K79 and L81–L84). P1 is the token's patient, P2 another.

const CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const VITALS = `${CATEGORY}|vital-signs`;
const LAB = `${CATEGORY}|laboratory`;

function observation(id: string, patient: string, category: 'vital-signs' | 'laboratory', extra: Record<string, unknown> = {}) {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    category: [{ coding: [{ system: CATEGORY, code: category }] }],
    code: { coding: [{ system: 'http://loinc.org', code: category === 'vital-signs' ? '8867-4' : '2339-0' }] },
    subject: { reference: `Patient/${patient}` },
    effectiveDateTime: '2026-01-02T10:00:00Z',
    identifier: [{ system: 'urn:test', value: `id-${id}` }],
    ...extra,
  };
}

async function seeded(): Promise<TestGateway> {
  const gw = await startTestGateway();
  const put = async (resource: any) => {
    const res = await gw.fhir(`/fhir/${resource.resourceType}/${resource.id}`, { method: 'PUT', body: JSON.stringify(resource) });
    expect(res.status).toBe(201);
  };
  await put({ resourceType: 'Patient', id: 'P1', name: [{ family: 'One' }] });
  await put({ resourceType: 'Patient', id: 'P2', name: [{ family: 'Two' }] });
  await put({ resourceType: 'Practitioner', id: 'pr1', name: [{ family: 'Doc' }] });
  await put(observation('o1', 'P1', 'vital-signs', { performer: [{ reference: 'Practitioner/pr1' }] }));
  await put(observation('o1lab', 'P1', 'laboratory'));
  await put(observation('o2', 'P2', 'vital-signs'));
  await put(observation('of', 'P2', 'vital-signs', { focus: [{ reference: 'Patient/P1' }] }));
  await put({ resourceType: 'DocumentReference', id: 'd1', status: 'current', subject: { reference: 'Patient/P1' }, content: [{ attachment: { contentType: 'text/plain', data: 'aGk=' } }] });
  await put({ resourceType: 'Schedule', id: 'sch-pr1', actor: [{ reference: 'Practitioner/pr1' }] });
  await put({ resourceType: 'Schedule', id: 'sch-p2', actor: [{ reference: 'Patient/P2' }] });
  await put({ resourceType: 'DocumentReference', id: 'd2', status: 'current', subject: { reference: 'Patient/P2' }, content: [{ attachment: { contentType: 'text/plain', data: 'aGk=' } }] });
  return gw;
}

describe('FHIR scope and compartment enforcement', () => {
  // `gw` is only read from; tests that write get a gateway of their own (`fresh()`).
  let gw: TestGateway;
  const tokenFor = (target: TestGateway, scope: string, patient?: string) =>
    target.mintToken({ scope, ...(patient ? { patient } : {}), sub: 'user-1', client_id: 'app-1' });
  const as = (scope: string, patient?: string) => tokenFor(gw, scope, patient);
  const get = (path: string, token: string, init: RequestInit = {}, target: TestGateway = gw) => target.fhir(path, { ...init, token });
  const ids = async (res: Response) => ((await json(res)).entry ?? []).map((e: any) => `${e.resource.resourceType}/${e.resource.id}`).sort();
  const fresh = async () => {
    const w = await seeded();
    return {
      w,
      as: (scope: string, patient?: string) => tokenFor(w, scope, patient),
      send: (path: string, token: string, init: RequestInit = {}) => get(path, token, init, w),
    };
  };

  beforeAll(async () => {
    gw = await seeded();
  });

  describe('patient/ scopes confine a token to its patient', () => {
    it('K66: reading another patient\'s resource by id is 404, identical to a resource that does not exist', async () => {
      const t = await as('patient/*.rs', 'P1');
      const hidden = await get('/fhir/Observation/o2', t);
      const missing = await get('/fhir/Observation/nothing-here', t);
      expect(hidden.status).toBe(404);
      expect(missing.status).toBe(404);
      const strip = (body: any) => JSON.stringify(body).replace(/o2|nothing-here/g, 'X');
      expect(strip(await hidden.json())).toBe(strip(await missing.json()));
      expect((await get('/fhir/Patient/P2', t)).status).toBe(404);
      expect((await get('/fhir/DocumentReference/d2', t)).status).toBe(404);
      expect((await get('/fhir/Observation/o2/_history/1', t)).status).toBe(404);
      expect((await get('/fhir/Observation/o2/_history', t)).status).toBe(404);
    });

    it("reads a practitioner's Schedule (no patient's data, needed to book) but never another patient's", async () => {
      const t = await as('patient/Schedule.rs', 'P1');
      expect(await ids(await get('/fhir/Schedule?actor=Practitioner/pr1', t))).toEqual(['Schedule/sch-pr1']);
      expect(await ids(await get('/fhir/Schedule', t))).toEqual(['Schedule/sch-pr1']);
      expect((await get('/fhir/Schedule/sch-pr1', t)).status).toBe(200);
      expect((await get('/fhir/Schedule/sch-p2', t)).status).toBe(404);
      expect((await get('/fhir/Schedule?actor=Patient/P2', t)).status).toBe(403);
      const write = await get('/fhir/Schedule/sch-pr1', t, { method: 'PUT', body: JSON.stringify({ resourceType: 'Schedule', id: 'sch-pr1', actor: [{ reference: 'Practitioner/pr1' }] }) });
      expect(write.status).toBe(403);
    });

    it('API-02: reads its own patient and that patient\'s data', async () => {
      const t = await as('patient/*.rs', 'P1');
      expect((await get('/fhir/Patient/P1', t)).status).toBe(200);
      expect((await get('/fhir/Observation/o1', t)).status).toBe(200);
      expect((await get('/fhir/Observation/o1/_history/1', t)).status).toBe(200);
    });

    it('K66/K67: searches without a patient parameter return only the patient\'s compartment', async () => {
      const t = await as('patient/*.rs', 'P1');
      expect(await ids(await get('/fhir/Patient', t))).toEqual(['Patient/P1']);
      expect(await ids(await get('/fhir/Observation?code=8867-4', t))).toEqual(['Observation/o1']);
      expect(await ids(await get('/fhir/Observation', t))).toEqual(['Observation/o1', 'Observation/o1lab']);
      expect(await ids(await get('/fhir/Observation?_id=o1,o2', t))).toEqual(['Observation/o1']);
      expect((await json(await get('/fhir/DocumentReference?_summary=count', t))).total).toBe(1);
    });

    it.each([
      'patient=P2',
      'subject=Patient/P2',
      'subject:Patient=P2',
      'patient=http://elsewhere.example/fhir/Patient/P2',
      'patient=P2&_summary=count',
      'patient=P1,P2',
      'patient=P1&patient=P2',
      'patient=P9-does-not-exist',
    ])('K68/K69: an explicit foreign patient (%s) is 403, whether or not that patient exists', async (query) => {
      const t = await as('patient/*.rs', 'P1');
      const res = await get(`/fhir/Observation?${query}`, t);
      expect(res.status).toBe(403);
      expect(JSON.stringify(await res.json())).not.toContain('total');
    });

    it('K68: Patient?_id of another patient is 403; of its own, 200', async () => {
      const t = await as('patient/*.rs', 'P1');
      expect((await get('/fhir/Patient?_id=P2', t)).status).toBe(403);
      expect(await ids(await get('/fhir/Patient?_id=P1', t))).toEqual(['Patient/P1']);
    });

    it('K75: a POST _search naming another patient in its body is 403', async () => {
      const t = await as('patient/*.rs', 'P1');
      const res = await get('/fhir/Observation/_search?patient=P1', t, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'patient=P2',
      });
      expect(res.status).toBe(403);
    });

    it('K72/K73: _include and _revinclude never pull in another patient\'s resources', async () => {
      const t = await as('patient/*.rs', 'P1');
      const included = await ids(await get('/fhir/Observation?_include=Observation:subject&_include=Observation:performer', t));
      expect(included).toEqual(['Observation/o1', 'Observation/o1lab', 'Patient/P1', 'Practitioner/pr1']);
      const revincluded = await ids(await get('/fhir/Patient?_id=P1&_revinclude=Observation:subject&_revinclude=DocumentReference:subject', t));
      expect(revincluded).toEqual(['DocumentReference/d1', 'Observation/o1', 'Observation/o1lab', 'Patient/P1']);
      // The system token sees that the _include itself works across patients.
      expect(await ids(await gw.fhir('/fhir/Observation?_id=o2&_include=Observation:subject'))).toEqual(['Observation/o2', 'Patient/P2']);
    });

    it('K77: a paging link from another patient\'s search is refused for this token', async () => {
      const t2 = await as('patient/*.rs', 'P2');
      const page = await json(await get('/fhir/Observation?patient=P2&_count=1', t2));
      const next = page.link.find((l: any) => l.relation === 'next').url.replace('http://localhost', '');
      expect((await get(next, t2)).status).toBe(200);
      expect((await get(next, await as('patient/*.rs', 'P1'))).status).toBe(403);
    });

    it('data that is no one\'s (a Practitioner) may be read under patient/ scopes, never written', async () => {
      const t = await as('patient/*.cruds', 'P1');
      expect((await get('/fhir/Practitioner/pr1', t)).status).toBe(200);
      const res = await get('/fhir/Practitioner', t, { method: 'POST', body: JSON.stringify({ resourceType: 'Practitioner' }) });
      expect(res.status).toBe(403);
    });

    it('patient/ scopes without a patient in the token reach nothing', async () => {
      const t = await as('patient/*.rs');
      expect((await get('/fhir/Observation', t)).status).toBe(403);
      expect((await get('/fhir/Patient/P1', t)).status).toBe(403);
    });
  });

  describe('resource types and interactions (SC-03, SC-04, K79, L81)', () => {
    it('K79: a type the token has no scope for is 403 with WWW-Authenticate insufficient_scope', async () => {
      const t = await as('patient/Observation.rs', 'P1');
      const res = await get('/fhir/DocumentReference?patient=P1', t);
      expect(res.status).toBe(403);
      expect(res.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope"');
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect((await json(res)).issue[0].code).toBe('forbidden');
    });

    it('SC-03: .s allows search but not read by id; .r allows read but not search', async () => {
      const searchOnly = await as('patient/Observation.s', 'P1');
      expect((await get('/fhir/Observation?patient=P1', searchOnly)).status).toBe(200);
      expect((await get('/fhir/Observation/o1', searchOnly)).status).toBe(403);
      const readOnly = await as('patient/Observation.r', 'P1');
      expect((await get('/fhir/Observation/o1', readOnly)).status).toBe(200);
      expect((await get('/fhir/Observation?patient=P1', readOnly)).status).toBe(403);
    });

    it('L81: a read-only token cannot create, update or delete, and nothing changes', async () => {
      const { w, as, send } = await fresh();
      const t = await as('patient/*.rs', 'P1');
      expect((await send('/fhir/Observation', t, { method: 'POST', body: JSON.stringify(observation('x', 'P1', 'vital-signs')) })).status).toBe(403);
      expect((await send('/fhir/Observation/o1', t, { method: 'PUT', body: JSON.stringify(observation('o1', 'P1', 'laboratory')) })).status).toBe(403);
      expect((await send('/fhir/Observation/o1', t, { method: 'DELETE' })).status).toBe(403);
      expect((await json(await w.fhir('/fhir/Observation/o1'))).meta.versionId).toBe('1');
      expect((await json(await w.fhir('/fhir/Observation?_summary=count'))).total).toBe(4);
    });

    it('SC-04: a create-only token creates its patient\'s data but cannot read it back', async () => {
      const { as, send } = await fresh();
      const t = await as('patient/Observation.c', 'P1');
      const created = await send('/fhir/Observation', t, { method: 'POST', body: JSON.stringify(observation('new', 'P1', 'vital-signs')) });
      expect(created.status).toBe(201);
      expect((await send(new URL(created.headers.get('location')!).pathname.replace(/\/_history\/1$/, ''), t)).status).toBe(403);
    });

    it('v1 scopes: patient/*.read reads and searches; patient/Observation.write writes but does not read', async () => {
      const { as, send } = await fresh();
      const reader = await as('patient/*.read', 'P1');
      expect((await send('/fhir/Observation/o1', reader)).status).toBe(200);
      expect((await send('/fhir/Observation?patient=P1', reader)).status).toBe(200);
      expect((await send('/fhir/Observation', reader, { method: 'POST', body: JSON.stringify(observation('w', 'P1', 'vital-signs')) })).status).toBe(403);
      const writer = await as('patient/Observation.write', 'P1');
      expect((await send('/fhir/Observation', writer, { method: 'POST', body: JSON.stringify(observation('w', 'P1', 'vital-signs')) })).status).toBe(201);
      expect((await send('/fhir/Observation/o1', writer)).status).toBe(403);
    });
  });

  describe('writes stay in the compartment (L82–L84)', () => {
    it('L82: creating data for another patient, or for no patient, is 403 and nothing is stored', async () => {
      const { w, as, send } = await fresh();
      const t = await as('patient/Observation.cruds', 'P1');
      const before = (await json(await w.fhir('/fhir/Observation?_summary=count'))).total;
      expect((await send('/fhir/Observation', t, { method: 'POST', body: JSON.stringify(observation('x', 'P2', 'vital-signs')) })).status).toBe(403);
      const { subject: _s, ...orphan } = observation('y', 'P1', 'vital-signs');
      expect((await send('/fhir/Observation', t, { method: 'POST', body: JSON.stringify(orphan) })).status).toBe(403);
      expect((await json(await w.fhir('/fhir/Observation?_summary=count'))).total).toBe(before);
    });

    it('L83: an update that moves a resource to another patient is 403; updating another patient\'s resource is 404', async () => {
      const { w, as, send } = await fresh();
      const t = await as('patient/Observation.cruds', 'P1');
      expect((await send('/fhir/Observation/o1', t, { method: 'PUT', body: JSON.stringify(observation('o1', 'P2', 'vital-signs')) })).status).toBe(403);
      expect((await json(await w.fhir('/fhir/Observation/o1'))).subject.reference).toBe('Patient/P1');
      expect((await send('/fhir/Observation/o2', t, { method: 'PUT', body: JSON.stringify(observation('o2', 'P1', 'vital-signs')) })).status).toBe(404);
      expect((await send('/fhir/Observation/o2', t, { method: 'DELETE' })).status).toBe(404);
      expect((await json(await w.fhir('/fhir/Observation/o2'))).subject.reference).toBe('Patient/P2');
    });

    it('L84: If-None-Exist cannot see another patient\'s resource (no existence oracle)', async () => {
      const { as, send } = await fresh();
      const t = await as('patient/Observation.cruds', 'P1');
      const res = await send('/fhir/Observation', t, {
        method: 'POST',
        headers: { 'If-None-Exist': 'identifier=urn:test|id-o2' },
        body: JSON.stringify(observation('copy', 'P1', 'vital-signs', { identifier: [{ system: 'urn:test', value: 'id-o2' }] })),
      });
      expect(res.status).toBe(201);
      expect((await json(res)).id).not.toBe('o2');
    });
  });

  describe('granular scopes (SC-07..SC-10, K78)', () => {
    it('search returns only what matches; other categories are filtered out', async () => {
      const t = await as(`patient/Observation.rs?category=${VITALS}`, 'P1');
      expect(await ids(await get('/fhir/Observation', t))).toEqual(['Observation/o1']);
      expect(await ids(await get(`/fhir/Observation?category=${encodeURIComponent(LAB)}`, t))).toEqual([]);
    });

    it('SC-10: reading a resource outside the granular scope is 403; inside, 200', async () => {
      const t = await as(`patient/Observation.rs?category=${VITALS}`, 'P1');
      expect((await get('/fhir/Observation/o1', t)).status).toBe(200);
      expect((await get('/fhir/Observation/o1lab', t)).status).toBe(403);
    });

    it('two granular scopes are alternatives', async () => {
      const t = await as(`patient/Observation.rs?category=${VITALS} patient/Observation.rs?category=${LAB}`, 'P1');
      expect(await ids(await get('/fhir/Observation', t))).toEqual(['Observation/o1', 'Observation/o1lab']);
    });

    it('a granular create scope creates only matching data', async () => {
      const { as, send } = await fresh();
      const t = await as(`patient/Observation.c?category=${VITALS}`, 'P1');
      expect((await send('/fhir/Observation', t, { method: 'POST', body: JSON.stringify(observation('v', 'P1', 'vital-signs')) })).status).toBe(201);
      expect((await send('/fhir/Observation', t, { method: 'POST', body: JSON.stringify(observation('l', 'P1', 'laboratory')) })).status).toBe(403);
    });

    it('K78: a constraint this server cannot enforce grants nothing (fail closed)', async () => {
      const t = await as('patient/Observation.rs?value-concept=http://snomed.info/sct|123', 'P1');
      expect((await get('/fhir/Observation', t)).status).toBe(403);
      expect((await get('/fhir/Observation/o1', t)).status).toBe(403);
    });
  });

  describe('user/ and system/ scopes', () => {
    it('user/ scopes reach every patient of the practice, for the types they name', async () => {
      const t = await as('user/Observation.rs');
      expect(await ids(await get('/fhir/Observation?code=8867-4', t))).toEqual(['Observation/o1', 'Observation/o2', 'Observation/of']);
      expect((await get('/fhir/DocumentReference', t)).status).toBe(403);
    });

    it('system/ scopes reach what they name and nothing else', async () => {
      const t = await as('system/Observation.rs');
      expect((await get('/fhir/Observation/o2', t)).status).toBe(200);
      expect((await get('/fhir/Patient/P1', t)).status).toBe(403);
    });
  });

  describe('Bundles are authorized entry by entry (API-08, K76)', () => {
    it('a batch answers each forbidden or hidden entry on its own, with no foreign data', async () => {
      const t = await as('patient/*.rs', 'P1');
      const res = await get('/fhir', t, {
        method: 'POST',
        body: JSON.stringify({
          resourceType: 'Bundle',
          type: 'batch',
          entry: [
            { request: { method: 'GET', url: 'Observation/o2' } },
            { request: { method: 'GET', url: 'Observation?patient=P2' } },
            { request: { method: 'GET', url: 'Patient/P2' } },
            { request: { method: 'GET', url: 'Observation/o1' } },
          ],
        }),
      });
      expect(res.status).toBe(200);
      const body = await json(res);
      expect(body.entry.map((e: any) => e.response.status)).toEqual(['404 Not Found', '403 Forbidden', '404 Not Found', '200 OK']);
      expect(JSON.stringify(body)).not.toContain('"Two"');
    });

    it('a transaction with one write the token may not make fails whole', async () => {
      const { w, as, send } = await fresh();
      const t = await as('patient/Observation.crus', 'P1');
      const res = await send('/fhir', t, {
        method: 'POST',
        body: JSON.stringify({
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [
            { fullUrl: 'urn:uuid:a', resource: observation('a', 'P1', 'vital-signs'), request: { method: 'POST', url: 'Observation' } },
            { fullUrl: 'urn:uuid:b', resource: observation('b', 'P2', 'vital-signs'), request: { method: 'POST', url: 'Observation' } },
          ],
        }),
      });
      expect(res.status).toBe(403);
      expect((await json(await w.fhir('/fhir/Observation?identifier=urn:test|id-a'))).total).toBe(0);
      expect((await json(await w.fhir('/fhir/Observation?_summary=count'))).total).toBe(4);
    });
  });
});
