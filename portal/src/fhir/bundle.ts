import type { Bundle, FhirResource } from 'fhir/r4';

/** The resources of type `T` in a search Bundle (search matches only, not includes or outcomes). */
export function resourcesOf<T extends FhirResource>(bundle: Bundle, resourceType: T['resourceType']): T[] {
  return (bundle.entry ?? [])
    .map((entry) => entry.resource)
    .filter((resource): resource is T => resource?.resourceType === resourceType);
}
