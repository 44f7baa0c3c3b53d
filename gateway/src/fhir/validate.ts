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
