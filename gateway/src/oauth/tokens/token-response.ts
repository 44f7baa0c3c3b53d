import { parseScopes } from '@portico/shared/smart/scopes';
import type { GrantRecord } from '../../db/oauth-records.ts';
import type { GatewayStore } from '../../db/store.ts';
import type { KeyRing } from '../../keys/key-ring.ts';
import { signAccessToken, type TokenSettings } from './access-token.ts';
import { signIdToken } from './id-token.ts';

/** The token endpoint's success body (RFC 6749 §5.1 with the SMART App Launch context parameters). */
export interface TokenResponse {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
  readonly scope: string;
  readonly refresh_token?: string;
  readonly id_token?: string;
  readonly patient?: string;
  readonly encounter?: string;
  readonly need_patient_banner?: boolean;
  readonly smart_style_url?: string;
}

export interface IssueDeps {
  readonly keys: KeyRing;
  readonly store: GatewayStore;
  readonly settings: TokenSettings;
  readonly fhirBaseUrl: string;
  readonly styleUrl: string;
}

export interface IssueOptions {
  /** The scopes of this access token: the grant's, or a subset asked for at refresh. */
  readonly scope: string;
  readonly lifetimeSeconds: number;
  readonly refreshToken?: string;
  readonly nonce?: string | null;
  readonly authTime?: Date | null;
  readonly needPatientBanner?: boolean;
  /** The sign-in session the grant was authorized in: named (hashed) by the id_token's `sid`. */
  readonly sessionId?: string | null;
  /** Whether to issue an id_token when `openid` is granted: at the code exchange, not at refresh. */
  readonly withIdToken?: boolean;
}

/**
 * Signs the tokens of a grant and assembles the response: an ES256 access token bound to the grant,
 * an RS256 id_token when `openid` is in scope (with `fhirUser` when that is too), and the launch
 * context. The caller has already persisted the grant: no token exists without a revocable grant.
 */
export async function issueTokens(grant: GrantRecord, options: IssueOptions, deps: IssueDeps): Promise<TokenResponse> {
  const scopes = parseScopes(options.scope).scopes;
  const user = grant.userId ? await deps.store.users.findById(grant.userId) : undefined;
  const fhirUser = user?.fhirUser ? `${deps.fhirBaseUrl}/${user.fhirUser}` : null;
  const grantsFhirUser = scopes.some((s) => s.kind === 'fhirUser');
  const { token } = await signAccessToken(
    deps.keys,
    deps.settings,
    {
      sub: grant.userId ?? grant.clientId,
      client_id: grant.clientId,
      scope: options.scope,
      grant_id: grant.id,
      ...(grant.patientId ? { patient: grant.patientId } : {}),
      ...(grant.encounterId ? { encounter: grant.encounterId } : {}),
      ...(fhirUser && grantsFhirUser ? { fhirUser } : {}),
    },
    options.lifetimeSeconds,
  );
  const idToken =
    options.withIdToken !== false && scopes.some((s) => s.kind === 'openid') && grant.userId
      ? await signIdToken(
          deps.keys,
          deps.settings,
          {
            sub: grant.userId,
            clientId: grant.clientId,
            nonce: options.nonce ?? null,
            fhirUser: grantsFhirUser ? fhirUser : null,
            authTime: options.authTime ?? null,
            sessionId: options.sessionId ?? grant.sessionId,
            grantId: grant.id,
          },
          options.lifetimeSeconds,
        )
      : undefined;
  return {
    access_token: token,
    token_type: 'Bearer',
    expires_in: options.lifetimeSeconds,
    scope: options.scope,
    ...(options.refreshToken ? { refresh_token: options.refreshToken } : {}),
    ...(idToken ? { id_token: idToken } : {}),
    ...(grant.patientId ? { patient: grant.patientId } : {}),
    ...(grant.encounterId ? { encounter: grant.encounterId } : {}),
    ...(grant.kind === 'user' ? { need_patient_banner: options.needPatientBanner ?? true, smart_style_url: deps.styleUrl } : {}),
  };
}
