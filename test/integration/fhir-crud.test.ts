import { beforeAll, describe, expect, it } from 'vitest';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { create, matchIds, outcome, post, put, rowCount } from '../helpers/fhir.ts';

// A clock the tests move by hand, so meta.lastUpdated and Last-Modified can be asserted exactly.
let clock = Date.parse('2025-06-01T12:00:00.000Z');
let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({}, () => new Date(clock));
});

const tick = (ms = 1000) => (clock += ms);

describe('create', () => {
  it('answers 201 with Location, ETag W/"1", Last-Modified and the stored resource stamped with meta', async () => {
    tick();
    const res = await post(gw, '/fhir/Patient', { resourceType: 'Patient', name: [{ family: 'Create' }] });
    expect(res.status).toBe(201);
    const body = await json(res);
    expect(body.resourceType).toBe('Patient');
    expect(body.id).toMatch(/^[A-Za-z0-9\-.]{1,64}$/);
    expect(body.meta).toEqual({ versionId: '1', lastUpdated: new Date(clock).toISOString() });
    expect(body.name).toEqual([{ family: 'Create' }]);
    expect(res.headers.get('ETag')).toBe('W/"1"');
    expect(res.headers.get('Location')).toBe(`http://localhost/fhir/Patient/${body.id}/_history/1`);
    expect(res.headers.get('Last-Modified')).toBe(new Date(clock).toUTCString());
    expect(res.headers.get('Content-Type')).toBe('application/fhir+json; charset=utf-8');
  });

  it('ignores an id sent in the POST body and assigns its own', async () => {
    const body = await create(gw, { resourceType: 'Patient', id: 'chosen-by-client' });
    expect(body.id).not.toBe('chosen-by-client');
    expect((await gw.fhir('/fhir/Patient/chosen-by-client')).status).toBe(404);
    expect((await gw.fhir(`/fhir/Patient/${body.id}`)).status).toBe(200);
  });

  it('gives every created resource a different id', async () => {
    const a = await create(gw, { resourceType: 'Patient' });
    const b = await create(gw, { resourceType: 'Patient' });
    expect(a.id).not.toBe(b.id);
  });

  it('keeps client meta such as tags but overwrites versionId and lastUpdated', async () => {
    const body = await create(gw, {
      resourceType: 'Patient',
      meta: { versionId: '99', lastUpdated: '2000-01-01T00:00:00Z', tag: [{ system: 'urn:t', code: 'x' }] },
    });
    expect(body.meta.versionId).toBe('1');
    expect(body.meta.lastUpdated).toBe(new Date(clock).toISOString());
    expect(body.meta.tag).toEqual([{ system: 'urn:t', code: 'x' }]);
  });
});

describe('read and vread', () => {
  it('reads the current version with its ETag', async () => {
    const created = await create(gw, { resourceType: 'Patient', gender: 'female' });
    const res = await gw.fhir(`/fhir/Patient/${created.id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('ETag')).toBe('W/"1"');
    expect(await json(res)).toEqual(created);
  });

  it('answers 404 with an OperationOutcome for an unknown id', async () => {
    const res = await gw.fhir('/fhir/Patient/does-not-exist');
    expect(res.status).toBe(404);
    expect((await outcome(res)).first.code).toBe('not-found');
  });

  it('answers 404 for a version that does not exist', async () => {
    const created = await create(gw, { resourceType: 'Patient' });
    expect((await gw.fhir(`/fhir/Patient/${created.id}/_history/2`)).status).toBe(404);
    expect((await gw.fhir(`/fhir/Patient/${created.id}/_history/abc`)).status).toBe(404);
  });
});

describe('update', () => {
  it('bumps the version, returns 200 and keeps the previous version readable', async () => {
    const created = await create(gw, { resourceType: 'Patient', gender: 'male' });
    tick();
    const res = await put(gw, `/fhir/Patient/${created.id}`, { resourceType: 'Patient', id: created.id, gender: 'female' });
    expect(res.status).toBe(200);
    expect(res.headers.get('ETag')).toBe('W/"2"');
    expect(res.headers.get('Location')).toBe(`http://localhost/fhir/Patient/${created.id}/_history/2`);
    const updated = await json(res);
    expect(updated.meta).toEqual({ versionId: '2', lastUpdated: new Date(clock).toISOString() });
    expect(updated.gender).toBe('female');

    const v1 = await gw.fhir(`/fhir/Patient/${created.id}/_history/1`);
    expect(v1.status).toBe(200);
    expect(await json(v1)).toEqual(created);
    const v2 = await gw.fhir(`/fhir/Patient/${created.id}/_history/2`);
    expect((await json(v2)).gender).toBe('female');
    expect((await json(await gw.fhir(`/fhir/Patient/${created.id}`))).gender).toBe('female');
  });

  it('creates the resource with the client id when it does not exist (update-as-create → 201)', async () => {
    const res = await put(gw, '/fhir/Patient/client-chosen-1', { resourceType: 'Patient', id: 'client-chosen-1', gender: 'other' });
    expect(res.status).toBe(201);
    expect(res.headers.get('ETag')).toBe('W/"1"');
    const read = await json(await gw.fhir('/fhir/Patient/client-chosen-1'));
    expect(read.id).toBe('client-chosen-1');
    expect(read.gender).toBe('other');
  });

  it('applies the update when If-Match names the current version', async () => {
    const created = await create(gw, { resourceType: 'Patient' });
    const res = await put(gw, `/fhir/Patient/${created.id}`, { resourceType: 'Patient', id: created.id, gender: 'male' }, { 'If-Match': 'W/"1"' });
    expect(res.status).toBe(200);
    expect(res.headers.get('ETag')).toBe('W/"2"');
  });

  it('refuses a stale If-Match with 412 and writes nothing', async () => {
    const created = await create(gw, { resourceType: 'Patient', gender: 'male' });
    await put(gw, `/fhir/Patient/${created.id}`, { resourceType: 'Patient', id: created.id, gender: 'female' });
    const historyRows = rowCount(gw, 'fhir_history');
    const res = await put(gw, `/fhir/Patient/${created.id}`, { resourceType: 'Patient', id: created.id, gender: 'other' }, { 'If-Match': 'W/"1"' });
    expect(res.status).toBe(412);
    expect((await outcome(res)).first.code).toBe('conflict');
    const current = await json(await gw.fhir(`/fhir/Patient/${created.id}`));
    expect(current.meta.versionId).toBe('2');
    expect(current.gender).toBe('female');
    expect(rowCount(gw, 'fhir_history')).toBe(historyRows);
  });

  it('refuses If-Match on a resource that does not exist with 412 and does not create it', async () => {
    const res = await put(gw, '/fhir/Patient/never-made', { resourceType: 'Patient', id: 'never-made' }, { 'If-Match': 'W/"1"' });
    expect(res.status).toBe(412);
    expect((await gw.fhir('/fhir/Patient/never-made')).status).toBe(404);
  });

  it('refuses a malformed If-Match with 400', async () => {
    const created = await create(gw, { resourceType: 'Patient' });
    const res = await put(gw, `/fhir/Patient/${created.id}`, { resourceType: 'Patient', id: created.id }, { 'If-Match': 'version one' });
    expect(res.status).toBe(400);
  });

  it('refuses a body whose id differs from the URL with 400', async () => {
    const created = await create(gw, { resourceType: 'Patient', gender: 'male' });
    const res = await put(gw, `/fhir/Patient/${created.id}`, { resourceType: 'Patient', id: 'someone-else', gender: 'female' });
    expect(res.status).toBe(400);
    expect((await outcome(res)).first.diagnostics).toMatch(/differs/);
    expect((await json(await gw.fhir(`/fhir/Patient/${created.id}`))).gender).toBe('male');
    expect((await gw.fhir('/fhir/Patient/someone-else')).status).toBe(404);
  });

  it('refuses a body without an id with 400', async () => {
    const created = await create(gw, { resourceType: 'Patient' });
    const res = await put(gw, `/fhir/Patient/${created.id}`, { resourceType: 'Patient', gender: 'female' });
    expect(res.status).toBe(400);
    expect((await json(await gw.fhir(`/fhir/Patient/${created.id}`))).meta.versionId).toBe('1');
  });
});

describe('delete', () => {
  it('answers 204, then read is 410 Gone, and old versions stay readable', async () => {
    const created = await create(gw, { resourceType: 'Patient', gender: 'unknown' });
    const res = await gw.fhir(`/fhir/Patient/${created.id}`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    const read = await gw.fhir(`/fhir/Patient/${created.id}`);
    expect(read.status).toBe(410);
    expect((await outcome(read)).first.code).toBe('deleted');
    const v1 = await gw.fhir(`/fhir/Patient/${created.id}/_history/1`);
    expect(v1.status).toBe(200);
    expect((await json(v1)).gender).toBe('unknown');
    expect((await gw.fhir(`/fhir/Patient/${created.id}/_history/2`)).status).toBe(410);
  });

  it('is idempotent: deleting a deleted resource is 204 again', async () => {
    const created = await create(gw, { resourceType: 'Patient' });
    expect((await gw.fhir(`/fhir/Patient/${created.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await gw.fhir(`/fhir/Patient/${created.id}`, { method: 'DELETE' })).status).toBe(204);
  });

  it('answers 404 for an id that never existed', async () => {
    const res = await gw.fhir('/fhir/Patient/no-such-patient', { method: 'DELETE' });
    expect(res.status).toBe(404);
    expect((await outcome(res)).first.code).toBe('not-found');
  });

  it('refuses with 409 to delete a resource another one references, and loses nothing', async () => {
    const patient = await create(gw, { resourceType: 'Patient', name: [{ family: 'Referenced' }] });
    const obs = await create(gw, {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'weight' },
      subject: { reference: `Patient/${patient.id}` },
    });
    const res = await gw.fhir(`/fhir/Patient/${patient.id}`, { method: 'DELETE' });
    expect(res.status).toBe(409);
    expect((await outcome(res)).first.code).toBe('conflict');
    expect(await json(await gw.fhir(`/fhir/Patient/${patient.id}`))).toEqual(patient);
    expect(await matchIds(gw, `/fhir/Observation?subject=Patient/${patient.id}`)).toEqual([obs.id]);

    // Once the referrer is gone the delete goes through.
    expect((await gw.fhir(`/fhir/Observation/${obs.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await gw.fhir(`/fhir/Patient/${patient.id}`, { method: 'DELETE' })).status).toBe(204);
  });

  it('recreates a deleted resource with PUT (201) and continues its version numbers', async () => {
    const created = await create(gw, { resourceType: 'Patient' });
    await gw.fhir(`/fhir/Patient/${created.id}`, { method: 'DELETE' });
    const res = await put(gw, `/fhir/Patient/${created.id}`, { resourceType: 'Patient', id: created.id, gender: 'male' });
    expect(res.status).toBe(201);
    expect(res.headers.get('ETag')).toBe('W/"3"');
    expect((await json(await gw.fhir(`/fhir/Patient/${created.id}`))).gender).toBe('male');
  });
});

describe('history', () => {
  it('returns a history Bundle, newest first, with request and response for each version', async () => {
    const created = await create(gw, { resourceType: 'Patient', gender: 'male' });
    await put(gw, `/fhir/Patient/${created.id}`, { resourceType: 'Patient', id: created.id, gender: 'female' });
    await gw.fhir(`/fhir/Patient/${created.id}`, { method: 'DELETE' });

    const res = await gw.fhir(`/fhir/Patient/${created.id}/_history`);
    expect(res.status).toBe(200);
    const bundle = await json(res);
    expect(bundle.resourceType).toBe('Bundle');
    expect(bundle.type).toBe('history');
    expect(bundle.total).toBe(3);
    const [deleted, updated, first] = bundle.entry;
    expect(deleted.request).toEqual({ method: 'DELETE', url: `Patient/${created.id}` });
    expect(deleted.response.status).toBe('204');
    expect(deleted.response.etag).toBe('W/"3"');
    expect(deleted.resource).toBeUndefined();
    expect(updated.request).toEqual({ method: 'PUT', url: `Patient/${created.id}` });
    expect(updated.response.status).toBe('200');
    expect(updated.resource.gender).toBe('female');
    expect(updated.resource.meta.versionId).toBe('2');
    expect(first.request).toEqual({ method: 'POST', url: 'Patient' });
    expect(first.response).toMatchObject({ status: '201', etag: 'W/"1"', lastModified: created.meta.lastUpdated });
    expect(first.resource).toEqual(created);
    for (const entry of bundle.entry) expect(entry.fullUrl).toBe(`http://localhost/fhir/Patient/${created.id}`);
  });

  it('answers 404 for the history of an unknown resource', async () => {
    expect((await gw.fhir('/fhir/Patient/nobody/_history')).status).toBe(404);
  });
});

describe('routing errors', () => {
  it('answers 404 with an OperationOutcome for an unknown resource type', async () => {
    const res = await gw.fhir('/fhir/Spaceship');
    expect(res.status).toBe(404);
    const { first } = await outcome(res);
    expect(first.code).toBe('not-supported');
    expect(first.diagnostics).toContain('Spaceship');
    expect((await gw.fhir('/fhir/Spaceship/1')).status).toBe(404);
  });

  it.each([
    ['PATCH', '/fhir/Patient/x'],
    ['DELETE', '/fhir/Patient'],
    ['PUT', '/fhir/Patient'],
    ['POST', '/fhir/Patient/x'],
    ['GET', '/fhir'],
    ['GET', '/fhir/Patient/_search'],
    ['DELETE', '/fhir/Patient/x/_history'],
  ])('answers 405 with an OperationOutcome for %s %s', async (method, path) => {
    const res = await gw.fhir(path, { method, ...(method === 'GET' || method === 'DELETE' ? {} : { body: '{}' }) });
    expect(res.status).toBe(405);
    expect((await outcome(res)).first.code).toBe('not-supported');
  });

  it.each([
    ['an underscore', 'a_b'],
    ['65 characters', 'a'.repeat(65)],
    ['a space', 'a%20b'],
    ['a percent-encoded slash', 'a%2Fb'],
  ])('refuses an id with %s in the path with 400', async (_what, id) => {
    const res = await gw.fhir(`/fhir/Patient/${id}`);
    expect(res.status).toBe(400);
    expect((await outcome(res)).first.code).toBe('invalid');
  });

  it('accepts an id of exactly 64 allowed characters', async () => {
    const id = `A-z.0${'x'.repeat(59)}`;
    expect(id).toHaveLength(64);
    expect((await put(gw, `/fhir/Patient/${id}`, { resourceType: 'Patient', id })).status).toBe(201);
    expect((await gw.fhir(`/fhir/Patient/${id}`)).status).toBe(200);
  });
});

describe('Prefer: return', () => {
  it('return=minimal answers 201 with headers and no body', async () => {
    const res = await post(gw, '/fhir/Patient', { resourceType: 'Patient' }, { Prefer: 'return=minimal' });
    expect(res.status).toBe(201);
    expect(await res.text()).toBe('');
    expect(res.headers.get('ETag')).toBe('W/"1"');
    const location = res.headers.get('Location')!;
    expect(location).toMatch(/^http:\/\/localhost\/fhir\/Patient\/[^/]+\/_history\/1$/);
    const read = await gw.fhir(location.slice('http://localhost'.length));
    expect(read.status).toBe(200);
  });

  it('return=OperationOutcome answers with an informational outcome instead of the resource', async () => {
    const res = await post(gw, '/fhir/Patient', { resourceType: 'Patient' }, { Prefer: 'return=OperationOutcome' });
    expect(res.status).toBe(201);
    const body = await json(res);
    expect(body.resourceType).toBe('OperationOutcome');
    expect(body.issue[0].severity).toBe('information');
    expect(res.headers.get('Location')).toMatch(/\/_history\/1$/);
  });

  it('return=minimal on update answers 200 without a body', async () => {
    const created = await create(gw, { resourceType: 'Patient' });
    const res = await put(gw, `/fhir/Patient/${created.id}`, { resourceType: 'Patient', id: created.id }, { Prefer: 'return=minimal' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    expect(res.headers.get('ETag')).toBe('W/"2"');
  });
});

describe('conditional create (If-None-Exist)', () => {
  const mrn = (value: string) => ({ resourceType: 'Patient', identifier: [{ system: 'urn:test:mrn', value }] });

  it('creates when nothing matches', async () => {
    const res = await post(gw, '/fhir/Patient', mrn('C-0'), { 'If-None-Exist': 'identifier=urn:test:mrn|C-0' });
    expect(res.status).toBe(201);
    expect(await matchIds(gw, '/fhir/Patient?identifier=urn:test:mrn|C-0')).toHaveLength(1);
  });

  it('returns the one existing match with 200 and creates nothing', async () => {
    const existing = await create(gw, mrn('C-1'));
    const res = await post(gw, '/fhir/Patient', mrn('C-1'), { 'If-None-Exist': 'identifier=urn:test:mrn|C-1' });
    expect(res.status).toBe(200);
    expect((await json(res)).id).toBe(existing.id);
    expect(await matchIds(gw, '/fhir/Patient?identifier=urn:test:mrn|C-1')).toEqual([existing.id]);
  });

  it('refuses with 412 when two resources match, and creates nothing', async () => {
    await create(gw, mrn('C-2'));
    await create(gw, mrn('C-2'));
    const res = await post(gw, '/fhir/Patient', mrn('C-2'), { 'If-None-Exist': 'identifier=urn:test:mrn|C-2' });
    expect(res.status).toBe(412);
    expect((await outcome(res)).first.code).toBe('multiple-matches');
    expect(await matchIds(gw, '/fhir/Patient?identifier=urn:test:mrn|C-2')).toHaveLength(2);
  });

  it('refuses a condition with an unknown parameter with 400 rather than ignoring it', async () => {
    const res = await post(gw, '/fhir/Patient', mrn('C-3'), { 'If-None-Exist': 'shoe-size=44' });
    expect(res.status).toBe(400);
    expect(await matchIds(gw, '/fhir/Patient?identifier=urn:test:mrn|C-3')).toEqual([]);
  });
});
