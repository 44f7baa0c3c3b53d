import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { badRequest, FhirError } from '../errors.ts';
import {
  JsonText,
  toInteraction,
  type Interaction,
  type InteractionOptions,
  type InteractionResult,
} from '../interaction.ts';
import type { ResourceStore } from './resource-store.ts';

interface Engine {
  executeSync(interaction: Interaction, options: InteractionOptions): InteractionResult;
}

interface ParsedEntry {
  readonly index: number;
  readonly fullUrl: string | undefined;
  readonly method: string;
  readonly interaction: Interaction;
}

/** Most entries one Bundle may hold. */
export const MAX_BUNDLE_ENTRIES = 1000;

// A transaction runs its entries in this order, whatever order they came in
// (http://hl7.org/fhir/R4/http.html#trules).
const TRANSACTION_ORDER = ['DELETE', 'POST', 'PUT', 'GET'];

/**
 * Runs a `batch` (each entry on its own; failures reported per entry) or a `transaction` (all
 * entries in one database transaction; the first failure rolls everything back and is the answer).
 */
export function executeBundle(body: unknown, engine: Engine, store: ResourceStore, options: InteractionOptions): InteractionResult {
  const bundle = body as { resourceType?: unknown; type?: unknown; entry?: unknown };
  if (typeof body !== 'object' || body === null || bundle.resourceType !== 'Bundle') {
    throw badRequest('POST to the server base takes a Bundle of type batch or transaction');
  }
  if (bundle.type !== 'batch' && bundle.type !== 'transaction') throw badRequest('Bundle.type must be batch or transaction');
  const rawEntries = bundle.entry ?? [];
  if (!Array.isArray(rawEntries)) throw badRequest('Bundle.entry must be an array');
  if (rawEntries.length > MAX_BUNDLE_ENTRIES) throw new FhirError(413, 'too-costly', `A Bundle may hold at most ${MAX_BUNDLE_ENTRIES} entries`);

  return bundle.type === 'batch' ? runBatch(rawEntries, engine, options) : runTransaction(rawEntries, engine, store, options);
}

function runBatch(rawEntries: unknown[], engine: Engine, options: InteractionOptions): InteractionResult {
  const results = rawEntries.map((raw, index) => {
    try {
      return engine.executeSync(parseEntry(raw, index, new Map()).interaction, options);
    } catch (error) {
      if (error instanceof FhirError) return { status: error.status, body: error.outcome } satisfies InteractionResult;
      throw error;
    }
  });
  return { status: 200, body: responseBundle('batch-response', results) };
}

function runTransaction(rawEntries: unknown[], engine: Engine, store: ResourceStore, options: InteractionOptions): InteractionResult {
  // Server ids for POSTed resources are chosen first, so references to their urn:uuid fullUrls can be
  // rewritten before anything is written.
  const assigned = new Map<string, string>();
  for (const raw of rawEntries) {
    const entry = raw as { fullUrl?: unknown; request?: { method?: unknown; url?: unknown }; resource?: { resourceType?: unknown } };
    if (entry?.request?.method === 'POST' && typeof entry.fullUrl === 'string' && typeof entry.resource?.resourceType === 'string') {
      if (assigned.has(entry.fullUrl)) throw badRequest('Two entries share one fullUrl');
      assigned.set(entry.fullUrl, `${entry.resource.resourceType}/${randomUUID()}`);
    }
  }
  const entries = rawEntries.map((raw, index) => parseEntry(raw, index, assigned));
  refuseDuplicateTargets(entries);
  const ordered = [...entries].sort(
    (a, b) => TRANSACTION_ORDER.indexOf(a.method) - TRANSACTION_ORDER.indexOf(b.method) || a.index - b.index,
  );
  const results = store.transaction(() => {
    const byIndex = new Array<InteractionResult>(entries.length);
    for (const entry of ordered) {
      try {
        byIndex[entry.index] = engine.executeSync(entry.interaction, options);
      } catch (error) {
        if (error instanceof FhirError) {
          const issues = error.issues.map((issue) => ({ ...issue, diagnostics: `Entry ${entry.index}: ${issue.diagnostics ?? issue.details?.text ?? ''}` }));
          throw new FhirError(error.status, 'processing', error.message, issues);
        }
        throw error;
      }
    }
    return byIndex;
  });
  return { status: 200, body: responseBundle('transaction-response', results) };
}

function parseEntry(raw: unknown, index: number, assigned: ReadonlyMap<string, string>): ParsedEntry {
  const entry = raw as {
    fullUrl?: unknown;
    resource?: unknown;
    request?: { method?: unknown; url?: unknown; ifMatch?: unknown; ifNoneExist?: unknown };
  };
  const method = entry?.request?.method;
  const url = entry?.request?.url;
  if (typeof method !== 'string' || !TRANSACTION_ORDER.includes(method) || typeof url !== 'string' || url === '') {
    throw badRequest(`Entry ${index}: request.method must be GET, POST, PUT or DELETE, and request.url a relative URL`);
  }
  const [path = '', search = ''] = url.split('?', 2);
  const segments = path.split('/').filter((s) => s !== '');
  if (segments.length === 0 || /^[a-z]+:/i.test(path)) throw badRequest(`Entry ${index}: request.url must be relative to the server base`);
  const resource = assigned.size > 0 && entry.resource !== undefined ? rewriteReferences(entry.resource, assigned) : entry.resource;
  let interaction = toInteraction(method, segments, [...new URLSearchParams(search)], resource, {
    ifMatch: typeof entry.request?.ifMatch === 'string' ? entry.request.ifMatch : undefined,
    ifNoneExist: typeof entry.request?.ifNoneExist === 'string' ? entry.request.ifNoneExist : undefined,
  });
  if (interaction.kind === 'batch') throw badRequest(`Entry ${index}: Bundles cannot be nested`);
  const fullUrl = typeof entry.fullUrl === 'string' ? entry.fullUrl : undefined;
  const target = fullUrl && assigned.get(fullUrl);
  if (interaction.kind === 'create' && target) interaction = { ...interaction, assignedId: target.split('/')[1] };
  return { index, fullUrl, method, interaction };
}

function refuseDuplicateTargets(entries: readonly ParsedEntry[]): void {
  const seen = new Set<string>();
  for (const { interaction } of entries) {
    if (interaction.kind !== 'update' && interaction.kind !== 'delete') continue;
    const key = `${interaction.type}/${interaction.id}`;
    if (seen.has(key)) throw badRequest(`A transaction may change ${interaction.type}/${interaction.id} only once`);
    seen.add(key);
  }
}

/** Replaces every `reference` that names a POSTed entry's fullUrl with the id the server gave it. */
function rewriteReferences(value: unknown, assigned: ReadonlyMap<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => rewriteReferences(v, assigned));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    out[key] = key === 'reference' && typeof child === 'string' && assigned.has(child) ? assigned.get(child) : rewriteReferences(child, assigned);
  }
  return out;
}

function responseBundle(type: 'batch-response' | 'transaction-response', results: readonly InteractionResult[]): JsonText {
  const entries = results.map((result) => {
    const response: Record<string, string> = { status: `${result.status} ${STATUS_CODES[result.status] ?? ''}`.trim() };
    if (result.location) response.location = result.location;
    if (result.versionId !== undefined) response.etag = `W/"${result.versionId}"`;
    if (result.lastModified !== undefined) response.lastModified = new Date(result.lastModified).toISOString();
    const body = result.body === undefined ? '' : result.body instanceof JsonText ? result.body.text : JSON.stringify(result.body);
    const key = result.status >= 400 ? 'outcome' : 'resource';
    const responseJson = JSON.stringify(response);
    if (result.status >= 400) return `{"response":${responseJson.slice(0, -1)},"${key}":${body}}}`;
    return body === '' ? `{"response":${responseJson}}` : `{"resource":${body},"response":${responseJson}}`;
  });
  return new JsonText(`{"resourceType":"Bundle","type":"${type}","entry":[${entries.join(',')}]}`);
}
