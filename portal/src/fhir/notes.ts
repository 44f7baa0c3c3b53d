import type { Bundle, DocumentReference } from 'fhir/r4';
import type { Api } from './api.ts';
import { resourcesOf } from './bundle.ts';

/** The patient's clinical notes and documents, newest first. */
export async function loadNotes(api: Api): Promise<DocumentReference[]> {
  const bundle = await api.get<Bundle>(`DocumentReference?patient=${encodeURIComponent(api.patientId)}&_sort=-date&_count=200`);
  return resourcesOf<DocumentReference>(bundle, 'DocumentReference').filter((d) => d.status !== 'entered-in-error');
}

/** One note by id. */
export function loadNote(api: Api, id: string): Promise<DocumentReference> {
  return api.get<DocumentReference>(`DocumentReference/${encodeURIComponent(id)}`);
}
