import { randomUUID } from 'node:crypto';
import type { AuditedInteraction, InteractionAudit } from '../../audit/interaction-audit.ts';
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
import type { Restriction } from '../access/access-policy.ts';
import { parseSearchRequest, type SearchFilter } from '../search/search-request.ts';
import { AccessGuard } from './access-guard.ts';
import { validateForWrite } from '../validate.ts';
import { executeBundle } from './bundle-processor.ts';
import { executeOperation } from '../operations/execute-operation.ts';
import { extractIndexRows } from './indexer.ts';
import type { ResourceStore, StoredVersion } from './resource-store.ts';

export interface LocalFhirDeps {
  readonly store: ResourceStore;
  readonly fhirBaseUrl: string;
  readonly now: () => Date;
}

/** Interactions that change nothing: audited without a transaction of their own. */
const READ_KINDS: ReadonlySet<string> = new Set(['read', 'vread', 'history-instance', 'search-type']);

/**
 * The embedded FHIR server: each interaction validated, versioned and indexed on the SQLite
 * {@link ResourceStore}. `executeSync` is the synchronous core that transaction Bundles run inside
 * one database transaction.
 */
export class LocalFhir implements FhirBackend {
  private readonly guard: AccessGuard;

  constructor(private readonly deps: LocalFhirDeps) {
    this.guard = new AccessGuard(deps.store);
  }

  async execute(interaction: Interaction, options: InteractionOptions): Promise<InteractionResult> {
    return this.executeSync(interaction, options);
  }

  /**
   * Runs one interaction; with `options.audit`, records it too — a write's row in the write's own
   * transaction (no change without its row), a read's before its result is returned, a refusal or
   * failure after the rollback. A Bundle's entries are recorded one by one (see bundle-processor).
   */
  executeSync(interaction: Interaction, options: InteractionOptions): InteractionResult {
    const audit = options.audit;
    if (!audit || interaction.kind === 'batch') return this.run(interaction, options);
    try {
      if (READ_KINDS.has(interaction.kind)) {
        const result = this.run(interaction, options);
        audit.record(this.audited(interaction, result.status, result, audit));
        return result;
      }
      return this.deps.store.transaction(() => {
        const result = this.run(interaction, options);
        audit.record(this.audited(interaction, result.status, result, audit));
        return result;
      });
    } catch (error) {
      if (error instanceof FhirError) audit.record(this.audited(interaction, error.status, undefined, audit));
      throw error;
    }
  }

  /** The audit trail's view of an interaction: type, id (a create's from its Location), patient when cheap. */
  private audited(interaction: Interaction, status: number, result: InteractionResult | undefined, audit: InteractionAudit): AuditedInteraction {
    const type = 'type' in interaction ? interaction.type : undefined;
    const id = 'id' in interaction && typeof interaction.id === 'string' ? interaction.id : result?.location?.split('/').at(-3);
    const patientId = audit.wantsPatient && type && id && status < 400 ? this.deps.store.compartmentPatient(type, id) : undefined;
    const operation = 'operation' in interaction && typeof interaction.operation === 'string' ? interaction.operation : undefined;
    return { kind: interaction.kind, resourceType: type, resourceId: id, status, patientId, operation };
  }

  private run(interaction: Interaction, options: InteractionOptions): InteractionResult {
    switch (interaction.kind) {
      case 'read':
        return this.read(interaction.type, interaction.id, options);
      case 'vread':
        return this.vread(interaction.type, interaction.id, interaction.versionId, options);
      case 'history-instance':
        return this.history(interaction.type, interaction.id, options);
      case 'search-type':
        return this.search(interaction.type, interaction.query, options);
      case 'create':
        return this.create(interaction.type, interaction.body, interaction.ifNoneExist, interaction.assignedId, options);
      case 'update':
        return this.update(interaction.type, interaction.id, interaction.body, interaction.ifMatch, options);
      case 'delete':
        return this.delete(interaction.type, interaction.id, options);
      case 'batch':
        return executeBundle(interaction.body, this, this.deps.store, options);
      case 'operation':
        return executeOperation(interaction, options, { store: this.deps.store, engine: this, fhirBaseUrl: this.deps.fhirBaseUrl, now: this.deps.now });
    }
  }

  private read(type: ServedResourceType, id: string, options: InteractionOptions): InteractionResult {
    const restriction = options.access.restrict(type, 'r');
    const current = this.deps.store.current(type, id);
    if (!current) throw notFound(`${type}/${id} is not known`);
    if (current.deleted) {
      // A restricted token must not learn that someone else's resource once existed.
      if (restriction.filters.length > 0) throw notFound(`${type}/${id} is not known`);
      throw new FhirError(410, 'deleted', `${type}/${id} was deleted`);
    }
    this.guard.requireVisible(type, id, restriction);
    return this.found(current);
  }

  private vread(type: ServedResourceType, id: string, versionId: number, options: InteractionOptions): InteractionResult {
    this.guard.requireVisible(type, id, options.access.restrict(type, 'r'));
    const version = this.deps.store.version(type, id, versionId);
    if (!version) throw notFound(`${type}/${id} has no version ${versionId}`);
    if (version.deleted) throw new FhirError(410, 'deleted', `Version ${versionId} of ${type}/${id} is a deletion`);
    return this.found(version);
  }

  private history(type: ServedResourceType, id: string, options: InteractionOptions): InteractionResult {
    this.guard.requireVisible(type, id, options.access.restrict(type, 'r'));
    const versions = this.deps.store.history(type, id);
    if (versions.length === 0) throw notFound(`${type}/${id} is not known`);
    return { status: 200, body: historyBundle(this.deps.fhirBaseUrl, versions) };
  }

  private search(type: ServedResourceType, query: readonly (readonly [string, string])[], options: InteractionOptions): InteractionResult {
    const asked = parseSearchRequest(type, query, options.strict);
    const restriction = options.access.restrict(type, 's');
    this.guard.refuseForeignPatientSearch(asked, restriction);
    const page = this.deps.store.search({ ...asked, filters: [...asked.filters, ...restriction.filters] });
    const included = this.guard.visibleIncluded(page.included, options.access);
    return { status: 200, body: searchsetBundle(this.deps.fhirBaseUrl, asked, { ...page, included }) };
  }

  private create(
    type: ServedResourceType,
    body: unknown,
    ifNoneExist: string | undefined,
    assignedId: string | undefined,
    options: InteractionOptions,
  ): InteractionResult {
    const restriction = options.access.restrict(type, 'c');
    const resource = validateForWrite(type, body);
    return this.deps.store.transaction(() => {
      if (ifNoneExist !== undefined) {
        const existing = this.matchCondition(type, ifNoneExist, restriction.filters);
        if (existing) return this.found(existing);
      }
      const written = this.writeVersion(type, assignedId ?? randomUUID(), resource, undefined);
      this.requireWritable(type, written.id, restriction);
      return this.written(written, 201, options);
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
    const restriction = options.access.restrict(type, 'u');
    return this.deps.store.transaction(() => {
      const current = this.deps.store.current(type, id);
      if (current && !current.deleted) this.guard.requireVisible(type, id, restriction);
      if (expected !== undefined && (current === undefined || current.deleted || current.versionId !== expected)) {
        throw new FhirError(412, 'conflict', `If-Match names version ${expected}, which is not the current version`);
      }
      const created = current === undefined || current.deleted;
      const written = this.writeVersion(type, id, resource, current);
      this.requireWritable(type, id, restriction);
      return this.written(written, created ? 201 : 200, options);
    });
  }

  private delete(type: ServedResourceType, id: string, options: InteractionOptions): InteractionResult {
    const restriction = options.access.restrict(type, 'd');
    return this.deps.store.transaction(() => {
      const current = this.deps.store.current(type, id);
      if (!current) throw notFound(`${type}/${id} is not known`);
      if (current.deleted) return { status: 204 };
      this.guard.requireVisible(type, id, restriction);
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
  conditionalMatch(type: ServedResourceType, condition: string, options: InteractionOptions): string | undefined {
    return this.matchCondition(type, condition, options.access.restrict(type, 'c').filters)?.id;
  }

  /**
   * The written resource must lie where the token may write: a patient/ token writes only into its
   * patient's compartment, a granular scope only what matches it. Otherwise the write is undone
   * (it runs inside a transaction) and refused.
   */
  private requireWritable(type: ServedResourceType, id: string, restriction: Restriction): void {
    if (!this.guard.matches(type, id, restriction.filters)) {
      throw new FhirError(403, 'forbidden', `The access token's scopes do not allow writing this ${type}`);
    }
  }

  /**
   * Resolves an `If-None-Exist` search, within what the caller may see: none → undefined, one → it,
   * several → 412.
   */
  private matchCondition(type: ServedResourceType, condition: string, restriction: readonly SearchFilter[]): StoredVersion | undefined {
    const query = [...new URLSearchParams(condition)];
    const parsed = parseSearchRequest(type, query, true);
    if (parsed.filters.length === 0) throw badRequest('If-None-Exist needs at least one search parameter');
    const request = { ...parsed, filters: [...parsed.filters, ...restriction], count: 2, total: 'none' as const };
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
