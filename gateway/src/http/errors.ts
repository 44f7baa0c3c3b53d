import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { FhirError, operationOutcome } from '../fhir/errors.ts';
import type { FhirResponder } from '../fhir/http/respond.ts';
import type { Logger } from '../log.ts';
import { InvalidClientError, OAuthError } from '../oauth/errors.ts';
import { NO_STORE_HEADERS } from './headers.ts';

/**
 * The one place where errors become HTTP responses. Typed errors carry their own status and body;
 * anything else is a 500 that tells the client only a request id (the details go to the log).
 */
export function errorHandler(log: Logger, fhir: FhirResponder, apiHeaders: Readonly<Record<string, string>>) {
  return (error: Error, c: Context): Response => {
    const onFhir = c.req.path === '/fhir' || c.req.path.startsWith('/fhir/');
    if (error instanceof FhirError) {
      const headers: Record<string, string> = error.challenge ? { 'WWW-Authenticate': error.challenge } : {};
      return fhir.json(c, error.status, error.outcome, headers);
    }
    if (error instanceof OAuthError) {
      // The same headers as the endpoint's successes: CORS (a browser app must be able to read the
      // error) and no caching.
      const headers: Record<string, string> = { ...apiHeaders, ...NO_STORE_HEADERS };
      // RFC 6749 §5.2: a client that tried HTTP authentication gets the scheme it should use.
      if (error instanceof InvalidClientError && error.usedAuthorizationHeader) headers['WWW-Authenticate'] = 'Basic realm="portico"';
      return c.json(error.toJSON(), error.status as 400, headers);
    }
    if (error instanceof HTTPException && error.status < 500) {
      if (!onFhir) return error.getResponse();
      return fhir.json(c, error.status, operationOutcome([{ severity: 'error', code: 'invalid', diagnostics: error.message || 'Bad request' }]));
    }
    const requestId = c.get('requestId') as string | undefined;
    log.error('unhandled error', { requestId, error: error.name, message: error.message, stack: error.stack?.split('\n')[1]?.trim() });
    const diagnostics = `Internal error; quote request id ${requestId ?? 'unknown'} when reporting it`;
    if (onFhir) return fhir.json(c, 500, operationOutcome([{ severity: 'error', code: 'exception', diagnostics }]));
    return c.json({ error: 'server_error', error_description: diagnostics }, 500);
  };
}
