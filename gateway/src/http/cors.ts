import type { MiddlewareHandler } from 'hono';

export interface PreflightOptions {
  readonly allowMethods: readonly string[];
  readonly allowHeaders: readonly string[];
}

/**
 * Answers CORS preflights for APIs open to every origin; mount it on OPTIONS routes only, so that it
 * costs the other methods nothing. The CORS headers of actual responses are part of the API's static
 * headers (publicApiHeaders), so errors carry them too: a 401 without them is a network error to a
 * browser app.
 */
export function corsPreflight(options: PreflightOptions): MiddlewareHandler {
  const allowMethods = options.allowMethods.join(', ');
  const allowHeaders = options.allowHeaders.join(', ');
  return async (c, next) => {
    if (c.req.header('access-control-request-method') === undefined) return next();
    return c.body(null, 204, {
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Methods': allowMethods,
      'Access-Control-Allow-Headers': allowHeaders,
      'Access-Control-Max-Age': '600',
    });
  };
}
