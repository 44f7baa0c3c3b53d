import { randomUUID } from 'node:crypto';
import { negotiateScopes, parseScopes } from '@portico/shared/smart/scopes';
import type { GrantRecord } from '../../db/oauth-records.ts';
import { invalidRequest, invalidScope, OAuthError } from '../errors.ts';
import { issueTokens, type TokenResponse } from '../tokens/token-response.ts';
import type { GrantContext } from './context.ts';

/**
 * The client_credentials grant of SMART Backend Services: only for clients registered for it, which
 * authenticated with a signed assertion; grants the requested `system/` scopes the client was
 * pre-authorized for, for five minutes, without a refresh token.
 */
export async function issueBackendToken(context: GrantContext): Promise<TokenResponse> {
  const { client, method } = context.client;
  if (!client.grantTypes.includes('client_credentials')) throw new OAuthError('unauthorized_client', 'This client is not registered for client_credentials');
  if (method !== 'private_key_jwt') throw new OAuthError('invalid_client', 'Backend services authenticate with private_key_jwt', 401);
  const requested = context.form.get('scope');
  if (!requested) throw invalidRequest('scope is required');
  const granted = negotiateScopes(
    parseScopes(requested).scopes.filter((s) => s.kind === 'resource' && s.level === 'system'),
    parseScopes(client.scope).scopes,
  );
  if (granted.length === 0) throw invalidScope('None of the requested scopes is one this client is authorized for');
  const now = context.now();
  const lifetime = context.lifetimes.backendAccessToken;
  const grant: GrantRecord = {
    id: randomUUID(),
    clientId: client.clientId,
    kind: 'backend',
    userId: null,
    patientId: null,
    encounterId: null,
    scope: granted.map((s) => s.raw).join(' '),
    sessionId: null,
    createdAt: now,
    expiresAt: new Date(now.getTime() + lifetime * 1000),
    revokedAt: null,
    revokedReason: null,
  };
  await context.store.grants.insert(grant);
  return issueTokens(grant, { scope: grant.scope, lifetimeSeconds: lifetime }, context.issue);
}
