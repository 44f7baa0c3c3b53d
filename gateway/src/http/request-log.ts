import { createMiddleware } from 'hono/factory';
import type { Logger } from '../log.ts';

/** Requests slower than this are logged even when only errors are. */
const SLOW_MS = 1000;

/**
 * Logs a request's method, route pattern (never the concrete path or query, which can name
 * patients), status, duration and request id: every request (`all`), or only those that failed or
 * were slow (`errors`, the default: who read what is the audit log's job, and a line per read costs
 * the hot path).
 */
export function requestLog(log: Logger, which: 'all' | 'errors' | 'none') {
  return createMiddleware(async (c, next) => {
    if (which === 'none') return next();
    const started = performance.now();
    await next();
    const ms = performance.now() - started;
    if (which === 'errors' && c.res.status < 400 && ms < SLOW_MS) return;
    log.info('request', {
      method: c.req.method,
      route: c.req.routePath,
      status: c.res.status,
      ms: Math.round(ms * 10) / 10,
      requestId: c.get('requestId') as string | undefined,
    });
  });
}
