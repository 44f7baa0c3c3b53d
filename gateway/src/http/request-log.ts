import { createMiddleware } from 'hono/factory';
import type { Logger } from '../log.ts';

/**
 * Logs each request's method, route pattern (never the concrete path or query, which can name
 * patients), status, duration and request id.
 */
export function requestLog(log: Logger) {
  return createMiddleware(async (c, next) => {
    const started = performance.now();
    await next();
    log.info('request', {
      method: c.req.method,
      route: c.req.routePath,
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
      requestId: c.get('requestId') as string | undefined,
    });
  });
}
