/** Error codes of the connected-apps API (RFC 6750 §3.1, plus `not_found`). */
export type ConnectedAppsErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'not_found';

const STATUS: Readonly<Record<ConnectedAppsErrorCode, 400 | 401 | 403 | 404>> = {
  invalid_request: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  not_found: 404,
};

/**
 * A refusal of the connected-apps API, rendered as `{ error, error_description }` with its status
 * (and a `WWW-Authenticate: Bearer` challenge for 401 and 403) by the router's error handler.
 */
export class ConnectedAppsError extends Error {
  readonly status: 400 | 401 | 403 | 404;

  constructor(
    readonly code: ConnectedAppsErrorCode,
    readonly description: string,
    /** No credentials were presented at all: the challenge names only the scheme (RFC 6750 §3.1). */
    readonly noCredentials = false,
  ) {
    super(description);
    this.name = 'ConnectedAppsError';
    this.status = STATUS[code];
  }

  toJSON(): { error: ConnectedAppsErrorCode; error_description: string } {
    return { error: this.code, error_description: this.description };
  }
}

export const appNotFound = () => new ConnectedAppsError('not_found', 'No app is connected to your record under that id');
