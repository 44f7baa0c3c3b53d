import type { Parameters, ParametersParameter } from 'fhir/r4';
import { badRequest } from '../errors.ts';

/** The value types an operation's parameter may take here. */
export type ParameterKind = 'valueReference' | 'valueString';

export type ParameterSpec = Readonly<Record<string, { readonly kind: ParameterKind; readonly required?: boolean }>>;

/** A parsed `Parameters` body: each named parameter's value (references as their `reference` string). */
export type ParameterValues<S extends ParameterSpec> = { readonly [K in keyof S]?: string };

/**
 * Reads an operation's `Parameters` body (http://hl7.org/fhir/R4/parameters.html) against what the
 * operation accepts: each parameter at most once, of its declared type, required ones present.
 * Anything else is a 400 naming the problem (only names from the request's shape, never its values).
 */
export function readParameters<S extends ParameterSpec>(operation: string, body: unknown, spec: S): ParameterValues<S> {
  if (body === undefined) return checkRequired(operation, {}, spec);
  if (typeof body !== 'object' || body === null || Array.isArray(body) || (body as { resourceType?: unknown }).resourceType !== 'Parameters') {
    throw badRequest(`${operation} takes a Parameters resource`);
  }
  const list = (body as Parameters).parameter ?? [];
  if (!Array.isArray(list)) throw badRequest('Parameters.parameter must be an array');
  const values: Record<string, string> = {};
  for (const parameter of list as unknown[]) {
    const name = (parameter as ParametersParameter | null)?.name;
    if (typeof name !== 'string' || !Object.hasOwn(spec, name)) {
      throw badRequest(`${operation} accepts the parameters ${Object.keys(spec).join(', ')}; ${typeof name === 'string' ? `not "${name.slice(0, 40)}"` : 'every parameter needs a name'}`);
    }
    if (Object.hasOwn(values, name)) throw badRequest(`The parameter "${name}" is given more than once`);
    values[name] = valueOf(parameter as ParametersParameter, name, spec[name]!.kind);
  }
  return checkRequired(operation, values, spec);
}

function valueOf(parameter: ParametersParameter, name: string, kind: ParameterKind): string {
  const keys = Object.keys(parameter).filter((k) => k.startsWith('value') || k === 'resource' || k === 'part');
  if (keys.length !== 1 || keys[0] !== kind) throw badRequest(`The parameter "${name}" must have exactly one ${kind}`);
  if (kind === 'valueString') {
    const value = parameter.valueString;
    if (typeof value !== 'string' || value.trim() === '') throw badRequest(`The parameter "${name}" must be a non-empty string`);
    if (value.length > 2000) throw badRequest(`The parameter "${name}" is longer than 2000 characters`);
    return value;
  }
  const reference = parameter.valueReference?.reference;
  if (typeof reference !== 'string' || reference === '') throw badRequest(`The parameter "${name}" must be a Reference with a reference`);
  return reference;
}

function checkRequired<S extends ParameterSpec>(operation: string, values: Record<string, string>, spec: S): ParameterValues<S> {
  for (const [name, { required }] of Object.entries(spec)) {
    if (required && values[name] === undefined) throw badRequest(`${operation} needs the parameter "${name}"`);
  }
  return values as ParameterValues<S>;
}

/**
 * The id in a reference to `type`: `Type/id`, or the same below this server's FHIR base.
 * Anything else (another type, another server, a version, a search) is a 400.
 */
export function referencedId(reference: string, type: string, fhirBaseUrl: string, parameter: string): string {
  const local = reference.startsWith(`${fhirBaseUrl}/`) ? reference.slice(fhirBaseUrl.length + 1) : reference;
  const match = new RegExp(`^${type}/([A-Za-z0-9\\-.]{1,64})$`).exec(local);
  if (!match) throw badRequest(`The parameter "${parameter}" must reference a ${type} of this server, as ${type}/id`);
  return match[1]!;
}
