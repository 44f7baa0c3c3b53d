import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { AssertionReplayRepository } from '../db/oauth-records.ts';
import type { ClientRecord } from '../db/store.ts';
import { InvalidClientError } from './errors.ts';
import type { JwksFetcher } from './jwks-fetcher.ts';

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Signature algorithms accepted for client assertions (advertised in discovery). */
export const ASSERTION_ALGORITHMS = ['RS384', 'ES384', 'RS256', 'ES256'];
/** SMART: an assertion's `exp` is at most five minutes ahead. */
const MAX_LIFETIME_SECONDS = 300;
const CLOCK_TOLERANCE_SECONDS = 30;

export interface AssertionDeps {
  readonly findClient: (clientId: string) => Promise<ClientRecord | undefined>;
  readonly jwks: JwksFetcher;
  readonly replays: AssertionReplayRepository;
  /**
   * The `aud` values accepted: the token endpoint URL (SMART) and the issuer identifier (what RFC
   * 7523bis requires and strict clients such as oauth4webapi send); nothing else.
   */
  readonly audience: string[];
  readonly now: () => Date;
}

/**
 * Authenticates a confidential-asymmetric client by its signed assertion (RFC 7523 §3, SMART
 * client-confidential-asymmetric): `iss` = `sub` = a registered client, `aud` = the token endpoint
 * (or the issuer), `exp` at most five minutes ahead, a `jti` never seen before, a signature by one of the client's
 * registered keys (a `jku` header must name the registered JWKS URL). Every failure is invalid_client.
 */
export async function authenticateByAssertion(assertion: string, deps: AssertionDeps): Promise<ClientRecord> {
  let claims: JWTPayload;
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    claims = decodeJwt(assertion);
    header = decodeProtectedHeader(assertion);
  } catch {
    throw new InvalidClientError('client_assertion is not a JWT');
  }
  const clientId = claims.iss;
  if (typeof clientId !== 'string' || claims.sub !== clientId) throw new InvalidClientError('client_assertion iss and sub must both be the client_id');
  const client = await deps.findClient(clientId);
  if (!client || client.disabledAt !== null || client.type !== 'confidential-asymmetric') {
    throw new InvalidClientError('Unknown or disabled client, or not one that authenticates with keys');
  }
  if (header.jku !== undefined && header.jku !== client.jwksUri) throw new InvalidClientError('client_assertion jku is not the registered JWKS URL');

  const now = deps.now();
  let payload: JWTPayload;
  try {
    const keys = client.jwks ? createLocalJWKSet(client.jwks) : await deps.jwks.keysFor(client.jwksUri!, header.kid, now.getTime());
    ({ payload } = await jwtVerify(assertion, keys, {
      algorithms: ASSERTION_ALGORITHMS,
      issuer: client.clientId,
      subject: client.clientId,
      audience: deps.audience,
      requiredClaims: ['exp', 'jti'],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      currentDate: now,
    }));
  } catch (error) {
    if (error instanceof joseErrors.JOSEError) throw new InvalidClientError('client_assertion could not be verified');
    throw new InvalidClientError('The client JWKS could not be fetched');
  }
  const nowSeconds = now.getTime() / 1000;
  if (payload.exp! > nowSeconds + MAX_LIFETIME_SECONDS + CLOCK_TOLERANCE_SECONDS) {
    throw new InvalidClientError('client_assertion exp is more than five minutes ahead');
  }
  // jose checks nbf but not an iat from the future: such an assertion was made for later use.
  if (typeof payload.iat === 'number' && payload.iat > nowSeconds + CLOCK_TOLERANCE_SECONDS) {
    throw new InvalidClientError('client_assertion iat is in the future');
  }
  if (typeof payload.jti !== 'string' || payload.jti === '' || payload.jti.length > 256) throw new InvalidClientError('client_assertion needs a jti');
  const firstUse = await deps.replays.remember(client.clientId, payload.jti, new Date((payload.exp! + CLOCK_TOLERANCE_SECONDS) * 1000), now);
  if (!firstUse) throw new InvalidClientError('client_assertion was already used (jti replay)');
  return client;
}
