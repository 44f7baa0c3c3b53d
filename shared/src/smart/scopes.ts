/**
 * The SMART App Launch 2.2 scope grammar: parsing, formatting, coverage and negotiation.
 *
 * Used by the gateway (negotiation at /authorize and /token, enforcement on every FHIR request)
 * and by the portal (showing grants), so it must stay free of Node-only APIs.
 *
 * @see https://hl7.org/fhir/smart-app-launch/STU2.2/scopes-and-launch-context.html
 */

/** One FHIR interaction letter: create, read, update, delete, search. */
export type Permission = 'c' | 'r' | 'u' | 'd' | 's';

/** Whose data a resource scope reaches: the patient in context, the user's reach, or a backend client's. */
export type ScopeLevel = 'patient' | 'user' | 'system';

/** One granular `param=value` constraint, kept literally (never percent-decoded). */
export type QueryConstraint = readonly [param: string, value: string];

/** A FHIR resource scope such as `patient/Observation.rs?category=…|vital-signs` or `user/*.read`. */
export interface ResourceScope {
  readonly kind: 'resource';
  readonly level: ScopeLevel;
  /** A FHIR resource type name, or `*` for every type, including types added in the future. */
  readonly resourceType: string;
  readonly permissions: ReadonlySet<Permission>;
  /** `v1` for `.read`, `.write` and `.*`; `v2` for `cruds` letters. Kept so grants echo the request's spelling. */
  readonly syntax: 'v1' | 'v2';
  /** Granular constraints; every one must hold (FHIR search semantics). Always empty for v1. */
  readonly query: readonly QueryConstraint[];
  readonly raw: string;
}

/** A launch-context scope: `launch`, `launch/patient`, `launch/encounter` or `launch/<lowercase type>`. */
export interface ContextScope {
  readonly kind: 'launch';
  /** Undefined for a bare `launch` (EHR launch); otherwise the lowercase context type, e.g. `patient`. */
  readonly context: string | undefined;
  /** The `?role=<uri>` of a typed launch scope, if any (at most one per scope). */
  readonly role?: string;
  readonly raw: string;
}

/** A scope that is just a fixed word. */
export interface SimpleScope {
  readonly kind: 'openid' | 'fhirUser' | 'profile' | 'offline_access' | 'online_access';
  readonly raw: string;
}

export type Scope = ResourceScope | ContextScope | SimpleScope;

/** Options for {@link negotiateScopes}. */
export interface NegotiationOptions {
  /**
   * Narrow a requested resource scope that no allowed scope covers to its intersection with each
   * allowed scope (default `true`). Pass `false` to grant only requests allowed as they stand.
   */
  readonly narrow?: boolean;
  /**
   * The resource types the server serves. When given, granted scopes naming any other concrete type
   * are dropped (SL-10: `patient/Foo.rs` is not granted even under a `patient/*.rs` allowance).
   * Wildcard scopes are kept: they stand for types added in the future too.
   */
  readonly resourceTypes?: Iterable<string>;
}

const PERMISSION_ORDER: readonly Permission[] = ['c', 'r', 'u', 'd', 's'];

/** v1 suffixes and the v2 letters they mean (SC-02). */
const V1_LETTERS: Readonly<Record<string, string>> = { read: 'rs', write: 'cud', '*': 'cruds' };

const SIMPLE_KINDS: ReadonlySet<string> = new Set(['openid', 'fhirUser', 'profile', 'offline_access', 'online_access']);

// `c?r?u?d?s?` accepts only in-order letters, so `.sr` and `.dus` fail and `.read` is never read as
// `.r` + `.d`. It also matches the empty string, which parseResourceScope rejects.
const RESOURCE_HEAD = /^(patient|user|system)\/(\*|[A-Z][A-Za-z0-9]*)\.(read|write|\*|c?r?u?d?s?)$/;
const LAUNCH = /^launch(?:\/([a-z]+)(?:\?role=(.+))?)?$/;
const QUERY_PARAM = /^[A-Za-z_][A-Za-z0-9_.:-]*$/;
// RFC 6749 §3.3 scope-token characters (printable ASCII but `"` and `\`), minus the `&` separator.
const QUERY_VALUE = /^[\x21\x23-\x25\x27-\x5B\x5D-\x7E]+$/;

/**
 * Parses one scope token.
 *
 * @param text - a single scope, without surrounding whitespace.
 * @returns the scope, or `undefined` when it is malformed (`patient/Observation.sr`), not a scope this
 *   library knows (`__custom`, URI scopes) or empty.
 */
export function parseScope(text: string): Scope | undefined {
  if (SIMPLE_KINDS.has(text)) return { kind: text as SimpleScope['kind'], raw: text };
  if (text.startsWith('launch')) return parseContextScope(text);
  return parseResourceScope(text);
}

/**
 * Parses a space-separated scope string, as sent in `scope` parameters.
 *
 * @returns the recognised scopes and the unrecognised tokens, each de-duplicated by their exact
 *   text and in request order. Unknown scopes are for the caller to drop (SL-10), not an error.
 */
export function parseScopes(text: string): { scopes: Scope[]; unknown: string[] } {
  const scopes: Scope[] = [];
  const unknown: string[] = [];
  const tokens = new Set(text.split(/\s+/).filter((token) => token !== ''));
  for (const token of tokens) {
    const scope = parseScope(token);
    if (scope) scopes.push(scope);
    else unknown.push(token);
  }
  return { scopes, unknown };
}

/**
 * The canonical text of a scope. For a parsed scope this is its `raw` text. A v1 scope is written
 * in v1 syntax only when its permissions are exactly `.read`, `.write` or `.*` and it has no query.
 */
export function formatScope(scope: Scope): string {
  switch (scope.kind) {
    case 'resource':
      return formatResourceScope(scope);
    case 'launch': {
      const role = scope.role === undefined ? '' : `?role=${scope.role}`;
      return `launch${scope.context === undefined ? '' : `/${scope.context}`}${role}`;
    }
    default:
      return scope.kind;
  }
}

/**
 * Whether `granted` allows everything `wanted` allows: same level, same type (or a granted `*`),
 * at least the same permissions, and no granular constraint that `wanted` does not also carry.
 * An unconstrained grant covers a constrained want; never the other way round.
 */
export function covers(granted: ResourceScope, wanted: ResourceScope): boolean {
  return (
    granted.level === wanted.level &&
    (granted.resourceType === '*' || granted.resourceType === wanted.resourceType) &&
    [...wanted.permissions].every((permission) => granted.permissions.has(permission)) &&
    granted.query.every(([param, value]) => hasConstraint(wanted.query, param, value))
  );
}

/**
 * Decides which of the requested scopes to grant under an allowance (the client's registration,
 * the user's role, a backend client's pre-authorisation).
 *
 * A requested scope that an allowed scope covers is granted unchanged, with its raw text, so a v1
 * request stays v1 and `.rs` is not split (RF-05). A wider resource request is narrowed to its
 * intersection with each allowed scope of its level, in v2 syntax (BS-11: `system/*.rs` under
 * `system/Patient.rs` gives `system/Patient.rs`); narrowed scopes another granted scope already
 * covers are left out. Context and identity scopes are granted only when allowed. The result never
 * widens: each granted scope is covered by a requested one and by an allowed one.
 *
 * @returns the granted scopes, without duplicates, in request order.
 */
export function negotiateScopes(
  requested: readonly Scope[],
  allowed: readonly Scope[],
  options: NegotiationOptions = {},
): Scope[] {
  const served = options.resourceTypes === undefined ? undefined : new Set(options.resourceTypes);
  const candidates = new Map<string, Candidate>();
  const add = (scope: Scope, narrowed: boolean): void => {
    if (scope.kind === 'resource' && served && scope.resourceType !== '*' && !served.has(scope.resourceType)) return;
    const seen = candidates.get(scope.raw);
    if (!seen) candidates.set(scope.raw, { scope, narrowed });
    else if (!narrowed) seen.narrowed = false; // an explicit request must not be pruned as redundant
  };

  for (const wanted of requested) {
    if (allowed.some((grant) => scopeCovers(grant, wanted))) add(wanted, false);
    else if (wanted.kind === 'resource' && (options.narrow ?? true)) {
      for (const grant of allowed) {
        const narrowed = grant.kind === 'resource' ? intersect(wanted, grant) : undefined;
        if (narrowed) add(narrowed, true);
      }
    }
  }

  const entries = [...candidates.values()];
  return entries
    .filter((entry, index) => !entry.narrowed || !entries.some((other, j) => j !== index && outranks(other, j, entry, index)))
    .map((entry) => entry.scope);
}

/**
 * Whether `narrow` asks for nothing beyond `wide`: each of its scopes is covered by a scope in
 * `wide`. Used at refresh, where a client may ask for the same grant or less, never more (RF-03, RF-04).
 */
export function isSubsetOf(narrow: readonly Scope[], wide: readonly Scope[]): boolean {
  return narrow.every((wanted) => wide.some((grant) => scopeCovers(grant, wanted)));
}

/**
 * The scopes that allow one interaction on one resource type at one level (wildcards included).
 * Callers apply each returned scope's `query` as a filter: the interaction is allowed on a resource
 * that matches the constraints of at least one of them.
 */
export function permittedBy(
  scopes: readonly Scope[],
  level: ScopeLevel,
  resourceType: string,
  permission: Permission,
): ResourceScope[] {
  return scopes.filter(
    (scope): scope is ResourceScope =>
      scope.kind === 'resource' &&
      scope.level === level &&
      (scope.resourceType === '*' || scope.resourceType === resourceType) &&
      scope.permissions.has(permission),
  );
}

function parseResourceScope(text: string): ResourceScope | undefined {
  const queryStart = text.indexOf('?');
  const head = queryStart < 0 ? text : text.slice(0, queryStart);
  const match = RESOURCE_HEAD.exec(head);
  if (!match || match[3] === '') return undefined;
  const [, level, resourceType, suffix] = match as unknown as [string, ScopeLevel, string, string];
  const v1 = V1_LETTERS[suffix];
  if (v1 && queryStart >= 0) return undefined; // v1 predates granular constraints
  const query = queryStart < 0 ? [] : parseQuery(text.slice(queryStart + 1));
  if (!query) return undefined;
  const permissions = new Set(PERMISSION_ORDER.filter((permission) => (v1 ?? suffix).includes(permission)));
  return { kind: 'resource', level, resourceType, permissions, syntax: v1 ? 'v1' : 'v2', query, raw: text };
}

function parseQuery(text: string): QueryConstraint[] | undefined {
  const constraints: QueryConstraint[] = [];
  for (const item of text.split('&')) {
    const equals = item.indexOf('=');
    const param = item.slice(0, equals);
    const value = item.slice(equals + 1);
    if (equals < 0 || !QUERY_PARAM.test(param) || !QUERY_VALUE.test(value)) return undefined;
    constraints.push([param, value]);
  }
  return constraints;
}

function parseContextScope(text: string): ContextScope | undefined {
  const match = LAUNCH.exec(text);
  if (!match) return undefined;
  const [, context, role] = match;
  if (role === undefined) return { kind: 'launch', context, raw: text };
  return QUERY_VALUE.test(role) ? { kind: 'launch', context, role, raw: text } : undefined;
}

function formatResourceScope(scope: Omit<ResourceScope, 'raw'>): string {
  const letters = PERMISSION_ORDER.filter((permission) => scope.permissions.has(permission)).join('');
  const v1 =
    scope.syntax === 'v1' && scope.query.length === 0
      ? Object.keys(V1_LETTERS).find((word) => V1_LETTERS[word] === letters)
      : undefined;
  const query = scope.query.map(([param, value]) => `${param}=${value}`).join('&');
  return `${scope.level}/${scope.resourceType}.${v1 ?? letters}${query === '' ? '' : `?${query}`}`;
}

function hasConstraint(query: readonly QueryConstraint[], param: string, value: string): boolean {
  return query.some(([p, v]) => p === param && v === value);
}

/** Coverage for any two scopes: resource scopes by {@link covers}, the rest by matching word and context. */
function scopeCovers(granted: Scope, wanted: Scope): boolean {
  if (granted.kind === 'resource' || wanted.kind === 'resource') {
    return granted.kind === 'resource' && wanted.kind === 'resource' && covers(granted, wanted);
  }
  if (granted.kind === 'launch' || wanted.kind === 'launch') {
    // A role only names which context of that type is meant, so a role-less allowance covers any role.
    return (
      granted.kind === 'launch' &&
      wanted.kind === 'launch' &&
      granted.context === wanted.context &&
      (granted.role === undefined || granted.role === wanted.role)
    );
  }
  return granted.kind === wanted.kind;
}

/** The widest scope both `a` and `b` cover, or undefined when they share nothing. */
function intersect(a: ResourceScope, b: ResourceScope): ResourceScope | undefined {
  if (a.level !== b.level) return undefined;
  const resourceType =
    a.resourceType === '*' ? b.resourceType : b.resourceType === '*' || b.resourceType === a.resourceType ? a.resourceType : undefined;
  const permissions = new Set(PERMISSION_ORDER.filter((p) => a.permissions.has(p) && b.permissions.has(p)));
  const query = mergeConstraints(a.query, b.query);
  if (resourceType === undefined || permissions.size === 0 || query === undefined) return undefined;
  const scope = { kind: 'resource', level: a.level, resourceType, permissions, syntax: 'v2', query } as const;
  return { ...scope, raw: formatResourceScope(scope) };
}

/**
 * All constraints of both sides, since each must hold. When both constrain one parameter and neither
 * set of values contains the other (`category=laboratory` against `category=vital-signs`), the
 * intersection is treated as empty rather than granting a scope that matches almost nothing.
 */
function mergeConstraints(
  a: readonly QueryConstraint[],
  b: readonly QueryConstraint[],
): QueryConstraint[] | undefined {
  for (const param of new Set([...a, ...b].map(([p]) => p))) {
    const fromA = a.filter(([p]) => p === param);
    const fromB = b.filter(([p]) => p === param);
    const aWithinB = fromA.every(([p, v]) => hasConstraint(fromB, p, v));
    const bWithinA = fromB.every(([p, v]) => hasConstraint(fromA, p, v));
    if (fromA.length > 0 && fromB.length > 0 && !aWithinB && !bWithinA) return undefined;
  }
  const merged: QueryConstraint[] = [];
  for (const [param, value] of [...a, ...b]) if (!hasConstraint(merged, param, value)) merged.push([param, value]);
  return merged;
}

interface Candidate {
  scope: Scope;
  /** Derived from a request by narrowing, rather than requested as it stands. */
  narrowed: boolean;
}

/**
 * Whether `other` makes the narrowed scope `entry` redundant. Among narrowed scopes that cover each
 * other the first one stays, so mutually covering scopes never remove each other.
 */
function outranks(other: Candidate, otherIndex: number, entry: Candidate, index: number): boolean {
  if (!scopeCovers(other.scope, entry.scope)) return false;
  return !other.narrowed || !scopeCovers(entry.scope, other.scope) || otherIndex < index;
}
