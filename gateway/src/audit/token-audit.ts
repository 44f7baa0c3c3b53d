import type { Context } from 'hono';
import type { AuditRepository } from '../db/audit-records.ts';
import type { GrantRecord } from '../db/oauth-records.ts';
import { OAuthError } from '../oauth/errors.ts';
import { recordAudit, requestOrigin } from './record-audit.ts';

/**
 * Token endpoint events: `token`/`issued` (a code exchange or a backend token), `token`/`refreshed`,
 * `token`/`refused`, `token`/`revoked`. Rows name the grant, app, user, patient and the scopes —
 * never a token, code, verifier or secret.
 */

interface IssuedClaims {
  sub?: string;
  client_id?: string;
  grant_id?: string;
  patient?: string;
  fhirUser?: string;
  scope?: string;
}

/** Records the tokens just issued, from the claims of the access token the gateway itself signed. */
export async function recordTokenIssued(audit: AuditRepository, c: Context, grantType: string, response: unknown): Promise<void> {
  const claims = ownClaims((response as { access_token?: unknown }).access_token);
  const isBackend = claims.sub !== undefined && claims.sub === claims.client_id;
  await recordAudit(audit, {
    category: 'token',
    action: grantType === 'refresh_token' ? 'refreshed' : 'issued',
    outcome: 'success',
    userId: isBackend ? null : (claims.sub ?? null),
    fhirUser: claims.fhirUser ?? null,
    clientId: claims.client_id ?? null,
    grantId: claims.grant_id ?? null,
    patientId: claims.patient ?? null,
    ...requestOrigin(c),
    detail: `${grantType}: ${claims.scope ?? ''}`,
  });
}

/** Records a refused token request: the OAuth error code, the grant type and the client it named. */
export async function recordTokenRefused(audit: AuditRepository, c: Context, form: URLSearchParams, clientId: string | undefined, error: OAuthError): Promise<void> {
  const grantType = form.get('grant_type') ?? '';
  await recordAudit(audit, {
    category: 'token',
    action: 'refused',
    outcome: error.status === 401 ? 'denied' : 'failure',
    clientId: boundedName(clientId ?? form.get('client_id')),
    ...requestOrigin(c),
    detail: `${error.code}${/^[a-z_:.-]{1,64}$/i.test(grantType) ? ` (${grantType})` : ''}`,
  });
}

/** Records a grant ended by RFC 7009 revocation, with the user and patient it was for. */
export async function recordTokenRevoked(audit: AuditRepository, c: Context, grant: GrantRecord): Promise<void> {
  await recordAudit(audit, {
    category: 'token',
    action: 'revoked',
    outcome: 'success',
    userId: grant.userId,
    clientId: grant.clientId,
    grantId: grant.id,
    patientId: grant.patientId,
    ...requestOrigin(c),
    detail: 'revoked by the client',
  });
}

/** The payload of a JWT the gateway signed a moment ago (no verification needed: it never left). */
function ownClaims(token: unknown): IssuedClaims {
  if (typeof token !== 'string') return {};
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as IssuedClaims;
  } catch {
    return {};
  }
}

/** A caller-supplied name kept only when it looks like an identifier (it is the caller's input). */
function boundedName(value: string | null | undefined): string | null {
  return value && /^[\x21-\x7e]{1,128}$/.test(value) ? value : null;
}
