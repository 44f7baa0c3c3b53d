import type { AccessPolicy, Restriction } from '../access/access-policy.ts';
import { FhirError, notFound } from '../errors.ts';
import { indexedParams, isServedType, type ServedResourceType } from '../search-parameters.ts';
import type { SearchFilter, SearchRequest } from '../search/search-request.ts';
import type { ResourceStore, StoredVersion } from './resource-store.ts';

/**
 * Applies an access restriction to stored resources with the store's own search, so that what a
 * token may read by id is exactly what it may find by search.
 */
export class AccessGuard {
  constructor(private readonly store: ResourceStore) {}

  /** Whether `type/id` exists, is live, and matches every filter. */
  matches(type: ServedResourceType, id: string, filters: readonly SearchFilter[]): boolean {
    if (filters.length === 0) return true;
    const request: SearchRequest = {
      resourceType: type,
      filters: [{ kind: 'id', values: [id] }, ...filters],
      sort: [],
      count: 1,
      offset: 0,
      summaryCount: false,
      total: 'none',
      includes: [],
      revincludes: [],
      used: [],
    };
    return this.store.search(request).matches.length === 1;
  }

  /**
   * An existing resource the restriction hides: outside the patient's compartment it is 404, exactly
   * like a missing one (another patient's data must not be confirmed to exist); inside it but outside
   * the granular scopes it is 403.
   */
  requireVisible(type: ServedResourceType, id: string, restriction: Restriction): void {
    // One query when the resource is visible (the usual case); a second only to tell 404 from 403.
    if (restriction.filters.length === 0 || this.matches(type, id, restriction.filters)) return;
    const compartment = restriction.filters.filter((f) => f.kind === 'compartment');
    if (!this.matches(type, id, compartment)) throw notFound(`${type}/${id} is not known`);
    throw new FhirError(403, 'forbidden', `The access token's scopes do not cover ${type}/${id}`);
  }

  /**
   * A search that names another patient in a compartment parameter (or, for Patient, another id) is
   * refused outright, whether or not that patient exists — not answered with an empty page that
   * would differ from a real one.
   */
  refuseForeignPatientSearch(request: SearchRequest, restriction: Restriction): void {
    const patientId = restriction.patientId;
    if (patientId === undefined) return;
    const params = indexedParams(request.resourceType);
    for (const filter of request.filters) {
      // A reference value names a patient when it says Patient, or when a bare id could be one.
      const foreign =
        (filter.kind === 'reference' &&
          filter.values.some((v) => v.id !== patientId && (v.type === 'Patient' || (v.type === undefined && (params.get(filter.param)?.targets.includes('Patient') ?? false))))) ||
        (filter.kind === 'id' && request.resourceType === 'Patient' && filter.values.some((id) => id !== patientId));
      if (foreign) throw new FhirError(403, 'forbidden', "The access token's patient/ scopes do not reach other patients");
    }
  }

  /** The `_include`/`_revinclude` resources the policy lets the caller read; the others are left out. */
  visibleIncluded(included: readonly StoredVersion[], access: AccessPolicy): StoredVersion[] {
    return included.filter((version) => {
      if (!isServedType(version.resourceType)) return false;
      let restriction: Restriction;
      try {
        restriction = access.restrict(version.resourceType, 'r');
      } catch {
        return false;
      }
      return this.matches(version.resourceType, version.id, restriction.filters);
    });
  }
}
