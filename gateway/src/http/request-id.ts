import { randomUUID } from 'node:crypto';
import { createMiddleware } from 'hono/factory';

const INCOMING = /^[A-Za-z0-9._-]{8,128}$/;

/**
 * Gives each request an id for logs and error messages: a caller's well-formed `X-Request-Id`, else
 * a new UUID. Responses echo it (see headers.ts and the FHIR responder).
 */
export function requestId() {
  return createMiddleware<{ Variables: { requestId: string } }>(async (c, next) => {
    const incoming = c.req.header('x-request-id');
    c.set('requestId', incoming !== undefined && INCOMING.test(incoming) ? incoming : randomUUID());
    await next();
  });
}
