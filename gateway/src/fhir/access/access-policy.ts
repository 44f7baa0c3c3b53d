import { parseScopes, permittedBy, type Permission, type ResourceScope } from '@portico/shared/smart/scopes';
import { FhirError } from '../errors.ts';
import type { ServedResourceType } from '../search-parameters.ts';
import { parseSearchRequest, type SearchFilter } from '../search/search-request.ts';
import { compartmentParams } from './patient-compartment.ts';

/**
 * What one interaction may touch, once the token's scopes allowed it at all: resources of one
 * patient's compartment (patient/ scopes), and/or only those matching granular scope constraints.
 */
export interface Restriction {
  /** The patient whose compartment bounds access; undefined: any patient. */
  readonly patientId?: string;
  /** Filters a resource must match (compartment and granular constraints); empty: none. */
  readonly filters: readonly SearchFilter[];
}

/** Decides, per interaction, what the caller's token allows (SMART scopes and patient context). */
export interface AccessPolicy {
  /** 403 unless a scope allows `permission` on `type`; otherwise the restriction that applies. */
  restrict(type: ServedResourceType, permission: Permission): Restriction;
}

/** The gateway acting on its own authority (seeding, sign-in pages): no restriction. */
export const FULL_ACCESS: AccessPolicy = { restrict: () => ({ filters: [] }) };

export interface TokenContext {
  readonly scope: string;
  /** The patient in context (`patient` claim), for patient/ scopes. */
  readonly patient?: string;
}

/**
 * Types in the patient compartment only because they *may* name a patient: a Schedule's actor can be
 * a patient, but a practitioner's Schedule is the practice's directory, which a patient needs to
 * book. patient/ scopes read those in no patient's compartment too (never another patient's).
 */
const SHARED_WHEN_UNOWNED: ReadonlySet<ServedResourceType> = new Set(['Schedule']);

const INTERACTION_WORDS: Record<Permission, string> = { c: 'create', r: 'read', u: 'update', d: 'delete', s: 'search' };

/**
 * The policy of an access token (SMART App Launch, "Scopes for requesting FHIR resources"):
 * - system/ and user/ scopes reach every patient's data of the types and interactions they name
 *   (a clinician's user/ access is the whole practice's, the policy Portico offers);
 * - patient/ scopes reach only the token's patient's compartment (HL7 CompartmentDefinition
 *   "patient"); data that is no one's (Practitioner, Location, Slot…) may be read, never written;
 * - granular scopes (`?category=…`) narrow what matches; several are alternatives.
 * A token that could reach data in more than one way gets the least restricted way it has; a
 * combination this server cannot express fails closed (403).
 */
export function policyForToken(token: TokenContext): AccessPolicy {
  const scopes = parseScopes(token.scope).scopes;
  return {
    restrict(type, permission) {
      const wide = [...permittedBy(scopes, 'system', type, permission), ...permittedBy(scopes, 'user', type, permission)];
      if (wide.length > 0) return { filters: granular(type, wide) };
      const own = token.patient ? permittedBy(scopes, 'patient', type, permission) : [];
      if (own.length > 0) {
        const params = compartmentParams(type);
        if (params === undefined) {
          if (permission === 'r' || permission === 's') return { filters: granular(type, own) };
          throw forbidden(`patient/ scopes cannot ${INTERACTION_WORDS[permission]} ${type}, which is not patient data`);
        }
        const orUnowned = (permission === 'r' || permission === 's') && SHARED_WHEN_UNOWNED.has(type);
        return {
          patientId: token.patient,
          filters: [{ kind: 'compartment', patientId: token.patient!, params, ...(orUnowned ? { orUnowned } : {}) }, ...granular(type, own)],
        };
      }
      throw forbidden(`The access token's scopes do not allow ${INTERACTION_WORDS[permission]} on ${type}`);
    },
  };
}

/** Scopes parsed once per token string: the verifier hands the same claims object for a cached token. */
const parsed = new WeakMap<object, AccessPolicy>();
export function cachedPolicy(claims: TokenContext): AccessPolicy {
  let policy = parsed.get(claims);
  if (!policy) parsed.set(claims, (policy = policyForToken(claims)));
  return policy;
}

/**
 * The granular constraints of the permitting scopes as filters: none if one of them is unconstrained,
 * else any one of their constraint sets. A constraint on a parameter this server does not index
 * cannot be enforced, so that scope permits nothing.
 */
function granular(type: ServedResourceType, scopes: readonly ResourceScope[]): SearchFilter[] {
  if (scopes.some((s) => s.query.length === 0)) return [];
  const alternatives: SearchFilter[][] = [];
  for (const scope of scopes) {
    try {
      alternatives.push([...parseSearchRequest(type, scope.query, true).filters]);
    } catch {
      // Unenforceable constraint: this scope contributes nothing (fail closed).
    }
  }
  if (alternatives.length === 0) throw forbidden(`The granular scopes for ${type} use search parameters this server cannot enforce`);
  return [{ kind: 'anyOf', alternatives }];
}

/** 403 with `WWW-Authenticate: Bearer error="insufficient_scope"` (RFC 6750 §3.1). */
function forbidden(diagnostics: string): FhirError {
  const error = new FhirError(403, 'forbidden', diagnostics);
  error.challenge = 'Bearer error="insufficient_scope"';
  return error;
}

