/** Error codes of RFC 6749 §4.1.2.1 and §5.2, RFC 7591 §3.2.2 and RFC 6750 §3.1 that Portico uses. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'invalid_redirect_uri'
  | 'invalid_client_metadata'
  | 'invalid_token'
  | 'login_required';

/**
 * An OAuth error: the code, a description safe to show the client (never a token, code, verifier or
 * secret), and its HTTP status. `redirectable` is false for errors found before the client and its
 * redirect URI were confirmed: those are shown on an error page, never sent to the redirect URI.
 */
export class OAuthError extends Error {
  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
    readonly status = 400,
    readonly redirectable = true,
  ) {
    super(description);
    this.name = 'OAuthError';
  }

  toJSON(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.code, error_description: this.description };
  }
}

export const invalidRequest = (description: string) => new OAuthError('invalid_request', description);
export const invalidGrant = (description: string) => new OAuthError('invalid_grant', description);
export const invalidScope = (description: string) => new OAuthError('invalid_scope', description);

/** 401, with `WWW-Authenticate` when the client tried HTTP authentication (RFC 6749 §5.2). */
export class InvalidClientError extends OAuthError {
  constructor(
    description: string,
    readonly usedAuthorizationHeader = false,
  ) {
    super('invalid_client', description, 401);
  }
}

/** Found before the client and redirect URI were confirmed: shown to the user, never redirected. */
export class UnsafeRedirectError extends OAuthError {
  constructor(code: OAuthErrorCode, description: string) {
    super(code, description, 400, false);
  }
}
