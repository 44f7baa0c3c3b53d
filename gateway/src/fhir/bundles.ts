import { JsonText } from './interaction.ts';
import type { SearchRequest } from './search/search-request.ts';

/** What a bundle entry needs of a stored version. */
interface VersionLike {
  readonly resourceType: string;
  readonly id: string;
  readonly versionId: number;
  readonly lastUpdated: number;
  readonly deleted: boolean;
  readonly content: string | null;
}

interface SearchPageLike {
  readonly matches: readonly VersionLike[];
  readonly included: readonly VersionLike[];
  readonly total: number | undefined;
}

/**
 * A `searchset` Bundle with `self`, `first`, `previous` and `next` links that repeat the understood
 * parameters. Stored resources are spliced in as the JSON text they were stored as, not re-serialised.
 */
export function searchsetBundle(fhirBaseUrl: string, request: SearchRequest, page: SearchPageLike): JsonText {
  const pageUrl = (offset: number) => {
    const query = new URLSearchParams(request.used.map(([k, v]) => [k, v]));
    if (offset > 0) query.set('_offset', String(offset));
    const text = query.toString();
    return `${fhirBaseUrl}/${request.resourceType}${text ? `?${text}` : ''}`;
  };
  const links: { relation: string; url: string }[] = [{ relation: 'self', url: pageUrl(request.offset) }];
  if (!request.summaryCount && request.count > 0) {
    links.push({ relation: 'first', url: pageUrl(0) });
    if (request.offset > 0) links.push({ relation: 'previous', url: pageUrl(Math.max(0, request.offset - request.count)) });
    const more =
      page.total !== undefined ? request.offset + request.count < page.total : page.matches.length === request.count;
    if (more) links.push({ relation: 'next', url: pageUrl(request.offset + request.count) });
  }
  const entries = [
    ...page.matches.map((v) => entryJson(fhirBaseUrl, v, '"search":{"mode":"match"}')),
    ...page.included.map((v) => entryJson(fhirBaseUrl, v, '"search":{"mode":"include"}')),
  ];
  const total = page.total === undefined ? '' : `"total":${page.total},`;
  return new JsonText(`{"resourceType":"Bundle","type":"searchset",${total}"link":${JSON.stringify(links)}${entryArray(entries)}}`);
}

/** A `history` Bundle of one resource's versions, newest first. */
export function historyBundle(fhirBaseUrl: string, versions: readonly VersionLike[]): JsonText {
  const entries = versions.map((v) => {
    const method = v.deleted ? 'DELETE' : v.versionId === 1 ? 'POST' : 'PUT';
    const request = JSON.stringify({ method, url: method === 'POST' ? v.resourceType : `${v.resourceType}/${v.id}` });
    const response = JSON.stringify({
      status: v.deleted ? '204' : v.versionId === 1 ? '201' : '200',
      etag: `W/"${v.versionId}"`,
      lastModified: new Date(v.lastUpdated).toISOString(),
    });
    return entryJson(fhirBaseUrl, v, `"request":${request},"response":${response}`);
  });
  return new JsonText(`{"resourceType":"Bundle","type":"history","total":${versions.length}${entryArray(entries)}}`);
}

/** `,"entry":[…]`, or nothing: FHIR JSON never carries an empty array. */
export function entryArray(entries: readonly string[]): string {
  return entries.length === 0 ? '' : `,"entry":[${entries.join(',')}]`;
}

function entryJson(fhirBaseUrl: string, v: VersionLike, rest: string): string {
  const fullUrl = JSON.stringify(`${fhirBaseUrl}/${v.resourceType}/${v.id}`);
  const resource = v.deleted || v.content === null ? '' : `"resource":${v.content},`;
  return `{"fullUrl":${fullUrl},${resource}${rest}}`;
}
