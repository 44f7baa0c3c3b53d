import { randomUUID } from 'node:crypto';
import { parseScopes } from '@portico/shared/smart/scopes';
import type { AuthorizationCodeRecord, GrantRecord, RefreshTokenRecord, SessionRecord } from '../../db/oauth-records.ts';
import { invalidGrant, invalidRequest, type OAuthError } from '../errors.ts';
import { verifierMatches } from '../pkce.ts';
import { hashSecret, newSecret } from '../secrets.ts';
import { issueTokens, type TokenResponse } from '../tokens/token-response.ts';
import type { GrantContext } from './context.ts';

const THIRTY_DAYS_MS = 30 * 86_400_000;

/**
 * The authorization_code grant (RFC 6749 §4.1.3, RFC 7636 §4.6): the code is consumed, checked
 * against the client, redirect URI and PKCE verifier, and turned into a grant with its refresh token,
 * all in one transaction — so of two concurrent exchanges exactly one succeeds, and a replayed code
 * revokes what the first exchange issued.
 */
export async function exchangeAuthorizationCode(context: GrantContext): Promise<TokenResponse> {
  const { form, store, now } = context;
  const code = form.get('code');
  const redirectUri = form.get('redirect_uri');
  if (!code) throw invalidRequest('code is required');
  if (!redirectUri) throw invalidRequest('redirect_uri is required');
  const clientId = context.client.client.clientId;
  const refreshSecret = newSecret();

  const result = await store.codes.exchange<OAuthError>(hashSecret(code), now(), {
    check: (record) => {
      if (record.clientId !== clientId) return invalidGrant('The code was issued to another client');
      if (record.redirectUri !== redirectUri) return invalidGrant('redirect_uri differs from the one in the authorization request');
      if (!verifierMatches(form.get('code_verifier') ?? undefined, record.codeChallenge)) return invalidGrant('code_verifier does not match the code_challenge');
      return undefined;
    },
    grant: (record, session) => grantFrom(record, session, now()),
    refreshToken: (grant) => (wantsRefresh(grant.scope) ? refreshTokenRecord(refreshSecret, grant, now()) : undefined),
  });
  if (!result.ok) {
    switch (result.error.kind) {
      case 'unknown':
        throw invalidGrant('The code is invalid');
      case 'replayed':
        throw invalidGrant('The code was already used; what it was exchanged for has been revoked');
      case 'expired':
        throw invalidGrant('The code has expired');
      case 'rejected':
        throw result.error.error;
    }
  }
  const { grant, code: record } = result.value;
  const session = record.sessionId ? await store.sessions.findActive(record.sessionId, now()) : undefined;
  return issueTokens(
    grant,
    {
      scope: grant.scope,
      lifetimeSeconds: context.lifetimes.accessToken,
      refreshToken: wantsRefresh(grant.scope) ? refreshSecret : undefined,
      nonce: record.nonce,
      authTime: session?.createdAt ?? null,
      needPatientBanner: record.needPatientBanner,
      sessionId: record.sessionId,
    },
    context.issue,
  );
}

function grantFrom(code: AuthorizationCodeRecord, session: SessionRecord | undefined, now: Date): GrantRecord {
  const scopes = parseScopes(code.scope).scopes;
  // online_access and "only while I am signed in" tie the grant to the sign-in session: it is revoked
  // when the session is ended (sign-out) and expires when the session runs out.
  const sessionBound = code.duration === 'session' || scopes.some((s) => s.kind === 'online_access');
  const sessionEnd = session && session.endedAt === null ? session.expiresAt : now;
  return {
    id: randomUUID(),
    clientId: code.clientId,
    kind: 'user',
    userId: code.userId,
    patientId: code.patientId,
    encounterId: code.encounterId,
    scope: code.scope,
    sessionId: sessionBound ? code.sessionId : null,
    createdAt: now,
    expiresAt: sessionBound ? sessionEnd : code.duration === '30d' ? new Date(now.getTime() + THIRTY_DAYS_MS) : null,
    revokedAt: null,
    revokedReason: null,
  };
}

/** Refresh tokens only for `offline_access` or `online_access` (SMART App Launch). */
export function wantsRefresh(scope: string): boolean {
  return parseScopes(scope).scopes.some((s) => s.kind === 'offline_access' || s.kind === 'online_access');
}

export function refreshTokenRecord(secret: string, grant: GrantRecord, now: Date): RefreshTokenRecord {
  return { tokenHash: hashSecret(secret), grantId: grant.id, clientId: grant.clientId, createdAt: now, usedAt: null };
}
