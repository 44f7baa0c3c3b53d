import type { OperationOutcome, OperationOutcomeIssue } from 'fhir/r4';

/** FHIR issue type codes this gateway reports (http://hl7.org/fhir/R4/valueset-issue-type.html). */
export type IssueCode =
  | 'invalid'
  | 'structure'
  | 'required'
  | 'value'
  | 'invariant'
  | 'security'
  | 'login'
  | 'forbidden'
  | 'not-supported'
  | 'not-found'
  | 'deleted'
  | 'conflict'
  | 'multiple-matches'
  | 'too-costly'
  | 'business-rule'
  | 'processing'
  | 'exception'
  | 'transient';

/**
 * An error on the FHIR API: carries the HTTP status and the OperationOutcome the client receives.
 * Messages must never hold PHI (names, identifiers, resource content), only what the client sent
 * about the request's shape.
 */
export class FhirError extends Error {
  readonly issues: readonly OperationOutcomeIssue[];
  /** A `WWW-Authenticate` challenge to send with it (401s, and 403 insufficient_scope). */
  challenge?: string;

  constructor(
    readonly status: number,
    code: IssueCode,
    diagnostics: string,
    issues?: readonly OperationOutcomeIssue[],
  ) {
    super(diagnostics);
    this.name = 'FhirError';
    this.issues = issues ?? [{ severity: 'error', code, diagnostics }];
  }

  get outcome(): OperationOutcome {
    return operationOutcome(this.issues);
  }
}

export function operationOutcome(issues: readonly OperationOutcomeIssue[]): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [...issues] };
}

export const badRequest = (diagnostics: string) => new FhirError(400, 'invalid', diagnostics);
export const notFound = (diagnostics: string) => new FhirError(404, 'not-found', diagnostics);
export const notSupported = (status: number, diagnostics: string) => new FhirError(status, 'not-supported', diagnostics);
