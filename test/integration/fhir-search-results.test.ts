import { beforeAll, describe, expect, it } from 'vitest';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { linkPath, matchIds, outcome, put, search } from '../helpers/fhir.ts';
import { seededGateway } from '../helpers/search-dataset.ts';

// How search results are shaped (sorting, paging, totals, includes, strictness), against the dataset
// in test/helpers/search-dataset.ts, and how searches follow writes.
let gw: TestGateway;

beforeAll(async () => {
  gw = await seededGateway();
});

/** Match ids of a search, sorted (for searches whose order is not under test). */
async function ids(path: string, headers?: Record<string, string>): Promise<string[]> {
  return (await matchIds(gw, path, headers)).sort();
}

describe('_sort', () => {
  it.each([
    ['_sort=birthdate', ['p-smith', 'p-muller', 'p-muller2', 'p-miller', 'p-nobody']],
    ['_sort=-birthdate', ['p-miller', 'p-muller2', 'p-muller', 'p-smith', 'p-nobody']],
    ['_sort=family', ['p-miller', 'p-muller', 'p-muller2', 'p-nobody', 'p-smith']],
    ['_sort=gender,-_id', ['p-muller2', 'p-miller', 'p-smith', 'p-muller', 'p-nobody']],
    ['_sort=-gender,_id', ['p-muller', 'p-smith', 'p-miller', 'p-muller2', 'p-nobody']],
    ['_sort=_id', ['p-miller', 'p-muller', 'p-muller2', 'p-nobody', 'p-smith']],
    ['_sort=-_id', ['p-smith', 'p-nobody', 'p-muller2', 'p-muller', 'p-miller']],
    ['_sort=-_lastUpdated', ['p-nobody', 'p-miller', 'p-smith', 'p-muller2', 'p-muller']],
  ])('Patient?%s', async (query, expected) => {
    expect(await matchIds(gw, `/fhir/Patient?${query}`)).toEqual(expected);
  });

  it('sorts Observations by -date, periods by their start', async () => {
    expect(await matchIds(gw, '/fhir/Observation?_sort=-date')).toEqual(['o-abs', 'o-hr2', 'o-hr1', 'o-glu', 'o-bp', 'o-ext']);
    expect(await matchIds(gw, '/fhir/Observation?_sort=date')).toEqual(['o-ext', 'o-bp', 'o-glu', 'o-hr1', 'o-hr2', 'o-abs']);
  });

  it.each(['_sort=subject', '_sort=shoe-size', '_sort=name,', '_sort='])('refuses %s with 400', async (query) => {
    expect((await gw.fhir(`/fhir/Observation?${query}`)).status).toBe(400);
  });
});

describe('paging and totals', () => {
  it('follows next links until exhausted, seeing every resource exactly once', async () => {
    const seen: string[] = [];
    let path: string | undefined = '/fhir/Patient?_count=2&_sort=_id';
    let pages = 0;
    while (path !== undefined) {
      const bundle = await search(gw, path);
      expect(bundle.total).toBe(5);
      expect(bundle.entry.length).toBeLessThanOrEqual(2);
      seen.push(...bundle.entry.map((e: any) => e.resource.id));
      path = linkPath(bundle, 'next');
      pages++;
      expect(pages).toBeLessThan(10);
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(['p-miller', 'p-muller', 'p-muller2', 'p-nobody', 'p-smith']);
  });

  it('gives self, first and previous links that repeat the query', async () => {
    const page1 = await search(gw, '/fhir/Patient?_count=2&_sort=_id');
    const page2 = await search(gw, linkPath(page1, 'next')!);
    expect(linkPath(page2, 'self')).toBe('/fhir/Patient?_count=2&_sort=_id&_offset=2');
    expect(linkPath(page2, 'first')).toBe('/fhir/Patient?_count=2&_sort=_id');
    expect(linkPath(page1, 'previous')).toBeUndefined();
    const back = await search(gw, linkPath(page2, 'previous')!);
    expect(back.entry.map((e: any) => e.resource.id)).toEqual(page1.entry.map((e: any) => e.resource.id));
  });

  it('gives each match its fullUrl and search mode', async () => {
    const bundle = await search(gw, '/fhir/Patient?_id=p-smith');
    expect(bundle.entry).toEqual([
      { fullUrl: 'http://localhost/fhir/Patient/p-smith', resource: expect.objectContaining({ id: 'p-smith' }), search: { mode: 'match' } },
    ]);
  });

  it('_summary=count gives the total and no entries', async () => {
    const bundle = await search(gw, '/fhir/Patient?_summary=count&gender=male');
    expect(bundle.total).toBe(2);
    expect(bundle.entry ?? []).toEqual([]);
  });

  it('_count=0 gives the total and no entries', async () => {
    const bundle = await search(gw, '/fhir/Observation?_count=0');
    expect(bundle.total).toBe(6);
    expect(bundle.entry ?? []).toEqual([]);
  });

  it('_total=none leaves the total out but still pages', async () => {
    const bundle = await search(gw, '/fhir/Patient?_total=none&_count=2&_sort=_id');
    expect(bundle.total).toBeUndefined();
    expect(bundle.entry).toHaveLength(2);
    expect(linkPath(bundle, 'next')).toBe('/fhir/Patient?_total=none&_count=2&_sort=_id&_offset=2');
  });

  it('defaults to pages of 20', async () => {
    const bundle = await search(gw, '/fhir/Patient');
    expect(bundle.total).toBe(5);
    expect(linkPath(bundle, 'self')).toBe('/fhir/Patient');
  });
});

describe('_include and _revinclude', () => {
  const byMode = (bundle: any, mode: string) =>
    bundle.entry
      .filter((e: any) => e.search.mode === mode)
      .map((e: any) => `${e.resource.resourceType}/${e.resource.id}`)
      .sort();

  it('_include=Observation:patient adds the patients as include entries', async () => {
    const bundle = await search(gw, '/fhir/Observation?code=8867-4&_include=Observation:patient');
    expect(byMode(bundle, 'match')).toEqual(['Observation/o-ext', 'Observation/o-hr1', 'Observation/o-hr2']);
    expect(byMode(bundle, 'include')).toEqual(['Patient/p-muller', 'Patient/p-smith']);
    expect(bundle.total).toBe(3);
  });

  it('_include=Appointment:actor adds every actor; with :Practitioner only practitioners', async () => {
    const all = await search(gw, '/fhir/Appointment?_id=a-1&_include=Appointment:actor');
    expect(byMode(all, 'include')).toEqual(['Patient/p-muller', 'Practitioner/dr-1']);
    const practitioners = await search(gw, '/fhir/Appointment?_id=a-1,a-3&_include=Appointment:actor:Practitioner');
    expect(byMode(practitioners, 'include')).toEqual(['Practitioner/dr-1', 'Practitioner/dr-2']);
  });

  it('_revinclude=Observation:subject on a Patient search adds the Observations about them', async () => {
    const bundle = await search(gw, '/fhir/Patient?_id=p-muller&_revinclude=Observation:subject');
    expect(byMode(bundle, 'match')).toEqual(['Patient/p-muller']);
    expect(byMode(bundle, 'include')).toEqual(['Observation/o-glu', 'Observation/o-hr1']);
  });

  it.each([
    '_include=Observation:patient',
    '_include=Patient:organization',
    '_include=Patient:name',
    '_revinclude=Observation:code',
    '_include=Appointment:actor:Observation',
  ])('refuses %s on a Patient or Appointment search with 400', async (query) => {
    const type = query.includes('Appointment') ? 'Appointment' : 'Patient';
    expect((await gw.fhir(`/fhir/${type}?${query}`)).status).toBe(400);
  });
});

describe('unknown parameters and modifiers', () => {
  it('ignores an unknown parameter by default and leaves it out of the self link', async () => {
    const bundle = await search(gw, '/fhir/Patient?shoe-size=44&gender=female');
    expect(bundle.entry.map((e: any) => e.resource.id).sort()).toEqual(['p-miller', 'p-muller2']);
    expect(linkPath(bundle, 'self')).toBe('/fhir/Patient?gender=female');
  });

  it('refuses an unknown parameter with 400 under Prefer: handling=strict', async () => {
    const res = await gw.fhir('/fhir/Patient?shoe-size=44', { headers: { Prefer: 'handling=strict' } });
    expect(res.status).toBe(400);
    expect((await outcome(res)).first.diagnostics).toContain('shoe-size');
    expect(await ids('/fhir/Patient?gender=male', { Prefer: 'handling=strict' })).toEqual(['p-muller', 'p-smith']);
  });

  it.each(['name:sounds=muller', 'gender:exact=male', 'gender:contains=ma', 'birthdate:exact=1980', '_id:exact=p-muller'])(
    'refuses the unknown modifier in %s with 400',
    async (query) => {
      const res = await gw.fhir(`/fhir/Patient?${query}`);
      expect(res.status).toBe(400);
      expect((await outcome(res)).first.code).toBe('invalid');
    },
  );
});

describe('POST _search', () => {
  it('gives the same result as GET for a form-encoded body', async () => {
    const query = 'gender=male&_sort=-_id';
    const viaGet = await matchIds(gw, `/fhir/Patient?${query}`);
    const res = await gw.fhir('/fhir/Patient/_search', {
      method: 'POST',
      body: query,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(200);
    const bundle = await json(res);
    expect(bundle.entry.map((e: any) => e.resource.id)).toEqual(viaGet);
    expect(viaGet).toEqual(['p-smith', 'p-muller']);
  });

  it('refuses a JSON body with 415', async () => {
    const res = await gw.fhir('/fhir/Patient/_search', { method: 'POST', body: '{"gender":"male"}' });
    expect(res.status).toBe(415);
  });
});

describe('searches after writes', () => {
  let fresh: TestGateway;
  beforeAll(async () => {
    fresh = await startTestGateway();
  });

  it('never returns deleted resources, in matches or includes', async () => {
    await put(fresh, '/fhir/Patient/gone', { resourceType: 'Patient', id: 'gone', name: [{ family: 'Gone' }], gender: 'male' });
    await put(fresh, '/fhir/Patient/kept', { resourceType: 'Patient', id: 'kept', name: [{ family: 'Kept' }], gender: 'male' });
    expect((await fresh.fhir('/fhir/Patient/gone', { method: 'DELETE' })).status).toBe(204);
    expect((await matchIds(fresh, '/fhir/Patient?gender=male')).sort()).toEqual(['kept']);
    expect(await matchIds(fresh, '/fhir/Patient?name=gone')).toEqual([]);
    expect(await matchIds(fresh, '/fhir/Patient?_id=gone')).toEqual([]);
    expect((await search(fresh, '/fhir/Patient?_summary=count')).total).toBe(1);
  });

  it('finds a birthDate given to the month by that month, and not by the first days of the next', async () => {
    await put(fresh, '/fhir/Patient/feb', { resourceType: 'Patient', id: 'feb', birthDate: '1981-02' });
    expect(await matchIds(fresh, '/fhir/Patient?birthdate=1981-02')).toEqual(['feb']);
    expect(await matchIds(fresh, '/fhir/Patient?birthdate=1981')).toEqual(['feb']);
    expect(await matchIds(fresh, '/fhir/Patient?birthdate=ge1981-03-01')).toEqual([]);
    expect(await matchIds(fresh, '/fhir/Patient?birthdate=sa1981-02-28')).toEqual([]);
    expect(await matchIds(fresh, '/fhir/Patient?birthdate=eb1981-03-01')).toEqual(['feb']);
  });

  it('matches only the new values after an update', async () => {
    await put(fresh, '/fhir/Patient/changing', {
      resourceType: 'Patient',
      id: 'changing',
      name: [{ family: 'Before' }],
      birthDate: '1950-01-01',
      identifier: [{ system: 'urn:x', value: 'old' }],
    });
    const res = await put(fresh, '/fhir/Patient/changing', {
      resourceType: 'Patient',
      id: 'changing',
      name: [{ family: 'After' }],
      birthDate: '2000-01-01',
      identifier: [{ system: 'urn:x', value: 'new' }],
    });
    expect(res.status).toBe(200);
    for (const query of ['name=before', 'birthdate=1950-01-01', 'identifier=urn:x|old']) {
      expect(await matchIds(fresh, `/fhir/Patient?${query}`), query).toEqual([]);
    }
    for (const query of ['name=after', 'birthdate=2000-01-01', 'identifier=urn:x|new']) {
      expect(await matchIds(fresh, `/fhir/Patient?${query}`), query).toEqual(['changing']);
    }
  });
});
