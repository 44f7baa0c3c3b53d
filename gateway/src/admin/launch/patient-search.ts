import type { Encounter } from 'fhir/r4';
import { DEFAULT_OPTIONS, JsonText, type FhirBackend, type InteractionResult } from '../../fhir/interaction.ts';
import { fhirDirectory } from '../../oauth/authorize/fhir-directory.ts';
import type { PatientChoice } from '../../ui/patient-picker-page.tsx';
import { ValidationError } from '../../validation-error.ts';

export interface PatientSearch {
  readonly name: string;
  /** YYYY-MM-DD, or empty. */
  readonly birthDate: string;
}

export interface EncounterChoice {
  readonly id: string;
  readonly label: string;
}

export interface PatientRow extends PatientChoice {
  /** The patient's most recent encounters, newest first (for an optional encounter context). */
  readonly encounters: readonly EncounterChoice[];
}

/**
 * Patients of the practice by name (prefix of any name part) and/or birth date, with their latest
 * encounters: read from the embedded FHIR store with the gateway's own authority, for the
 * practitioner's launch view. No criteria: the first page by family name.
 */
export async function searchPatients(fhir: FhirBackend, search: PatientSearch): Promise<PatientRow[]> {
  if (search.birthDate !== '' && !/^\d{4}(-\d{2}(-\d{2})?)?$/.test(search.birthDate)) throw new ValidationError('birthdate', 'use the form YYYY-MM-DD');
  const patients = await fhirDirectory(fhir).searchPatients(search.name, search.birthDate);
  return Promise.all(patients.map(async (p) => ({ ...p, encounters: await recentEncounters(fhir, p.id) })));
}

async function recentEncounters(fhir: FhirBackend, patientId: string): Promise<EncounterChoice[]> {
  const query: [string, string][] = [['patient', `Patient/${patientId}`], ['_sort', '-date'], ['_count', '5']];
  const encounters = entries<Encounter>(await fhir.execute({ kind: 'search-type', type: 'Encounter', query }, DEFAULT_OPTIONS));
  return encounters.map((e) => ({
    id: e.id!,
    label: [e.period?.start?.slice(0, 10), e.type?.[0]?.text ?? e.type?.[0]?.coding?.[0]?.display ?? e.class?.display ?? e.class?.code, e.status].filter(Boolean).join(' · '),
  }));
}

function entries<T>(result: InteractionResult): T[] {
  const bundle = JSON.parse(result.body instanceof JsonText ? result.body.text : JSON.stringify(result.body)) as { entry?: { resource: T; search?: { mode?: string } }[] };
  return (bundle.entry ?? []).filter((e) => e.search?.mode !== 'include').map((e) => e.resource);
}
