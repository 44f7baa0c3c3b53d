import { formatScope, negotiateScopes, parseScopes, type Scope } from '@portico/shared/smart/scopes';
import type { LaunchContext } from '../../db/oauth-records.ts';
import type { ClientRecord, GatewayStore } from '../../db/store.ts';
import { invalidRequest, OAuthError, UnsafeRedirectError } from '../errors.ts';
import { hashSecret } from '../secrets.ts';
import { SERVED_RESOURCES } from '../../fhir/search-parameters.ts';

/** An /authorize request that passed every check (RFC 6749 §4.1.1, SMART App Launch, RFC 7636). */
export interface ValidAuthorizationRequest {
  readonly client: ClientRecord;
  readonly redirectUri: string;
  readonly state: string;
  /** Requested scopes the client may ask for (unknown and disallowed ones dropped). */
  readonly scopes: readonly Scope[];
  readonly codeChallenge: string;
  readonly nonce: string | null;
  /** The EHR launch context, when the app was launched with `launch`. */
  readonly launch: LaunchContext | null;
}

export interface AuthorizeDeps {
  readonly store: GatewayStore;
  readonly fhirBaseUrl: string;
  readonly now: () => Date;
}

/** When a check fails after the client and redirect URI are known, the error goes back to the app. */
export class RedirectableError extends OAuthError {
  constructor(
    readonly redirectUri: string,
    readonly state: string | undefined,
    cause: OAuthError,
  ) {
    super(cause.code, cause.description, cause.status, true);
  }
}

const MAX_PARAM_LENGTH = 4096;
const CODE_CHALLENGE = /^[A-Za-z0-9\-._~]{43,128}$/;

/**
 * Checks an authorization request in the order that keeps redirects safe: client and redirect URI
 * first (by exact string; a failure there is shown to the user and redirects nowhere), then
 * everything else, whose failures go back to the app's redirect URI with `state`.
 */
export async function validateAuthorizationRequest(
  params: URLSearchParams,
  deps: AuthorizeDeps,
): Promise<ValidAuthorizationRequest> {
  const single = (name: string) => {
    const values = params.getAll(name);
    if (values.length > 1) return { duplicate: true as const };
    const value = values[0];
    if (value !== undefined && (value.length > MAX_PARAM_LENGTH || value.includes('\0'))) return { duplicate: true as const };
    return { value };
  };

  const clientParam = single('client_id');
  const redirectParam = single('redirect_uri');
  if ('duplicate' in clientParam || !clientParam.value) throw new UnsafeRedirectError('invalid_request', 'client_id is missing or invalid');
  const client = await deps.store.clients.findById(clientParam.value);
  if (!client || client.disabledAt !== null) throw new UnsafeRedirectError('invalid_request', 'This app is not registered here, or it is disabled');
  if (!client.grantTypes.includes('authorization_code')) {
    throw new UnsafeRedirectError('unauthorized_client', 'This app may not sign users in');
  }
  if ('duplicate' in redirectParam || !redirectParam.value || !client.redirectUris.includes(redirectParam.value)) {
    throw new UnsafeRedirectError('invalid_request', 'The redirect_uri is not one registered for this app');
  }
  const redirectUri = redirectParam.value;
  const stateParam = single('state');
  const state = 'duplicate' in stateParam ? undefined : stateParam.value;
  const fail = (error: OAuthError): never => {
    throw new RedirectableError(redirectUri, state, error);
  };

  for (const name of ['response_type', 'scope', 'state', 'aud', 'code_challenge', 'code_challenge_method', 'launch', 'nonce']) {
    if ('duplicate' in single(name)) fail(invalidRequest(`${name} must be given once and be well-formed`));
  }
  const get = (name: string) => params.get(name) ?? undefined;

  const responseType = get('response_type');
  if (responseType === undefined) fail(invalidRequest('response_type is required'));
  if (responseType !== 'code') fail(new OAuthError('unsupported_response_type', 'Only response_type=code is supported'));
  if (!state) fail(invalidRequest('state is required'));
  if (!sameFhirBase(get('aud'), deps.fhirBaseUrl)) fail(invalidRequest(`aud must be this server's FHIR base URL, ${deps.fhirBaseUrl}`));

  const challenge = get('code_challenge');
  const method = get('code_challenge_method');
  if (challenge === undefined) fail(invalidRequest('PKCE is required: send code_challenge with code_challenge_method=S256'));
  if (method !== 'S256') fail(invalidRequest('code_challenge_method must be S256 (plain is not supported)'));
  if (!CODE_CHALLENGE.test(challenge!)) fail(invalidRequest('code_challenge is not a valid S256 challenge'));

  const scopeText = get('scope');
  if (!scopeText || scopeText.trim() === '') fail(invalidRequest('scope is required'));
  // Unknown scopes and resource types this server does not serve are dropped, not fatal (SMART
  // SL-10); system/ scopes belong to backend services, never to a person's authorization.
  const requested = parseScopes(scopeText!).scopes.filter((s) => s.kind !== 'resource' || s.level !== 'system');
  // AuditEvent is served too, from the audit trail (to admins only: see audit/audit-event-routes.ts).
  const scopes = negotiateScopes(requested, parseScopes(client.scope).scopes, { resourceTypes: [...Object.keys(SERVED_RESOURCES), 'AuditEvent'] });

  let launch: LaunchContext | null = null;
  const launchId = get('launch');
  const asksForLaunch = scopes.some((s) => s.kind === 'launch' && s.context === undefined);
  if (launchId !== undefined) {
    const found = await deps.store.launches.consume(hashSecret(launchId), client.clientId, deps.now());
    if (!found) fail(invalidRequest('The launch is unknown, expired, already used, or for another app'));
    launch = { patientId: found!.patientId, encounterId: found!.encounterId, userId: found!.userId };
  } else if (asksForLaunch) {
    fail(invalidRequest('The scope launch needs the launch parameter the EHR gave the app'));
  }

  const nonce = get('nonce') ?? null;
  return { client, redirectUri, state: state!, scopes, codeChallenge: challenge!, nonce, launch };
}

/** `aud` names this server's FHIR base; one trailing slash is forgiven. */
function sameFhirBase(aud: string | undefined, fhirBaseUrl: string): boolean {
  return aud !== undefined && (aud === fhirBaseUrl || aud === `${fhirBaseUrl}/`);
}

/** The space-separated form of negotiated scopes, as stored and shown. */
export function scopeText(scopes: readonly Scope[]): string {
  return scopes.map(formatScope).join(' ');
}
