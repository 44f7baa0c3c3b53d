import type { Bundle, Practitioner } from 'fhir/r4';
import { practitionerName } from '../logic/names.ts';
import type { Api } from './api.ts';
import { resourcesOf } from './bundle.ts';

/** The practice's care providers, by id → display name (used to name authors and appointment partners). */
export async function loadPractitioners(api: Api): Promise<Map<string, string>> {
  const bundle = await api.get<Bundle>('Practitioner?_count=200');
  return practitionerNames(resourcesOf<Practitioner>(bundle, 'Practitioner'));
}

/** Care providers by id → display name. */
export function practitionerNames(practitioners: readonly Practitioner[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const practitioner of practitioners) {
    if (practitioner.id) names.set(practitioner.id, practitionerName(practitioner));
  }
  return names;
}
