import type { HumanName, Patient, Practitioner } from 'fhir/r4';
import { DEFAULT_OPTIONS, JsonText, type FhirBackend, type InteractionResult } from '../../fhir/interaction.ts';
import { FhirError } from '../../fhir/errors.ts';
import type { PatientChoice } from '../../ui/patient-picker-page.tsx';

const LINKABLE = ['Patient', 'Practitioner', 'Encounter'] as const;
type LinkableType = (typeof LINKABLE)[number];

/**
 * What the sign-in pages look up in the FHIR store with the gateway's own authority (not a user's
 * token): patients for a clinician's picker, and display names.
 */
export function fhirDirectory(fhir: FhirBackend) {
  const body = (result: InteractionResult) => JSON.parse(result.body instanceof JsonText ? result.body.text : JSON.stringify(result.body));
  const read = async <T>(type: LinkableType, id: string): Promise<T | undefined> => {
    try {
      return body(await fhir.execute({ kind: 'read', type, id }, DEFAULT_OPTIONS)) as T;
    } catch (error) {
      if (error instanceof FhirError) return undefined;
      throw error;
    }
  };
  return {
    /** Up to 25 patients by family name whose name parts start with `query` (all, when empty), optionally born on `birthDate`. */
    async searchPatients(query: string, birthDate = ''): Promise<PatientChoice[]> {
      const params: [string, string][] = [['_count', '25'], ['_sort', 'family']];
      if (query.trim() !== '') params.push(['name', query.trim()]);
      if (birthDate !== '') params.push(['birthdate', birthDate]);
      const bundle = body(await fhir.execute({ kind: 'search-type', type: 'Patient', query: params }, DEFAULT_OPTIONS)) as { entry?: { resource: Patient }[] };
      return (bundle.entry ?? []).map(({ resource }) => ({ id: resource.id!, name: nameOf(resource.name) ?? resource.id!, birthDate: resource.birthDate }));
    },
    async patientExists(id: string): Promise<boolean> {
      return (await read<Patient>('Patient', id)) !== undefined;
    },
    /**
     * Whether `Type/id` names a live Patient, Practitioner or Encounter (what users are linked to
     * and launches point at). A missing one is false, not the store's not-found error.
     */
    async exists(reference: string): Promise<boolean> {
      const [type = '', id = ''] = reference.split('/');
      return (LINKABLE as readonly string[]).includes(type) && (await read(type as LinkableType, id)) !== undefined;
    },
    /** The names of many patients in one search per 500 ids (a console page of grants); unknown or unnamed ones are absent. */
    async patientNames(ids: readonly string[]): Promise<Map<string, string>> {
      const names = new Map<string, string>();
      const unique = [...new Set(ids)];
      for (let start = 0; start < unique.length; start += 500) {
        const chunk = unique.slice(start, start + 500);
        const query: [string, string][] = [['_id', chunk.join(',')], ['_count', String(chunk.length)]];
        const bundle = body(await fhir.execute({ kind: 'search-type', type: 'Patient', query }, DEFAULT_OPTIONS)) as { entry?: { resource: Patient }[] };
        for (const { resource } of bundle.entry ?? []) {
          const name = nameOf(resource.name);
          if (name !== null) names.set(resource.id!, name);
        }
      }
      return names;
    },
    async displayName(reference: string): Promise<string | null> {
      const [type, id = ''] = reference.split('/');
      if (type !== 'Patient' && type !== 'Practitioner') return null;
      const resource = await read<Patient | Practitioner>(type, id);
      return resource ? nameOf(resource.name) : null;
    },
  };
}

function nameOf(names: HumanName[] | undefined): string | null {
  const name = names?.find((n) => n.use === 'official') ?? names?.[0];
  if (!name) return null;
  return name.text ?? [...(name.prefix ?? []), ...(name.given ?? []), name.family].filter(Boolean).join(' ');
}
