import { randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { signCompactJws } from '../../keys/jws.ts';
import type { KeyRing } from '../../keys/key-ring.ts';
import type { GrantLiveness } from '../../db/oauth-records.ts';

/** The claims of a Portico access token (a JWT profiled after RFC 9068). */
export interface AccessTokenClaims {
  readonly iss: string;
  readonly aud: string;
  readonly sub: string;
  readonly client_id: string;
  readonly scope: string;
  readonly jti: string;
  readonly iat: number;
  readonly exp: number;
  readonly patient?: string;
  readonly encounter?: string;
  readonly fhirUser?: string;
  /** The grant this token was issued under; revoking the grant kills the token. */
  readonly grant_id: string;
}

export type AccessTokenContent = Omit<AccessTokenClaims, 'iss' | 'aud' | 'jti' | 'iat' | 'exp'>;

export interface TokenSettings {
  readonly issuer: string;
  /** The FHIR base URL: the only audience the resource server accepts. */
  readonly audience: string;
  readonly now: () => Date;
}

/** Signs an access token with the ring's current ES256 key. */
export async function signAccessToken(
  keys: KeyRing,
  settings: TokenSettings,
  content: AccessTokenContent,
  lifetimeSeconds: number,
): Promise<{ token: string; claims: AccessTokenClaims }> {
  const iat = Math.floor(settings.now().getTime() / 1000);
  const claims: AccessTokenClaims = {
    ...content,
    iss: settings.issuer,
    aud: settings.audience,
    jti: randomUUID(),
    iat,
    exp: iat + lifetimeSeconds,
  };
  const { kid, key } = await keys.signingKey('ES256');
  const token = await signCompactJws({ alg: 'ES256', kid, typ: 'at+jwt' }, claims, key);
  return { token, claims };
}

/**
 * A bearer token that is missing, malformed, expired, or not ours. `refused` is set when the token
 * itself was genuine but its grant is dead (revoked, expired, app disabled): the audit trail records
 * such refusals against the grant, its app and its patient.
 */
export class InvalidTokenError extends Error {
  constructor(
    message: string,
    readonly refused?: { readonly claims: AccessTokenClaims; readonly reason: string },
  ) {
    super(message);
    this.name = 'InvalidTokenError';
  }
}

const CACHE_LIMIT = 10_000;
const CLOCK_TOLERANCE_SECONDS = 5;

const REFUSALS: Record<Exclude<GrantLiveness, { live: true }>['reason'], string> = {
  unknown: 'The access token was revoked',
  revoked: 'The access token was revoked',
  expired: 'The access token was revoked',
  'client-disabled': 'The app this token was issued to has been disabled',
};

/**
 * Verifies access tokens (signature by a key of ours, `typ` at+jwt, issuer, audience, expiry,
 * required claims, and that the grant they were issued under is still alive) and caches the
 * cryptographic part until the token expires, so a repeated token costs a map lookup and the grant
 * check instead of an ECDSA verification. The grant check runs every time: revocation, a disabled
 * app or a narrowed grant bites on the very next request. A narrowed grant hands back claims whose
 * `scope` keeps only the token's scopes the grant still holds.
 */
export function createAccessTokenVerifier(
  keys: KeyRing,
  settings: TokenSettings,
  grantLiveness: (grantId: string, now: Date) => Promise<GrantLiveness>,
) {
  const cache = new Map<string, AccessTokenClaims>();
  // Claims objects are keys of the scope-policy cache: a narrowed token keeps one object per grant scope.
  const narrowed = new WeakMap<AccessTokenClaims, { grantScope: string; claims: AccessTokenClaims }>();

  return async function verifyAccessToken(token: string): Promise<AccessTokenClaims> {
    const claims = await verifySignedClaims(token);
    const grant = await grantLiveness(claims.grant_id, settings.now());
    if (!grant.live) throw new InvalidTokenError(REFUSALS[grant.reason], { claims, reason: grant.reason });
    if (grant.scope === claims.scope) return claims;
    const seen = narrowed.get(claims);
    if (seen?.grantScope === grant.scope) return seen.claims;
    const still = new Set(grant.scope.split(' '));
    const effective = { ...claims, scope: claims.scope.split(' ').filter((s) => still.has(s)).join(' ') };
    narrowed.set(claims, { grantScope: grant.scope, claims: effective });
    return effective;
  };

  async function verifySignedClaims(token: string): Promise<AccessTokenClaims> {
    const nowSeconds = settings.now().getTime() / 1000;
    const cached = cache.get(token);
    if (cached) {
      if (cached.exp + CLOCK_TOLERANCE_SECONDS > nowSeconds) return cached;
      cache.delete(token);
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, async (header) => (await keys.verificationKey(header.kid, header.alg)) ?? unknownKey(), {
        algorithms: ['ES256'],
        typ: 'at+jwt',
        issuer: settings.issuer,
        audience: settings.audience,
        requiredClaims: ['exp', 'iat', 'jti', 'sub'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        currentDate: settings.now(),
      }));
    } catch (error) {
      if (error instanceof joseErrors.JOSEError || error instanceof InvalidTokenError) {
        throw new InvalidTokenError('The access token is invalid or expired');
      }
      throw error;
    }
    const claims = checkShape(payload);
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(token, claims);
    return claims;
  }
}

function unknownKey(): never {
  throw new InvalidTokenError('Unknown signing key');
}

function checkShape(payload: JWTPayload): AccessTokenClaims {
  const strings = ['sub', 'client_id', 'scope', 'jti', 'grant_id'] as const;
  for (const name of strings) {
    if (typeof payload[name] !== 'string' || payload[name] === '') throw new InvalidTokenError(`The access token has no ${name}`);
  }
  for (const name of ['patient', 'encounter', 'fhirUser'] as const) {
    if (payload[name] !== undefined && typeof payload[name] !== 'string') throw new InvalidTokenError(`The access token's ${name} is malformed`);
  }
  return payload as unknown as AccessTokenClaims;
}
