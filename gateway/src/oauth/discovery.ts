import { ASSERTION_ALGORITHMS } from './client-assertion.ts';

/** The authorization server's endpoints, all absolute (SMART: discovery URLs SHALL be absolute). */
export interface Endpoints {
  readonly issuer: string;
  readonly fhirBaseUrl: string;
  readonly authorize: string;
  readonly token: string;
  readonly introspect: string;
  readonly revoke: string;
  readonly register: string;
  readonly manage: string;
  readonly jwks: string;
  readonly style: string;
  /** OpenID Connect RP-Initiated Logout 1.0. */
  readonly endSession: string;
}

export function endpointsOf(publicUrl: string): Endpoints {
  return {
    issuer: publicUrl,
    fhirBaseUrl: `${publicUrl}/fhir`,
    authorize: `${publicUrl}/auth/authorize`,
    token: `${publicUrl}/auth/token`,
    introspect: `${publicUrl}/auth/introspect`,
    revoke: `${publicUrl}/auth/revoke`,
    register: `${publicUrl}/auth/register`,
    manage: `${publicUrl}/portal/apps`,
    jwks: `${publicUrl}/.well-known/jwks.json`,
    style: `${publicUrl}/auth/smart-style/v1.json`,
    endSession: `${publicUrl}/auth/logout`,
  };
}

/** Scopes this server offers (a representative list: SMART allows it to be non-exhaustive). */
export const SCOPES_SUPPORTED = [
  'openid',
  'fhirUser',
  'profile',
  'launch',
  'launch/patient',
  'launch/encounter',
  'offline_access',
  'online_access',
  'patient/*.cruds',
  'patient/*.rs',
  'patient/*.read',
  'patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs',
  'user/*.cruds',
  'user/*.rs',
  'system/*.rs',
];

export const CAPABILITIES = [
  'launch-ehr',
  'launch-standalone',
  'authorize-post',
  'client-public',
  'client-confidential-symmetric',
  'client-confidential-asymmetric',
  // SMART 2.x names (g10 requires them) and the 1.0 names they replaced, for older clients.
  'context-banner',
  'context-style',
  'context-passthrough-banner',
  'context-passthrough-style',
  'context-ehr-patient',
  'context-ehr-encounter',
  'context-standalone-patient',
  'permission-offline',
  'permission-online',
  'permission-patient',
  'permission-user',
  'permission-v1',
  'permission-v2',
  'sso-openid-connect',
];

const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'];

/** `{FHIR base}/.well-known/smart-configuration` (SMART App Launch 2.2, conformance). */
export function smartConfiguration(e: Endpoints) {
  return {
    issuer: e.issuer,
    jwks_uri: e.jwks,
    authorization_endpoint: e.authorize,
    token_endpoint: e.token,
    introspection_endpoint: e.introspect,
    revocation_endpoint: e.revoke,
    registration_endpoint: e.register,
    management_endpoint: e.manage,
    end_session_endpoint: e.endSession,
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    token_endpoint_auth_methods_supported: AUTH_METHODS,
    token_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGORITHMS,
    scopes_supported: SCOPES_SUPPORTED,
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
    capabilities: CAPABILITIES,
  };
}

/** `{issuer}/.well-known/openid-configuration` (OpenID Connect Discovery 1.0). */
export function openidConfiguration(e: Endpoints) {
  return {
    issuer: e.issuer,
    authorization_endpoint: e.authorize,
    token_endpoint: e.token,
    jwks_uri: e.jwks,
    registration_endpoint: e.register,
    introspection_endpoint: e.introspect,
    revocation_endpoint: e.revoke,
    end_session_endpoint: e.endSession,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    token_endpoint_auth_methods_supported: AUTH_METHODS,
    token_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGORITHMS,
    scopes_supported: SCOPES_SUPPORTED,
    claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'fhirUser', 'sid'],
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
  };
}

/** The SMART style document apps may fetch to match the portal (`smart_style_url`). */
export const SMART_STYLE = {
  color_background: '#f5f7f9',
  color_error: '#a4161a',
  color_highlight: '#0b5cad',
  color_modal_backdrop: 'rgba(27, 39, 51, 0.5)',
  color_success: '#2b7a3d',
  color_text: '#1b2733',
  dim_border_radius: '8px',
  dim_font_size: '16px',
  dim_spacing_size: '16px',
  font_family_body: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  font_family_heading: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
};
