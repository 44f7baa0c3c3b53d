import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { InvalidTokenError, type AccessTokenClaims } from '../../oauth/tokens/access-token.ts';
import { FhirError } from '../errors.ts';

export type FhirEnv = { Variables: { token: AccessTokenClaims } };

/**
 * Refuses a FHIR request without a valid bearer token in the `Authorization` header (RFC 6750 §2.1;
 * a token in the query string is ignored). The 401 carries `WWW-Authenticate: Bearer`, with
 * `error="invalid_token"` when a token was presented but failed.
 */
export function requireToken(
  verify: (token: string) => Promise<AccessTokenClaims>,
  realm: string,
  /** Records each refusal in the audit trail (with the claims of a genuine token whose grant is dead). */
  recordRefusal: (c: Context, claims: AccessTokenClaims | undefined, reason: string) => Promise<void> = async () => {},
) {
  return createMiddleware<FhirEnv>(async (c, next) => {
    const header = c.req.header('authorization');
    // Another scheme (Basic…) is no bearer token at all: a bare challenge, no error code (RFC 6750 §3.1).
    if (header === undefined || !/^bearer /i.test(header)) {
      await recordRefusal(c, undefined, 'no_token');
      throw unauthorized(realm, 'A bearer access token is required');
    }
    const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
    if (!match) {
      await recordRefusal(c, undefined, 'invalid_token');
      throw unauthorized(realm, 'The Authorization header must be "Bearer <token>"', 'invalid_token');
    }
    try {
      c.set('token', await verify(match[1]!));
    } catch (error) {
      if (error instanceof InvalidTokenError) {
        await recordRefusal(c, error.refused?.claims, error.refused?.reason ?? 'invalid_token');
        throw unauthorized(realm, error.message, 'invalid_token');
      }
      throw error;
    }
    await next();
  });
}

/** A 401 whose `WWW-Authenticate` challenge the error handler copies to the response. */
export class UnauthorizedError extends FhirError {
  constructor(challenge: string, diagnostics: string) {
    super(401, 'login', diagnostics);
    this.challenge = challenge;
  }
}

function unauthorized(realm: string, diagnostics: string, error?: 'invalid_token'): UnauthorizedError {
  const challenge = error
    ? `Bearer realm="${realm}", error="${error}", error_description="${diagnostics.replace(/"/g, "'")}"`
    : `Bearer realm="${realm}"`;
  return new UnauthorizedError(challenge, diagnostics);
}
