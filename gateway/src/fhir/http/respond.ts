import type { Context } from 'hono';
import type { Resource } from 'fhir/r4';
import { JsonText, type InteractionResult } from '../interaction.ts';

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

export interface FhirResponder {
  /** The HTTP response of an interaction: body, `ETag`, `Last-Modified` and `Location`. */
  result(c: Context, result: InteractionResult, kind: string): Response;
  json(c: Context, status: number, body: Resource | JsonText, extraHeaders?: Record<string, string>): Response;
}

/**
 * Builds every FHIR API response, errors included, with all its headers (security, CORS, request id)
 * in one plain object: that keeps @hono/node-server on its fast path, where no WHATWG Headers or
 * streamed Response is built for a read.
 */
export function fhirResponder(staticHeaders: Readonly<Record<string, string>>): FhirResponder {
  const headersFor = (c: Context, extra?: Record<string, string>): Record<string, string> => ({
    ...staticHeaders,
    'X-Request-Id': c.get('requestId') as string,
    ...extra,
  });
  return {
    result(c, result, kind) {
      const headers = headersFor(c);
      if (result.versionId !== undefined) headers.ETag = `W/"${result.versionId}"`;
      if (result.lastModified !== undefined) headers['Last-Modified'] = new Date(result.lastModified).toUTCString();
      // A 201 names what it created (an operation such as $book creates too).
      if (result.location && (kind === 'create' || kind === 'update' || result.status === 201)) headers.Location = result.location;
      if (result.body === undefined) return new Response(null, { status: result.status, headers });
      headers['Content-Type'] = FHIR_JSON;
      return new Response(bodyText(result.body), { status: result.status, headers });
    },
    json(c, status, body, extraHeaders) {
      return new Response(bodyText(body), { status, headers: headersFor(c, { 'Content-Type': FHIR_JSON, ...extraHeaders }) });
    },
  };
}

function bodyText(body: Resource | JsonText): string {
  return body instanceof JsonText ? body.text : JSON.stringify(body);
}
