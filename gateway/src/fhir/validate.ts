import { OperationOutcomeError, validateResource } from '@medplum/core';
import type { OperationOutcomeIssue, Resource } from 'fhir/r4';
import { badRequest, FhirError } from './errors.ts';
import { loadFhirDefinitions } from './definitions.ts';

/**
 * Checks a resource sent for create or update against the FHIR R4 base definitions (structure,
 * cardinality, primitive formats and invariants, via @medplum/core). Shape errors in the request are
 * 400; a well-formed resource that breaks the rules is 422 with one issue per problem.
 */
export function validateForWrite(type: string, body: unknown): Resource {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('The body must be a FHIR resource (a JSON object)');
  }
  const resourceType = (body as { resourceType?: unknown }).resourceType;
  if (resourceType !== type) {
    throw badRequest(`The body's resourceType must be ${type}`);
  }
  const prototypeKeys = prototypeKeyIssues(body, type);
  if (prototypeKeys.length > 0) throw new FhirError(422, 'processing', 'The resource is not valid FHIR R4', prototypeKeys);
  loadFhirDefinitions();
  try {
    validateResource(body as Parameters<typeof validateResource>[0]);
  } catch (error) {
    if (error instanceof OperationOutcomeError) {
      const issues = (error.outcome.issue ?? []) as OperationOutcomeIssue[];
      throw new FhirError(422, 'processing', 'The resource is not valid FHIR R4', issues);
    }
    if (error instanceof RangeError) throw badRequest('The resource is nested too deeply');
    throw error;
  }
  return body as Resource;
}

/**
 * Properties named like Object.prototype members (`__proto__`, `constructor`, `toString`…). No FHIR
 * element has such a name, but the validator looks names up in plain objects, where these resolve to
 * the prototype's members and pass, so they would be stored. Walked without recursion: the body may
 * be nested far deeper than the stack allows.
 */
function prototypeKeyIssues(body: object, type: string): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  const pending: [unknown, string][] = [[body, type]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [value, path] = next;
    if (typeof value !== 'object' || value === null) continue;
    const isArray = Array.isArray(value);
    for (const [key, child] of Object.entries(value)) {
      const childPath = isArray ? `${path}[${key}]` : `${path}.${key}`;
      if (!isArray && key in Object.prototype) {
        issues.push({ severity: 'error', code: 'structure', details: { text: `Invalid additional property "${key}"` }, expression: [childPath] });
      } else {
        pending.push([child, childPath]);
      }
    }
  }
  return issues;
}
