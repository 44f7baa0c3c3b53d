import { beforeAll, describe, expect, it } from 'vitest';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { create, matchIds, outcome, post, put, rowCount } from '../helpers/fhir.ts';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway();
});

const bundle = (type: string, entry: unknown[]) => ({ resourceType: 'Bundle', type, entry });
const observation = (subject: string, code = 'x', extra: Record<string, unknown> = {}) => ({
  resourceType: 'Observation',
  status: 'final',
  code: { text: code },
  subject: { reference: subject },
  ...extra,
});

/** Resolves `Type/id` from a response entry's location (…/Type/id/_history/n). */
function locationRef(entry: any): string {
  const match = /\/fhir\/([A-Za-z]+)\/([^/]+)\/_history\/\d+$/.exec(entry.response.location);
  expect(match, entry.response.location).not.toBeNull();
  return `${match![1]}/${match![2]}`;
}

describe('batch', () => {
  it('runs each entry on its own and reports success or failure per entry', async () => {
    await put(gw, '/fhir/Patient/batch-existing', { resourceType: 'Patient', id: 'batch-existing', gender: 'male' });
    const res = await post(
      gw,
      '/fhir',
      bundle('batch', [
        { request: { method: 'POST', url: 'Patient' }, resource: { resourceType: 'Patient', name: [{ family: 'BatchOk' }] } },
        { request: { method: 'POST', url: 'Patient' }, resource: { resourceType: 'Patient', birthDate: 'not-a-date' } },
        { request: { method: 'GET', url: 'Patient/batch-missing' } },
        { request: { method: 'PUT', url: 'Patient/batch-put' }, resource: { resourceType: 'Patient', id: 'batch-put', gender: 'other' } },
        { request: { method: 'DELETE', url: 'Patient/batch-existing' } },
        { request: { method: 'GET', url: 'Patient?family=BatchOk' } },
        { request: { method: 'PATCH', url: 'Patient/batch-put' } },
        { request: { method: 'PUT', url: 'Patient/batch-put2' }, resource: { resourceType: 'Patient', id: 'other-id' } },
      ]),
    );
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.resourceType).toBe('Bundle');
    expect(body.type).toBe('batch-response');
    const statuses = body.entry.map((e: any) => e.response.status);
    expect(statuses).toEqual(['201 Created', '422 Unprocessable Entity', '404 Not Found', '201 Created', '204 No Content', '200 OK', '400 Bad Request', '400 Bad Request']);

    const [created, invalid, missing, putCreated, deleted, searched, badMethod, mismatch] = body.entry;
    expect(created.resource.name).toEqual([{ family: 'BatchOk' }]);
    expect(created.response.etag).toBe('W/"1"');
    expect(locationRef(created)).toBe(`Patient/${created.resource.id}`);
    expect(invalid.response.outcome.resourceType).toBe('OperationOutcome');
    expect(invalid.response.outcome.issue[0].expression).toEqual(['Patient.birthDate']);
    expect(invalid.resource).toBeUndefined();
    expect(missing.response.outcome.issue[0].code).toBe('not-found');
    expect(putCreated.resource.id).toBe('batch-put');
    expect(deleted.resource).toBeUndefined();
    expect(searched.resource.type).toBe('searchset');
    expect(searched.resource.entry.map((e: any) => e.resource.id)).toEqual([created.resource.id]);
    expect(badMethod.response.outcome.resourceType).toBe('OperationOutcome');
    expect(mismatch.response.outcome.issue[0].diagnostics).toMatch(/differs/);

    // The successes were persisted; the failures left nothing behind.
    expect((await gw.fhir(`/fhir/Patient/${created.resource.id}`)).status).toBe(200);
    expect((await json(await gw.fhir('/fhir/Patient/batch-put'))).gender).toBe('other');
    expect((await gw.fhir('/fhir/Patient/batch-existing')).status).toBe(410);
    expect((await gw.fhir('/fhir/Patient/batch-put2')).status).toBe(404);
    expect((await gw.fhir('/fhir/Patient/other-id')).status).toBe(404);
  });

  it('does not rewrite urn:uuid references in a batch (entries are independent)', async () => {
    const res = await post(
      gw,
      '/fhir',
      bundle('batch', [
        { fullUrl: 'urn:uuid:0d7c0bc1-0000-4000-8000-000000000001', request: { method: 'POST', url: 'Patient' }, resource: { resourceType: 'Patient' } },
        {
          request: { method: 'POST', url: 'Observation' },
          resource: observation('urn:uuid:0d7c0bc1-0000-4000-8000-000000000001'),
        },
      ]),
    );
    const body = await json(res);
    expect(body.entry[1].resource.subject.reference).toBe('urn:uuid:0d7c0bc1-0000-4000-8000-000000000001');
  });
});

describe('transaction', () => {
  it('creates a Patient and Observations linked by urn:uuid, rewriting references to the assigned ids', async () => {
    const patientUrl = 'urn:uuid:7f1d2c4e-1111-4000-8000-000000000001';
    const firstObsUrl = 'urn:uuid:7f1d2c4e-1111-4000-8000-000000000002';
    const res = await post(
      gw,
      '/fhir',
      bundle('transaction', [
        { fullUrl: firstObsUrl, request: { method: 'POST', url: 'Observation' }, resource: observation(patientUrl, 'first') },
        {
          request: { method: 'POST', url: 'Observation' },
          resource: observation(patientUrl, 'panel', { hasMember: [{ reference: firstObsUrl }] }),
        },
        {
          fullUrl: patientUrl,
          request: { method: 'POST', url: 'Patient' },
          resource: { resourceType: 'Patient', name: [{ family: 'Tx' }], identifier: [{ system: 'urn:tx', value: 'linked' }] },
        },
      ]),
    );
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.type).toBe('transaction-response');
    expect(body.entry.map((e: any) => e.response.status)).toEqual(['201 Created', '201 Created', '201 Created']);
    const [first, panel, patient] = body.entry;
    const patientRef = locationRef(patient);
    expect(patientRef).toBe(`Patient/${patient.resource.id}`);
    expect(first.resource.subject.reference).toBe(patientRef);
    expect(panel.resource.subject.reference).toBe(patientRef);
    expect(panel.resource.hasMember).toEqual([{ reference: locationRef(first) }]);

    // Stored as returned, and searchable through the rewritten reference.
    expect((await json(await gw.fhir(`/fhir/${locationRef(panel)}`))).hasMember).toEqual([{ reference: locationRef(first) }]);
    expect((await matchIds(gw, `/fhir/Observation?subject=${patientRef}`)).sort()).toEqual([first.resource.id, panel.resource.id].sort());
  });

  it('rolls everything back when one entry is invalid (422) and says which entry failed', async () => {
    const before = rowCount(gw, 'fhir_resources');
    const patientUrl = 'urn:uuid:7f1d2c4e-2222-4000-8000-000000000001';
    const res = await post(
      gw,
      '/fhir',
      bundle('transaction', [
        { fullUrl: patientUrl, request: { method: 'POST', url: 'Patient' }, resource: { resourceType: 'Patient', identifier: [{ system: 'urn:tx', value: 'rollback-422' }] } },
        { request: { method: 'PUT', url: 'Patient/tx-put-422' }, resource: { resourceType: 'Patient', id: 'tx-put-422' } },
        { request: { method: 'POST', url: 'Observation' }, resource: observation(patientUrl, 'x', { effectiveDateTime: 'yesterday' }) },
      ]),
    );
    expect(res.status).toBe(422);
    const { issue } = await outcome(res);
    expect(issue.some((i: any) => String(i.diagnostics).startsWith('Entry 2:'))).toBe(true);
    expect(rowCount(gw, 'fhir_resources')).toBe(before);
    expect(await matchIds(gw, '/fhir/Patient?identifier=urn:tx|rollback-422')).toEqual([]);
    expect((await gw.fhir('/fhir/Patient/tx-put-422')).status).toBe(404);
  });

  it('rolls everything back when an If-Match is stale (412), including earlier updates', async () => {
    await put(gw, '/fhir/Patient/tx-stale', { resourceType: 'Patient', id: 'tx-stale', gender: 'male' });
    await put(gw, '/fhir/Patient/tx-stale', { resourceType: 'Patient', id: 'tx-stale', gender: 'female' });
    await put(gw, '/fhir/Patient/tx-other', { resourceType: 'Patient', id: 'tx-other', gender: 'male' });
    const before = rowCount(gw, 'fhir_resources');
    const history = rowCount(gw, 'fhir_history');
    const res = await post(
      gw,
      '/fhir',
      bundle('transaction', [
        { request: { method: 'PUT', url: 'Patient/tx-other' }, resource: { resourceType: 'Patient', id: 'tx-other', gender: 'other' } },
        { request: { method: 'POST', url: 'Patient' }, resource: { resourceType: 'Patient', identifier: [{ system: 'urn:tx', value: 'rollback-412' }] } },
        { request: { method: 'PUT', url: 'Patient/tx-stale', ifMatch: 'W/"1"' }, resource: { resourceType: 'Patient', id: 'tx-stale', gender: 'other' } },
      ]),
    );
    expect(res.status).toBe(412);
    await outcome(res);
    expect(rowCount(gw, 'fhir_resources')).toBe(before);
    expect(rowCount(gw, 'fhir_history')).toBe(history);
    expect((await json(await gw.fhir('/fhir/Patient/tx-other'))).gender).toBe('male');
    expect((await json(await gw.fhir('/fhir/Patient/tx-stale'))).gender).toBe('female');
    expect(await matchIds(gw, '/fhir/Patient?identifier=urn:tx|rollback-412')).toEqual([]);
  });

  it('runs DELETE, then POST, then PUT, then GET, whatever the entry order, and answers in entry order', async () => {
    await put(gw, '/fhir/Patient/order-del', { resourceType: 'Patient', id: 'order-del', name: [{ family: 'Ordering' }] });
    const res = await post(
      gw,
      '/fhir',
      bundle('transaction', [
        { request: { method: 'GET', url: 'Patient?family=Ordering&_sort=_lastUpdated' } },
        { request: { method: 'PUT', url: 'Patient/order-put' }, resource: { resourceType: 'Patient', id: 'order-put', name: [{ family: 'Ordering' }] } },
        { request: { method: 'POST', url: 'Patient' }, resource: { resourceType: 'Patient', name: [{ family: 'Ordering' }] } },
        { request: { method: 'DELETE', url: 'Patient/order-del' } },
      ]),
    );
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.entry.map((e: any) => e.response.status)).toEqual(['200 OK', '201 Created', '201 Created', '204 No Content']);
    const [searched, putEntry, postEntry] = body.entry;
    // The GET ran last: it sees both writes and not the deleted resource.
    expect(searched.resource.entry.map((e: any) => e.resource.id).sort()).toEqual([postEntry.resource.id, 'order-put'].sort());
    // POST ran before PUT.
    expect(Date.parse(postEntry.resource.meta.lastUpdated)).toBeLessThanOrEqual(Date.parse(putEntry.resource.meta.lastUpdated));
    expect(searched.resource.entry.map((e: any) => e.resource.id)).toEqual([postEntry.resource.id, 'order-put']);
  });

  it('answers GET entries with reads and searches', async () => {
    const patient = await create(gw, { resourceType: 'Patient', identifier: [{ system: 'urn:tx', value: 'read-me' }] });
    const res = await post(
      gw,
      '/fhir',
      bundle('transaction', [
        { request: { method: 'GET', url: `Patient/${patient.id}` } },
        { request: { method: 'GET', url: 'Patient?identifier=urn:tx|read-me' } },
        { request: { method: 'GET', url: `Patient/${patient.id}/_history/1` } },
      ]),
    );
    expect(res.status).toBe(200);
    const [read, searched, vread] = (await json(res)).entry;
    expect(read.resource).toEqual(patient);
    expect(read.response.etag).toBe('W/"1"');
    expect(searched.resource.total).toBe(1);
    expect(searched.resource.entry[0].resource.id).toBe(patient.id);
    expect(vread.resource).toEqual(patient);
  });

  it('points urn:uuid references at the existing resource when a conditional create matches', async () => {
    const existing = await create(gw, { resourceType: 'Patient', identifier: [{ system: 'urn:tx', value: 'cond-match' }] });
    const patientUrl = 'urn:uuid:7f1d2c4e-3333-4000-8000-000000000001';
    const res = await post(
      gw,
      '/fhir',
      bundle('transaction', [
        {
          fullUrl: patientUrl,
          request: { method: 'POST', url: 'Patient', ifNoneExist: 'identifier=urn:tx|cond-match' },
          resource: { resourceType: 'Patient', identifier: [{ system: 'urn:tx', value: 'cond-match' }] },
        },
        { request: { method: 'POST', url: 'Observation' }, resource: observation(patientUrl) },
      ]),
    );
    expect(res.status).toBe(200);
    const [patient, obs] = (await json(res)).entry;
    expect(patient.response.status).toBe('200 OK');
    expect(patient.resource.id).toBe(existing.id);
    expect(obs.resource.subject.reference).toBe(`Patient/${existing.id}`);
    expect(await matchIds(gw, '/fhir/Patient?identifier=urn:tx|cond-match')).toEqual([existing.id]);
  });

  it('creates a conditional create whose only match this transaction deletes, and references the new resource', async () => {
    await put(gw, '/fhir/Patient/cond-deleted', { resourceType: 'Patient', id: 'cond-deleted', identifier: [{ system: 'urn:tx', value: 'cond-del' }] });
    const patientUrl = 'urn:uuid:7f1d2c4e-4444-4000-8000-000000000001';
    const res = await post(
      gw,
      '/fhir',
      bundle('transaction', [
        {
          fullUrl: patientUrl,
          request: { method: 'POST', url: 'Patient', ifNoneExist: 'identifier=urn:tx|cond-del' },
          resource: { resourceType: 'Patient', identifier: [{ system: 'urn:tx', value: 'cond-del' }] },
        },
        { request: { method: 'POST', url: 'Observation' }, resource: observation(patientUrl) },
        { request: { method: 'DELETE', url: 'Patient/cond-deleted' } },
      ]),
    );
    expect(res.status).toBe(200);
    const [patient, obs] = (await json(res)).entry;
    expect(patient.response.status).toBe('201 Created');
    expect(patient.resource.id).not.toBe('cond-deleted');
    expect(obs.resource.subject.reference).toBe(`Patient/${patient.resource.id}`);
  });

  it('refuses two entries that change the same resource with 400', async () => {
    const res = await post(
      gw,
      '/fhir',
      bundle('transaction', [
        { request: { method: 'PUT', url: 'Patient/twice' }, resource: { resourceType: 'Patient', id: 'twice' } },
        { request: { method: 'DELETE', url: 'Patient/twice' } },
      ]),
    );
    expect(res.status).toBe(400);
    expect((await gw.fhir('/fhir/Patient/twice')).status).toBe(404);
  });

  it('refuses two POST entries with the same fullUrl with 400', async () => {
    const entry = { fullUrl: 'urn:uuid:7f1d2c4e-5555-4000-8000-000000000001', request: { method: 'POST', url: 'Patient' }, resource: { resourceType: 'Patient' } };
    const before = rowCount(gw, 'fhir_resources');
    expect((await post(gw, '/fhir', bundle('transaction', [entry, entry]))).status).toBe(400);
    expect(rowCount(gw, 'fhir_resources')).toBe(before);
  });

  it('fails the whole transaction on an entry with an unknown method', async () => {
    const before = rowCount(gw, 'fhir_resources');
    const res = await post(
      gw,
      '/fhir',
      bundle('transaction', [
        { request: { method: 'POST', url: 'Patient' }, resource: { resourceType: 'Patient' } },
        { request: { method: 'PATCH', url: 'Patient/x' } },
      ]),
    );
    expect(res.status).toBe(400);
    expect(rowCount(gw, 'fhir_resources')).toBe(before);
  });
});

describe('bundle shape errors', () => {
  it.each([
    ['a collection Bundle', { resourceType: 'Bundle', type: 'collection', entry: [] }],
    ['a searchset Bundle', { resourceType: 'Bundle', type: 'searchset' }],
    ['a Bundle without a type', { resourceType: 'Bundle', entry: [] }],
    ['a Patient', { resourceType: 'Patient' }],
    ['entries that are not an array', { resourceType: 'Bundle', type: 'batch', entry: { request: { method: 'GET', url: 'Patient' } } }],
    ['an absolute entry URL', bundle('transaction', [{ request: { method: 'GET', url: 'https://evil.example/fhir/Patient' } }])],
    ['an entry without request', bundle('transaction', [{ resource: { resourceType: 'Patient' } }])],
  ])('refuses %s at the server base with 400', async (_what, body) => {
    const res = await post(gw, '/fhir', body);
    expect(res.status).toBe(400);
    await outcome(res);
  });

  it('refuses a nested Bundle entry: Bundle is not a type this store serves', async () => {
    const nested = bundle('batch', [{ request: { method: 'POST', url: 'Patient' }, resource: { resourceType: 'Patient' } }]);
    const before = rowCount(gw, 'fhir_resources');
    const res = await post(gw, '/fhir', bundle('transaction', [{ request: { method: 'POST', url: 'Bundle' }, resource: nested }]));
    expect(res.status).toBe(404);
    expect((await outcome(res)).first.diagnostics).toContain('Bundle');
    expect(rowCount(gw, 'fhir_resources')).toBe(before);
  });

  it('accepts an empty transaction and answers with a response Bundle without entries', async () => {
    const res = await post(gw, '/fhir', bundle('transaction', []));
    expect(res.status).toBe(200);
    // FHIR JSON never carries an empty array, so `entry` is absent.
    expect(await json(res)).toEqual({ resourceType: 'Bundle', type: 'transaction-response' });
  });

  it('refuses more than 1000 entries with 413', async () => {
    const entries = Array.from({ length: 1001 }, () => ({ request: { method: 'GET', url: 'Patient?_count=0' } }));
    const res = await post(gw, '/fhir', bundle('batch', entries));
    expect(res.status).toBe(413);
    expect((await outcome(res)).first.code).toBe('too-costly');
  });
});
