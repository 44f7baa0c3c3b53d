import type { GatewayStore } from '../db/store.ts';
import { hashSecret } from './secrets.ts';
import type { AccessTokenClaims } from './tokens/access-token.ts';

export type IntrospectionResponse =
  | { readonly active: false }
  | {
      readonly active: true;
      readonly token_type: 'Bearer' | 'refresh_token';
      readonly scope: string;
      readonly client_id: string;
      readonly sub: string;
      readonly iss: string;
      readonly exp?: number;
      readonly iat?: number;
      readonly patient?: string;
      readonly encounter?: string;
      readonly fhirUser?: string;
    };

export interface IntrospectionDeps {
  readonly store: GatewayStore;
  /** Verifies an access token's signature, expiry, audience and that its grant is alive. */
  readonly verifyAccessToken: (token: string) => Promise<AccessTokenClaims>;
  readonly issuer: string;
  readonly now: () => Date;
}

/**
 * RFC 7662 introspection of an access token or a refresh token issued here. Anything not active —
 * unknown, malformed, expired, revoked — is `{"active": false}` and nothing more (§2.2).
 */
export async function introspect(token: string, deps: IntrospectionDeps): Promise<IntrospectionResponse> {
  const inactive = { active: false } as const;
  if (token === '' || token.length > 8192) return inactive;
  if (token.split('.').length === 3) {
    try {
      const claims = await deps.verifyAccessToken(token);
      return {
        active: true,
        token_type: 'Bearer',
        scope: claims.scope,
        client_id: claims.client_id,
        sub: claims.sub,
        iss: claims.iss,
        exp: claims.exp,
        iat: claims.iat,
        ...(claims.patient ? { patient: claims.patient } : {}),
        ...(claims.encounter ? { encounter: claims.encounter } : {}),
        ...(claims.fhirUser ? { fhirUser: claims.fhirUser } : {}),
      };
    } catch {
      return inactive;
    }
  }
  const refresh = await deps.store.refreshTokens.find(hashSecret(token));
  if (!refresh || refresh.usedAt !== null || !(await deps.store.grants.isActive(refresh.grantId, deps.now()))) return inactive;
  const grant = (await deps.store.grants.find(refresh.grantId))!;
  const user = grant.userId ? await deps.store.users.findById(grant.userId) : undefined;
  return {
    active: true,
    token_type: 'refresh_token',
    scope: grant.scope,
    client_id: grant.clientId,
    sub: grant.userId ?? grant.clientId,
    iss: deps.issuer,
    iat: Math.floor(refresh.createdAt.getTime() / 1000),
    ...(grant.expiresAt ? { exp: Math.floor(grant.expiresAt.getTime() / 1000) } : {}),
    ...(grant.patientId ? { patient: grant.patientId } : {}),
    ...(grant.encounterId ? { encounter: grant.encounterId } : {}),
    ...(user?.fhirUser ? { fhirUser: user.fhirUser } : {}),
  };
}
