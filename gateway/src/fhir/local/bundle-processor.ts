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
import { isServedType, type ServedResourceType } from '../search-parameters.ts';
import { entryArray } from '../bundles.ts';
import type { ResourceStore } from './resource-store.ts';

interface Engine {
  executeSync(interaction: Interaction, options: InteractionOptions): InteractionResult;
  /** The id of the one resource an `If-None-Exist` condition matches; 412 when several do. */
  conditionalMatch(type: ServedResourceType, condition: string, options: InteractionOptions): string | undefined;
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
  const results = store.transaction(() => {
    const byIndex = new Array<InteractionResult>(rawEntries.length);
    const run = (entry: ParsedEntry) => {
      try {
        byIndex[entry.index] = engine.executeSync(entry.interaction, options);
      } catch (error) {
        throw entryFailure(entry.index, error);
      }
    };
    const entries = rawEntries.map((raw, index) => parseEntry(raw, index, new Map()));
    refuseDuplicateTargets(entries);
    // Deletes come first (TRANSACTION_ORDER); ids for POSTed resources are chosen after them, so a
    // conditional create cannot stand for a resource this transaction deletes.
    for (const entry of entries) if (entry.method === 'DELETE') run(entry);
    const { assigned, matched } = assignIds(rawEntries, engine, options);
    const rest = entries.filter((e) => e.method !== 'DELETE').map((e) => parseEntry(rawEntries[e.index], e.index, assigned, matched));
    rest.sort((a, b) => TRANSACTION_ORDER.indexOf(a.method) - TRANSACTION_ORDER.indexOf(b.method) || a.index - b.index);
    rest.forEach(run);
    return byIndex;
  });
  return { status: 200, body: responseBundle('transaction-response', results) };
}

/**
 * Server ids for POSTed resources are chosen before any POST, PUT or GET runs, so references to
 * their fullUrls can be rewritten before anything refers to them. A conditional create whose
 * `ifNoneExist` already matches stands for that resource: references to its fullUrl must name the
 * match, not a new id that is never written (http://hl7.org/fhir/R4/http.html#trules).
 */
function assignIds(rawEntries: unknown[], engine: Engine, options: InteractionOptions): { assigned: Map<string, string>; matched: Set<string> } {
  const assigned = new Map<string, string>();
  const matched = new Set<string>();
  rawEntries.forEach((raw, index) => {
    const entry = raw as { fullUrl?: unknown; request?: { method?: unknown; ifNoneExist?: unknown }; resource?: { resourceType?: unknown } };
    if (entry?.request?.method !== 'POST' || typeof entry.fullUrl !== 'string' || typeof entry.resource?.resourceType !== 'string') return;
    if (assigned.has(entry.fullUrl)) throw badRequest('Two entries share one fullUrl');
    const type = entry.resource.resourceType;
    const condition = entry.request.ifNoneExist;
    let existing: string | undefined;
    if (typeof condition === 'string' && isServedType(type)) {
      try {
        existing = engine.conditionalMatch(type, condition, options);
      } catch (error) {
        throw entryFailure(index, error);
      }
    }
    if (existing !== undefined) matched.add(entry.fullUrl);
    assigned.set(entry.fullUrl, `${type}/${existing ?? randomUUID()}`);
  });
  return { assigned, matched };
}

/** A failed entry fails the whole transaction; its issues say which entry it was. */
function entryFailure(index: number, error: unknown): unknown {
  if (!(error instanceof FhirError)) return error;
  const issues = error.issues.map((issue) => ({ ...issue, diagnostics: `Entry ${index}: ${issue.diagnostics ?? issue.details?.text ?? ''}` }));
  return new FhirError(error.status, 'processing', error.message, issues);
}

function parseEntry(
  raw: unknown,
  index: number,
  assigned: ReadonlyMap<string, string>,
  matched: ReadonlySet<string> = new Set(),
): ParsedEntry {
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
  const resource = assigned.size > 0 && entry.resource !== undefined ? rewrittenResource(entry.resource, assigned, index) : entry.resource;
  let interaction = toInteraction(method, segments, [...new URLSearchParams(search)], resource, {
    ifMatch: typeof entry.request?.ifMatch === 'string' ? entry.request.ifMatch : undefined,
    ifNoneExist: typeof entry.request?.ifNoneExist === 'string' ? entry.request.ifNoneExist : undefined,
  });
  if (interaction.kind === 'batch') throw badRequest(`Entry ${index}: Bundles cannot be nested`);
  const fullUrl = typeof entry.fullUrl === 'string' ? entry.fullUrl : undefined;
  const target = fullUrl && assigned.get(fullUrl);
  // A create whose condition matched gets no id of its own: it answers with the match.
  if (interaction.kind === 'create' && target && !matched.has(fullUrl)) interaction = { ...interaction, assignedId: target.split('/')[1] };
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

function rewrittenResource(resource: unknown, assigned: ReadonlyMap<string, string>, index: number): unknown {
  try {
    return rewriteReferences(resource, assigned);
  } catch (error) {
    // Nested deeper than the stack: bad input, as when the validator meets it, not a crash.
    if (error instanceof RangeError) throw badRequest(`Entry ${index}: the resource is nested too deeply`);
    throw error;
  }
}

/** Replaces every `reference` that names a POSTed entry's fullUrl with the id the server gave it. */
function rewriteReferences(value: unknown, assigned: ReadonlyMap<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => rewriteReferences(v, assigned));
  if (typeof value !== 'object' || value === null) return value;
  // fromEntries defines keys, so a `__proto__` key stays a key (and fails validation) instead of
  // replacing the copy's prototype and vanishing from the resource.
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) => [
      key,
      key === 'reference' && typeof child === 'string' && assigned.has(child) ? assigned.get(child) : rewriteReferences(child, assigned),
    ]),
  );
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
  return new JsonText(`{"resourceType":"Bundle","type":"${type}"${entryArray(entries)}}`);
}
