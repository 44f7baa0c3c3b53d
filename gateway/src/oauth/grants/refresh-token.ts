import { isSubsetOf, parseScopes } from '@portico/shared/smart/scopes';
import { invalidGrant, invalidRequest, invalidScope, type OAuthError } from '../errors.ts';
import { hashSecret, newSecret } from '../secrets.ts';
import { issueTokens, type TokenResponse } from '../tokens/token-response.ts';
import { refreshTokenRecord } from './authorization-code.ts';
import type { GrantContext } from './context.ts';

/**
 * The refresh_token grant (RFC 6749 §6): bound to its client, rotated on every use (the old token
 * dies, a new one is returned), and a reused token revokes the whole grant (RFC 9700 §4.14.2). A
 * refresh may ask for a subset of the grant's scopes (the same set included), never more.
 */
export async function refreshAccessToken(context: GrantContext): Promise<TokenResponse> {
  const { form, store, now } = context;
  const presented = form.get('refresh_token');
  if (!presented) throw invalidRequest('refresh_token is required');
  const requestedScope = form.get('scope');
  const clientId = context.client.client.clientId;
  const successorSecret = newSecret();

  const result = await store.refreshTokens.rotate<OAuthError>(
    hashSecret(presented),
    now(),
    (token, grant) => {
      if (token.clientId !== clientId) return invalidGrant('The refresh token was issued to another client');
      if (requestedScope !== null && !isGrantedSubset(requestedScope, grant.scope)) {
        return invalidScope('A refresh may ask only for scopes already granted');
      }
      return undefined;
    },
    (grant) => refreshTokenRecord(successorSecret, grant, now()),
  );
  if (!result.ok) {
    switch (result.error.kind) {
      case 'unknown':
        throw invalidGrant('The refresh token is invalid');
      case 'replayed':
        throw invalidGrant('The refresh token was already used; the grant has been revoked');
      case 'inactive':
        throw invalidGrant('The grant behind this refresh token was revoked or has expired');
      case 'rejected':
        throw result.error.error;
    }
  }
  const { grant } = result.value;
  return issueTokens(
    grant,
    {
      // The exact strings asked for (or the grant's), so a v1 scope stays v1 and `.rs` is not split.
      scope: requestedScope === null ? grant.scope : parseScopes(requestedScope).scopes.map((s) => s.raw).join(' '),
      lifetimeSeconds: context.lifetimes.accessToken,
      refreshToken: successorSecret,
      // OpenID Connect Core §12.2: a refresh response need not carry an id_token; the app already has
      // one, and an RSA signature would triple the cost of a refresh.
      withIdToken: false,
    },
    context.issue,
  );
}

/** Some of the granted scopes, nothing else: an empty request or an unknown scope is not a subset (RFC 6749 §6). */
function isGrantedSubset(requested: string, granted: string): boolean {
  const { scopes, unknown } = parseScopes(requested);
  return scopes.length > 0 && unknown.length === 0 && isSubsetOf(scopes, parseScopes(granted).scopes);
}
