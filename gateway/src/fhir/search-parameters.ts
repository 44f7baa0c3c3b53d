import { getSearchParameter, getSearchParameterDetails, type FhirPathAtom } from '@medplum/core';
import { compartmentParams } from './access/patient-compartment.ts';
import { loadFhirDefinitions } from './definitions.ts';

/**
 * The one table of what the embedded store serves: each resource type and the search parameters it
 * indexes at write time (plus, for each type, the HL7 patient-compartment parameters). The CapabilityStatement, the indexer and the search parser all read it, so
 * what `/fhir/metadata` advertises is exactly what works. Parameter semantics (type, FHIRPath
 * expression, reference targets) come from the HL7 SearchParameter definitions, not from here.
 */
export const SERVED_RESOURCES = {
  Patient: ['identifier', 'name', 'family', 'given', 'birthdate', 'gender'],
  Practitioner: ['identifier', 'name', 'family', 'given'],
  Organization: ['identifier', 'name'],
  Location: ['identifier', 'name'],
  Schedule: ['identifier', 'actor'],
  Slot: ['identifier', 'schedule', 'start', 'status'],
  Appointment: ['identifier', 'patient', 'actor', 'practitioner', 'date', 'status', 'slot'],
  Encounter: ['identifier', 'patient', 'subject', 'date', 'status'],
  Observation: ['identifier', 'patient', 'subject', 'category', 'code', 'date', 'status'],
  Condition: ['identifier', 'patient', 'subject', 'category', 'code', 'clinical-status'],
  AllergyIntolerance: ['identifier', 'patient', 'clinical-status'],
  MedicationRequest: ['identifier', 'patient', 'subject', 'status'],
  Immunization: ['identifier', 'patient', 'date', 'status'],
  DocumentReference: ['identifier', 'patient', 'subject', 'type', 'category', 'date', 'status'],
} as const satisfies Record<string, readonly string[]>;

export type ServedResourceType = keyof typeof SERVED_RESOURCES;

/** The search parameter types the store can index. */
export type IndexedParamType = 'token' | 'string' | 'date' | 'reference';

export interface IndexedParam {
  readonly code: string;
  readonly type: IndexedParamType;
  /** Canonical URL of the HL7 definition, for the CapabilityStatement. */
  readonly definition: string;
  readonly documentation: string;
  readonly expression: FhirPathAtom;
  /** For references: the resource types the parameter may point at. */
  readonly targets: readonly string[];
}

/** `_id` and `_lastUpdated` are answered from the resource row itself, not from an index table. */
export const COMMON_PARAMS = [
  { code: '_id', type: 'token', definition: 'http://hl7.org/fhir/SearchParameter/Resource-id' },
  { code: '_lastUpdated', type: 'date', definition: 'http://hl7.org/fhir/SearchParameter/Resource-lastUpdated' },
] as const;

let resolved: ReadonlyMap<string, ReadonlyMap<string, IndexedParam>> | undefined;

export function isServedType(type: string): type is ServedResourceType {
  return Object.hasOwn(SERVED_RESOURCES, type);
}

/** The indexed parameters of a served type, by code. */
export function indexedParams(type: ServedResourceType): ReadonlyMap<string, IndexedParam> {
  resolved ??= resolveAll();
  return resolved.get(type)!;
}

function resolveAll(): Map<string, Map<string, IndexedParam>> {
  loadFhirDefinitions();
  const all = new Map<string, Map<string, IndexedParam>>();
  for (const [type, codes] of Object.entries(SERVED_RESOURCES)) {
    const params = new Map<string, IndexedParam>();
    // The patient-compartment parameters are indexed too: scope enforcement searches by them.
    for (const code of new Set([...codes, ...(compartmentParams(type) ?? [])])) params.set(code, resolveParam(type, code));
    all.set(type, params);
  }
  return all;
}

function resolveParam(resourceType: string, code: string): IndexedParam {
  const definition = getSearchParameter(resourceType, code);
  if (!definition?.expression) throw new Error(`No HL7 search parameter ${resourceType}.${code}`);
  const type = definition.type;
  if (type !== 'token' && type !== 'string' && type !== 'date' && type !== 'reference') {
    throw new Error(`Search parameter ${resourceType}.${code} has type ${type}, which the store cannot index`);
  }
  return {
    code,
    type,
    definition: definition.url ?? `http://hl7.org/fhir/SearchParameter/${resourceType}-${code}`,
    documentation: firstSentence(definition.description ?? ''),
    expression: getSearchParameterDetails(resourceType, definition).parsedExpression,
    targets: definition.target ?? [],
  };
}

function firstSentence(text: string): string {
  // Shared HL7 definitions describe every resource type at once ("Multiple Resources: * [Observation]…").
  const line = text.split('\n').find((l) => l.trim() !== '' && !l.startsWith('Multiple Resources')) ?? text;
  return line.replace(/^\*\s*\[[^\]]+\]\([^)]*\):\s*/, '').trim();
}
