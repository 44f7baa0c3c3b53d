import { createMiddleware } from 'hono/factory';
import type { MiddlewareHandler } from 'hono';
import type { Config } from '../config.ts';

type HeaderSet = Readonly<Record<string, string>>;

/** RFC 6749 §5.1 and SMART: token endpoint answers are never cached. */
export const NO_STORE_HEADERS = { 'Cache-Control': 'no-store', Pragma: 'no-cache' } as const;

/** Headers every response gets: no sniffing, no referrer, no framing, HSTS behind https. */
function common(config: Config): Record<string, string> {
  return {
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    ...(config.publicUrl.startsWith('https:') ? { 'Strict-Transport-Security': 'max-age=31536000; includeSubDomains' } : {}),
  };
}

/**
 * Headers of JSON APIs that any origin may call with a bearer token and no cookies (the FHIR API,
 * discovery, JWKS): CORS for `*` (RFC 6750 tokens are not ambient credentials) and a CSP that lets
 * a response load and frame nothing.
 */
export function publicApiHeaders(config: Config): HeaderSet {
  return Object.freeze({
    ...common(config),
    'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Expose-Headers': 'Location, ETag, Last-Modified, Content-Location, WWW-Authenticate, X-Request-Id',
  });
}

/** Headers of HTML pages: same-origin resources only, never framed (clickjacking). */
export function pageHeaders(config: Config): HeaderSet {
  return Object.freeze({
    ...common(config),
    'Content-Security-Policy': "default-src 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'none'; form-action 'self'",
    'Cross-Origin-Opener-Policy': 'same-origin',
  });
}

/** Adds `headers` (and the request id) to responses that do not set them already. */
export function withHeaders(headers: HeaderSet): MiddlewareHandler {
  const entries = Object.entries(headers);
  return createMiddleware(async (c, next) => {
    await next();
    const target = c.res.headers;
    for (const [name, value] of entries) if (!target.has(name)) target.set(name, value);
    target.set('X-Request-Id', c.get('requestId') as string);
  });
}

/**
 * Runs `middleware` except on the given paths and below them. The FHIR API and the token endpoints
 * build their responses with every header in one plain object (their hot paths); touching
 * `c.res.headers` afterwards would make each response build a WHATWG Headers object again.
 */
export function except(prefixes: readonly string[], middleware: MiddlewareHandler): MiddlewareHandler {
  return async (c, next) => (prefixes.some((p) => c.req.path === p || c.req.path.startsWith(`${p}/`)) ? next() : middleware(c, next));
}
