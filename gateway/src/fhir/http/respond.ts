import type { Resource } from 'fhir/r4';
import { JsonText, type InteractionResult } from '../interaction.ts';

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** Builds the HTTP response of an interaction: body, `ETag`, `Last-Modified` and `Location`. */
export function interactionResponse(result: InteractionResult, kind: string): Response {
  const headers = new Headers();
  if (result.versionId !== undefined) headers.set('ETag', `W/"${result.versionId}"`);
  if (result.lastModified !== undefined) headers.set('Last-Modified', new Date(result.lastModified).toUTCString());
  if (result.location && (kind === 'create' || kind === 'update')) headers.set('Location', result.location);
  if (result.body === undefined) return new Response(null, { status: result.status, headers });
  headers.set('Content-Type', FHIR_JSON);
  return new Response(bodyText(result.body), { status: result.status, headers });
}

export function fhirJson(status: number, body: Resource | JsonText, extraHeaders?: Record<string, string>): Response {
  return new Response(bodyText(body), { status, headers: { 'Content-Type': FHIR_JSON, ...extraHeaders } });
}

function bodyText(body: Resource | JsonText): string {
  return body instanceof JsonText ? body.text : JSON.stringify(body);
}
