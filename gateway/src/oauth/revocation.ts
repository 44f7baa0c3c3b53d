import type { GrantRecord } from '../db/oauth-records.ts';
import type { ClientRecord, GatewayStore } from '../db/store.ts';
import { hashSecret } from './secrets.ts';
import type { AccessTokenClaims } from './tokens/access-token.ts';

export interface RevocationDeps {
  readonly store: GatewayStore;
  readonly verifyAccessToken: (token: string) => Promise<AccessTokenClaims>;
  readonly now: () => Date;
}

/**
 * RFC 7009 revocation by the client the token was issued to. Revoking either token of a grant ends
 * the grant: its refresh token and every access token die on their next use (the resource server
 * checks the grant on each request). Unknown tokens and other clients' tokens change nothing and are
 * not reported (§2.2: the answer is 200 either way). Returns the grant it ended, for the audit trail.
 */
export async function revokeToken(client: ClientRecord, token: string, deps: RevocationDeps): Promise<GrantRecord | undefined> {
  if (token === '' || token.length > 8192) return undefined;
  const refresh = await deps.store.refreshTokens.find(hashSecret(token));
  let grantId: string | undefined;
  if (refresh) {
    if (refresh.clientId === client.clientId) grantId = refresh.grantId;
  } else if (token.split('.').length === 3) {
    try {
      const claims = await deps.verifyAccessToken(token);
      if (claims.client_id === client.clientId && claims.grant_id) grantId = claims.grant_id;
    } catch {
      // Already invalid: nothing to revoke.
    }
  }
  if (grantId === undefined) return undefined;
  await deps.store.grants.revoke(grantId, 'revoked by the client', deps.now());
  return deps.store.grants.find(grantId);
}
