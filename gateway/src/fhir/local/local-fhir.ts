import { randomUUID } from 'node:crypto';
import type { OperationOutcome, Resource } from 'fhir/r4';
import { badRequest, FhirError, notFound } from '../errors.ts';
import {
  JsonText,
  type FhirBackend,
  type Interaction,
  type InteractionOptions,
  type InteractionResult,
} from '../interaction.ts';
import type { ServedResourceType } from '../search-parameters.ts';
import { historyBundle, searchsetBundle } from '../bundles.ts';
import { parseSearchRequest } from '../search/search-request.ts';
import { validateForWrite } from '../validate.ts';
import { executeBundle } from './bundle-processor.ts';
import { extractIndexRows } from './indexer.ts';
import type { ResourceStore, StoredVersion } from './resource-store.ts';

export interface LocalFhirDeps {
  readonly store: ResourceStore;
  readonly fhirBaseUrl: string;
  readonly now: () => Date;
}

/**
 * The embedded FHIR server: each interaction validated, versioned and indexed on the SQLite
 * {@link ResourceStore}. `executeSync` is the synchronous core that transaction Bundles run inside
 * one database transaction.
 */
export class LocalFhir implements FhirBackend {
  constructor(private readonly deps: LocalFhirDeps) {}

  async execute(interaction: Interaction, options: InteractionOptions): Promise<InteractionResult> {
    return this.executeSync(interaction, options);
  }

  executeSync(interaction: Interaction, options: InteractionOptions): InteractionResult {
    switch (interaction.kind) {
      case 'read':
        return this.read(interaction.type, interaction.id);
      case 'vread':
        return this.vread(interaction.type, interaction.id, interaction.versionId);
      case 'history-instance':
        return this.history(interaction.type, interaction.id);
      case 'search-type':
        return this.search(interaction.type, interaction.query, options);
      case 'create':
        return this.create(interaction.type, interaction.body, interaction.ifNoneExist, interaction.assignedId, options);
      case 'update':
        return this.update(interaction.type, interaction.id, interaction.body, interaction.ifMatch, options);
      case 'delete':
        return this.delete(interaction.type, interaction.id);
      case 'batch':
        return executeBundle(interaction.body, this, this.deps.store, options);
    }
  }

  private read(type: ServedResourceType, id: string): InteractionResult {
    const current = this.deps.store.current(type, id);
    if (!current) throw notFound(`${type}/${id} is not known`);
    if (current.deleted) throw new FhirError(410, 'deleted', `${type}/${id} was deleted`);
    return this.found(current);
  }

  private vread(type: ServedResourceType, id: string, versionId: number): InteractionResult {
    const version = this.deps.store.version(type, id, versionId);
    if (!version) throw notFound(`${type}/${id} has no version ${versionId}`);
    if (version.deleted) throw new FhirError(410, 'deleted', `Version ${versionId} of ${type}/${id} is a deletion`);
    return this.found(version);
  }

  private history(type: ServedResourceType, id: string): InteractionResult {
    const versions = this.deps.store.history(type, id);
    if (versions.length === 0) throw notFound(`${type}/${id} is not known`);
    return { status: 200, body: historyBundle(this.deps.fhirBaseUrl, versions) };
  }

  private search(type: ServedResourceType, query: readonly (readonly [string, string])[], options: InteractionOptions): InteractionResult {
    const request = parseSearchRequest(type, query, options.strict);
    const page = this.deps.store.search(request);
    return { status: 200, body: searchsetBundle(this.deps.fhirBaseUrl, request, page) };
  }

  private create(
    type: ServedResourceType,
    body: unknown,
    ifNoneExist: string | undefined,
    assignedId: string | undefined,
    options: InteractionOptions,
  ): InteractionResult {
    const resource = validateForWrite(type, body);
    return this.deps.store.transaction(() => {
      if (ifNoneExist !== undefined) {
        const existing = this.matchCondition(type, ifNoneExist);
        if (existing) return this.found(existing);
      }
      return this.written(this.writeVersion(type, assignedId ?? randomUUID(), resource, undefined), 201, options);
    });
  }

  private update(
    type: ServedResourceType,
    id: string,
    body: unknown,
    ifMatch: string | undefined,
    options: InteractionOptions,
  ): InteractionResult {
    const resource = validateForWrite(type, body);
    if (resource.id === undefined) throw badRequest('The body must carry the id of the resource it updates');
    if (resource.id !== id) throw badRequest("The body's id differs from the id in the URL");
    const expected = ifMatch === undefined ? undefined : parseETag(ifMatch);
    return this.deps.store.transaction(() => {
      const current = this.deps.store.current(type, id);
      if (expected !== undefined && (current === undefined || current.deleted || current.versionId !== expected)) {
        throw new FhirError(412, 'conflict', `If-Match names version ${expected}, which is not the current version`);
      }
      const created = current === undefined || current.deleted;
      return this.written(this.writeVersion(type, id, resource, current), created ? 201 : 200, options);
    });
  }

  private delete(type: ServedResourceType, id: string): InteractionResult {
    return this.deps.store.transaction(() => {
      const current = this.deps.store.current(type, id);
      if (!current) throw notFound(`${type}/${id} is not known`);
      if (current.deleted) return { status: 204 };
      const referrers = this.deps.store.countReferencesTo(type, id);
      if (referrers > 0) {
        throw new FhirError(409, 'conflict', `${type}/${id} is referenced by ${referrers} other resource(s); delete or update those first`);
      }
      const versionId = current.versionId + 1;
      const lastUpdated = this.deps.now().getTime();
      this.deps.store.write(type, id, { versionId, lastUpdated, content: null }, { tokens: [], strings: [], dates: [], references: [] });
      return { status: 204, versionId, lastModified: lastUpdated };
    });
  }

  /** The id of the resource a transaction's conditional create stands for (see bundle-processor). */
  conditionalMatch(type: ServedResourceType, condition: string): string | undefined {
    return this.matchCondition(type, condition)?.id;
  }

  /** Resolves an `If-None-Exist` search: none → undefined, one → it, several → 412. */
  private matchCondition(type: ServedResourceType, condition: string): StoredVersion | undefined {
    const query = [...new URLSearchParams(condition)];
    const request = { ...parseSearchRequest(type, query, true), count: 2, total: 'none' as const };
    if (request.filters.length === 0) throw badRequest('If-None-Exist needs at least one search parameter');
    const { matches } = this.deps.store.search(request);
    if (matches.length > 1) throw new FhirError(412, 'multiple-matches', 'If-None-Exist matches more than one resource');
    return matches[0];
  }

  private writeVersion(type: ServedResourceType, id: string, resource: Resource, current: StoredVersion | undefined): StoredVersion {
    const versionId = (current?.versionId ?? 0) + 1;
    const lastUpdated = this.deps.now().getTime();
    const stamped = stampVersion(resource, id, versionId, lastUpdated);
    const content = JSON.stringify(stamped);
    this.deps.store.write(type, id, { versionId, lastUpdated, content }, extractIndexRows(type, stamped, this.deps.fhirBaseUrl));
    return { resourceType: type, id, versionId, lastUpdated, deleted: false, content };
  }

  private found(version: StoredVersion): InteractionResult {
    return {
      status: 200,
      body: new JsonText(version.content!),
      location: `${this.deps.fhirBaseUrl}/${version.resourceType}/${version.id}/_history/${version.versionId}`,
      versionId: version.versionId,
      lastModified: version.lastUpdated,
    };
  }

  private written(version: StoredVersion, status: number, options: InteractionOptions): InteractionResult {
    const base = this.found(version);
    if (options.returnPreference === 'minimal') return { ...base, status, body: undefined };
    if (options.returnPreference === 'OperationOutcome') {
      const outcome: OperationOutcome = {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'information', code: 'informational', diagnostics: status === 201 ? 'Created' : 'Updated' }],
      };
      return { ...base, status, body: outcome };
    }
    return { ...base, status };
  }
}

/** The resource as stored: server id and `meta.versionId`/`meta.lastUpdated` set, other meta kept. */
export function stampVersion(resource: Resource, id: string, versionId: number, lastUpdated: number): Resource {
  // resourceType and id lead the JSON, as people expect to read it.
  const { resourceType, id: _ignored, meta, ...rest } = resource;
  return {
    resourceType,
    id,
    meta: { ...meta, versionId: String(versionId), lastUpdated: new Date(lastUpdated).toISOString() },
    ...rest,
  } as Resource;
}

/** `W/"3"`, `"3"` or `3` → 3. */
export function parseETag(value: string): number {
  const match = /^(?:W\/)?"?(\d{1,10})"?$/.exec(value.trim());
  if (!match) throw badRequest('If-Match must be an ETag such as W/"3"');
  return Number(match[1]);
}
