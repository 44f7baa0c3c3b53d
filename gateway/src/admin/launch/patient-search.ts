import type { Encounter, HumanName, Patient } from 'fhir/r4';
import { DEFAULT_OPTIONS, JsonText, type FhirBackend, type InteractionResult } from '../../fhir/interaction.ts';
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

export interface PatientRow {
  readonly id: string;
  readonly name: string;
  readonly birthDate: string | undefined;
  /** The patient's most recent encounters, newest first (for an optional encounter context). */
  readonly encounters: readonly EncounterChoice[];
}

const PAGE = 25;

/**
 * Patients of the practice by name (prefix of any name part) and/or birth date, with their latest
 * encounters: read from the embedded FHIR store with the gateway's own authority, for the
 * practitioner's launch view. No criteria: the first page by family name.
 */
export async function searchPatients(fhir: FhirBackend, search: PatientSearch): Promise<PatientRow[]> {
  const params: [string, string][] = [['_count', String(PAGE)], ['_sort', 'family']];
  if (search.name !== '') params.push(['name', search.name]);
  if (search.birthDate !== '') {
    if (!/^\d{4}(-\d{2}(-\d{2})?)?$/.test(search.birthDate)) throw new ValidationError('birthdate', 'use the form YYYY-MM-DD');
    params.push(['birthdate', search.birthDate]);
  }
  const patients = entries<Patient>(await fhir.execute({ kind: 'search-type', type: 'Patient', query: params }, DEFAULT_OPTIONS));
  return Promise.all(
    patients.map(async (p) => ({ id: p.id!, name: nameOf(p.name) ?? p.id!, birthDate: p.birthDate, encounters: await recentEncounters(fhir, p.id!) })),
  );
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

function nameOf(names: HumanName[] | undefined): string | null {
  const name = names?.find((n) => n.use === 'official') ?? names?.[0];
  if (!name) return null;
  return name.text ?? [...(name.prefix ?? []), ...(name.given ?? []), name.family].filter(Boolean).join(' ');
}
