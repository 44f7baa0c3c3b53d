import type { CapabilityStatement, CapabilityStatementRestResource } from 'fhir/r4';
import { OPERATIONS } from './operations/catalog.ts';
import { COMMON_PARAMS, indexedParams, SERVED_RESOURCES, type ServedResourceType } from './search-parameters.ts';
import { MAX_COUNT, MAX_FILTERS, MAX_SORT_KEYS, MAX_VALUES } from './search/search-request.ts';

export interface CapabilityOptions {
  readonly fhirBaseUrl: string;
  readonly softwareVersion: string;
  /** When this server started: the statement's `date`. */
  readonly date: Date;
  /** The authorization server's endpoints, published in the SMART oauth-uris extension. */
  readonly endpoints: { authorize: string; token: string; register: string; manage: string; introspect: string; revoke: string };
}

const INSTANCE_INTERACTIONS = ['read', 'vread', 'update', 'delete', 'history-instance', 'create', 'search-type'] as const;

/**
 * `GET /fhir/metadata`, generated from the search-parameter table the store indexes with
 * (http://hl7.org/fhir/R4/capabilitystatement.html), so it can never advertise what does not work.
 */
export function capabilityStatement(options: CapabilityOptions): CapabilityStatement {
  const types = Object.keys(SERVED_RESOURCES) as ServedResourceType[];
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: options.date.toISOString(),
    publisher: 'Portico',
    kind: 'instance',
    software: { name: 'Portico', version: options.softwareVersion },
    implementation: { description: 'Portico SMART on FHIR gateway (embedded FHIR R4 store)', url: options.fhirBaseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        documentation:
          `Searches return at most ${MAX_COUNT} entries a page (a larger _count is lowered); paging links use _offset. ` +
          `A search combines at most ${MAX_FILTERS} parameters of at most ${MAX_VALUES} values each, and ${MAX_SORT_KEYS} _sort keys.`,
        security: {
          cors: true,
          extension: [
            {
              url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
              extension: [
                { url: 'authorize', valueUri: options.endpoints.authorize },
                { url: 'token', valueUri: options.endpoints.token },
                { url: 'register', valueUri: options.endpoints.register },
                { url: 'manage', valueUri: options.endpoints.manage },
                { url: 'introspect', valueUri: options.endpoints.introspect },
                { url: 'revoke', valueUri: options.endpoints.revoke },
              ],
            },
          ],
          service: [
            {
              coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }],
            },
          ],
        },
        resource: types.map((type) => resourceCapability(type, types, options.fhirBaseUrl)),
        interaction: [{ code: 'transaction' }, { code: 'batch' }],
      },
    ],
  };
}

function resourceCapability(type: ServedResourceType, allTypes: readonly ServedResourceType[], fhirBaseUrl: string): CapabilityStatementRestResource {
  const params = [...indexedParams(type).values()];
  return {
    type,
    profile: `http://hl7.org/fhir/StructureDefinition/${type}`,
    interaction: INSTANCE_INTERACTIONS.map((code) => ({ code })),
    versioning: 'versioned-update',
    readHistory: true,
    updateCreate: true,
    conditionalCreate: true,
    conditionalUpdate: false,
    conditionalDelete: 'not-supported',
    referencePolicy: ['literal', 'local'],
    searchInclude: params.filter((p) => p.type === 'reference').map((p) => `${type}:${p.code}`),
    searchRevInclude: allTypes.flatMap((source) =>
      [...indexedParams(source).values()]
        .filter((p) => p.type === 'reference' && p.targets.includes(type))
        .map((p) => `${source}:${p.code}`),
    ),
    searchParam: [
      ...COMMON_PARAMS.map((p) => ({ name: p.code, type: p.type, definition: p.definition })),
      ...params.map((p) => ({ name: p.code, type: p.type, definition: p.definition, documentation: p.documentation })),
    ],
    ...operationsOf(type, fhirBaseUrl),
  };
}

/**
 * The operations Portico runs on `type`. They are its own (no HL7 OperationDefinition says what
 * they do), so their canonical URLs are below this server's base; `documentation` describes them.
 */
function operationsOf(type: ServedResourceType, fhirBaseUrl: string): Pick<CapabilityStatementRestResource, 'operation'> {
  const operations = OPERATIONS.filter((o) => o.type === type);
  if (operations.length === 0) return {};
  return {
    operation: operations.map((o) => ({
      name: o.name.slice(1),
      definition: `${fhirBaseUrl}/OperationDefinition/${type}-${o.name.slice(1)}`,
      documentation: o.documentation,
    })),
  };
}
