import type { Resource } from 'fhir/r4';
import type { InteractionAudit } from '../audit/interaction-audit.ts';
import { FULL_ACCESS, type AccessPolicy } from './access/access-policy.ts';
import { badRequest, FhirError, notFound } from './errors.ts';
import { findOperation, type OperationInfo } from './operations/catalog.ts';
import { isServedType, type ServedResourceType } from './search-parameters.ts';

/**
 * One FHIR RESTful interaction (http://hl7.org/fhir/R4/http.html), whether it arrived as an HTTP
 * request or as an entry of a batch/transaction Bundle. Backends and, later, permission checks work
 * on this shape, never on raw HTTP.
 */
export type Interaction =
  | { readonly kind: 'read'; readonly type: ServedResourceType; readonly id: string }
  | { readonly kind: 'vread'; readonly type: ServedResourceType; readonly id: string; readonly versionId: number }
  | { readonly kind: 'history-instance'; readonly type: ServedResourceType; readonly id: string }
  | { readonly kind: 'search-type'; readonly type: ServedResourceType; readonly query: readonly (readonly [string, string])[] }
  | {
      readonly kind: 'create';
      readonly type: ServedResourceType;
      readonly body: unknown;
      readonly ifNoneExist?: string;
      /** Set only inside a transaction, whose urn:uuid references were rewritten to this id. */
      readonly assignedId?: string;
    }
  | { readonly kind: 'update'; readonly type: ServedResourceType; readonly id: string; readonly body: unknown; readonly ifMatch?: string }
  | { readonly kind: 'delete'; readonly type: ServedResourceType; readonly id: string }
  | { readonly kind: 'batch'; readonly body: unknown }
  | OperationInteraction;

/**
 * A FHIR operation (http://hl7.org/fhir/R4/operations.html) such as `Appointment/$book`: `type` is
 * the resource type it acts on, `id` the instance (instance-level operations; a type-level one's
 * result names what it created in `location`), `operation` its name with the `$`.
 */
export interface OperationInteraction {
  readonly kind: 'operation';
  readonly type: ServedResourceType;
  readonly operation: OperationInfo['name'];
  readonly id?: string;
  /** The `Parameters` body, if any. */
  readonly body: unknown;
}

export interface InteractionOptions {
  /** `Prefer: handling=strict`: unknown search parameters are errors. */
  readonly strict: boolean;
  /** `Prefer: return=…` for create and update. */
  readonly returnPreference: 'minimal' | 'representation' | 'OperationOutcome';
  /** What the caller's token allows; every interaction (each Bundle entry too) is checked against it. */
  readonly access: AccessPolicy;
  /** Records each interaction and Bundle entry in the audit trail (writes: in their transaction). */
  readonly audit?: InteractionAudit;
}

/** The gateway acting on its own authority (seeding, the sign-in pages' directory lookups). */
export const DEFAULT_OPTIONS: InteractionOptions = { strict: false, returnPreference: 'representation', access: FULL_ACCESS };

/** A JSON document already serialised (a stored resource is served as the text it was stored as). */
export class JsonText {
  constructor(readonly text: string) {}
}

export interface InteractionResult {
  readonly status: number;
  readonly body?: Resource | JsonText;
  /** Absolute URL of the written version. */
  readonly location?: string;
  readonly versionId?: number;
  /** Epoch milliseconds. */
  readonly lastModified?: number;
}

/** Every FHIR interaction a backend answers: the local store, and later an upstream proxy. */
export interface FhirBackend {
  execute(interaction: Interaction, options: InteractionOptions): Promise<InteractionResult>;
}

const ID = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * Maps a method and the path below the FHIR base to an interaction. `body` is the parsed JSON body
 * (for `_search`, the form fields are already merged into `query`).
 */
export function toInteraction(
  method: string,
  segments: readonly string[],
  query: readonly (readonly [string, string])[],
  body: unknown,
  headers: { ifMatch?: string; ifNoneExist?: string },
): Interaction {
  if (segments.length === 0) {
    if (method === 'POST') return { kind: 'batch', body };
    throw methodNotAllowed(method, 'the server base accepts only POST of a batch or transaction Bundle');
  }
  const [typeName = '', second, third, fourth, ...rest] = segments;
  if (!isServedType(typeName)) {
    throw new FhirError(404, 'not-supported', /^[A-Z][A-Za-z]+$/.test(typeName) ? `Resource type ${typeName} is not supported` : 'Unknown path');
  }
  const type = typeName;
  if (rest.length > 0) throw notFound('Unknown path');

  if (second === undefined) {
    if (method === 'GET') return { kind: 'search-type', type, query };
    if (method === 'POST') return { kind: 'create', type, body, ifNoneExist: headers.ifNoneExist };
    throw methodNotAllowed(method, `${type} accepts GET (search) and POST (create)`);
  }
  if (second === '_search') {
    if (third !== undefined) throw notFound('Unknown path');
    if (method === 'POST') return { kind: 'search-type', type, query };
    throw methodNotAllowed(method, '_search accepts only POST');
  }
  if (second === '_history') throw methodNotAllowed(method, 'type-level history is not supported');
  if (second.startsWith('$')) {
    if (third !== undefined) throw notFound('Unknown path');
    return toOperation(method, type, second, undefined, body);
  }
  const id = checkId(second);
  if (third?.startsWith('$')) {
    if (fourth !== undefined) throw notFound('Unknown path');
    return toOperation(method, type, third, id, body);
  }

  if (third === undefined) {
    if (method === 'GET') return { kind: 'read', type, id };
    if (method === 'PUT') return { kind: 'update', type, id, body, ifMatch: headers.ifMatch };
    if (method === 'DELETE') return { kind: 'delete', type, id };
    throw methodNotAllowed(method, `${type}/id accepts GET, PUT and DELETE`);
  }
  if (third !== '_history') throw notFound('Unknown path');
  if (method !== 'GET') throw methodNotAllowed(method, 'history accepts only GET');
  if (fourth === undefined) return { kind: 'history-instance', type, id };
  if (!/^[1-9]\d{0,9}$/.test(fourth)) throw notFound('Unknown version');
  return { kind: 'vread', type, id, versionId: Number(fourth) };
}

function toOperation(method: string, type: ServedResourceType, name: string, id: string | undefined, body: unknown): OperationInteraction {
  const operation = findOperation(type, name, id === undefined ? 'type' : 'instance');
  if (!operation) {
    throw new FhirError(404, 'not-supported', `The operation ${name.slice(0, 40)} is not supported ${id === undefined ? 'on' : 'on an instance of'} ${type}`);
  }
  if (method !== 'POST') throw methodNotAllowed(method, `${operation.name} accepts only POST`);
  return { kind: 'operation', type, operation: operation.name, ...(id === undefined ? {} : { id }), body };
}

export function checkId(id: string): string {
  if (!ID.test(id)) throw badRequest('A resource id is 1 to 64 letters, digits, "-" or "."');
  return id;
}

function methodNotAllowed(method: string, why: string): FhirError {
  return new FhirError(405, 'not-supported', `${method} is not allowed here: ${why}`);
}
