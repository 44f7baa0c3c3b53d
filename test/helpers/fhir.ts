import { expect } from 'vitest';
import { json, type TestGateway } from './gateway.ts';

/** Creates a resource through the API and returns what the server stored (fails the test on non-201). */
export async function create(gw: TestGateway, resource: { resourceType: string; [key: string]: unknown }): Promise<any> {
  const res = await gw.fhir(`/fhir/${resource.resourceType}`, { method: 'POST', body: JSON.stringify(resource) });
  const body = await json(res);
  expect(res.status, JSON.stringify(body)).toBe(201);
  return body;
}

/** PUT with a JSON body. */
export function put(gw: TestGateway, path: string, resource: unknown, headers?: Record<string, string>): Promise<Response> {
  return gw.fhir(path, { method: 'PUT', body: JSON.stringify(resource), headers });
}

/** POST with a JSON body. */
export function post(gw: TestGateway, path: string, body: unknown, headers?: Record<string, string>): Promise<Response> {
  return gw.fhir(path, { method: 'POST', body: JSON.stringify(body), headers });
}

/** GET of a search that must succeed; returns the searchset Bundle. */
export async function search(gw: TestGateway, path: string, headers?: Record<string, string>): Promise<any> {
  const res = await gw.fhir(path, { headers });
  const body = await json(res);
  expect(res.status, `${path} → ${JSON.stringify(body)}`).toBe(200);
  expect(body.resourceType).toBe('Bundle');
  expect(body.type).toBe('searchset');
  return body;
}

/** Ids of the `match` entries of a search, in the order returned. */
export async function matchIds(gw: TestGateway, path: string, headers?: Record<string, string>): Promise<string[]> {
  const bundle = await search(gw, path, headers);
  return (bundle.entry ?? []).filter((e: any) => e.search?.mode === 'match').map((e: any) => e.resource.id);
}

/** The first issue of an OperationOutcome body, after checking that it is one. */
export async function outcome(res: Response): Promise<{ issue: any[]; first: any }> {
  const body = await json(res);
  expect(body.resourceType, JSON.stringify(body)).toBe('OperationOutcome');
  expect(body.issue.length).toBeGreaterThan(0);
  return { issue: body.issue, first: body.issue[0] };
}

/** Number of rows in a table of the gateway's database (to show that a request wrote nothing). */
export function rowCount(gw: TestGateway, table: 'fhir_resources' | 'fhir_history' | 'fhir_string_index' | 'fhir_token_index'): number {
  return (gw.sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

/** A Bundle link as a path app.request can take (the gateway's PUBLIC_URL is http://localhost). */
export function linkPath(bundle: any, relation: string): string | undefined {
  const url: string | undefined = bundle.link?.find((l: any) => l.relation === relation)?.url;
  if (url === undefined) return undefined;
  expect(url.startsWith('http://localhost/fhir/')).toBe(true);
  return url.slice('http://localhost'.length);
}
