import { randomUUID } from 'node:crypto';
import { createMiddleware } from 'hono/factory';
import type { Logger } from '../log.ts';

const INCOMING_ID = /^[A-Za-z0-9._-]{8,128}$/;
/** Requests slower than this are logged even when only errors are. */
const SLOW_MS = 1000;

/**
 * The first middleware of every request (one layer, as it runs on the hot path):
 * - gives the request an id for logs and error messages — a caller's well-formed `X-Request-Id`, else
 *   a new UUID — which responses echo (headers.ts, the FHIR responder);
 * - logs its method, route pattern (never the concrete path or query, which can name patients),
 *   status, duration and id: for every request (`all`), or only failed or slow ones (`errors`, the
 *   default: who read what is the audit log's job, and a line per read costs the hot path).
 */
export function requestContext(log: Logger, which: 'all' | 'errors' | 'none') {
  return createMiddleware<{ Variables: { requestId: string } }>(async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming !== undefined && INCOMING_ID.test(incoming) ? incoming : randomUUID();
    c.set('requestId', requestId);
    if (which === 'none') return next();
    const started = performance.now();
    await next();
    const ms = performance.now() - started;
    if (which === 'errors' && c.res.status < 400 && ms < SLOW_MS) return;
    log.info('request', { method: c.req.method, route: c.req.routePath, status: c.res.status, ms: Math.round(ms * 10) / 10, requestId });
  });
}
