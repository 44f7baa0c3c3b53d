import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { PortalNotBuiltPage } from './portal-not-built-page.tsx';

/** Where `npm run build -w portal` puts the portal, found from this module (not the working directory). */
export const DEFAULT_PORTAL_DIST = fileURLToPath(new URL('../../../portal/dist', import.meta.url));

/**
 * The portal's CSP: its own scripts, styles (plus inline style attributes Preact sets), images,
 * service worker and same-origin fetches to /fhir and /auth; never framed.
 */
export const PORTAL_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "connect-src 'self'",
  "worker-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "manifest-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Revalidated on every load: what decides which build a browser runs. */
const ALWAYS_REVALIDATE = new Set(['index.html', 'sw.js', 'manifest.webmanifest', 'registerSW.js']);
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * The built patient portal at `/portal/…` (vite `base: '/portal/'`): files from `distDir`, and
 * index.html for any other path below /portal/ that does not look like a file (the SPA's own routes,
 * such as /portal/apps, SMART's management_endpoint). Without a build, a 503 page says how to make one.
 *
 * Text files go out as the `.br` or `.gz` copy the build writes beside them when the browser's
 * `Accept-Encoding` names `br` or `gzip` (`Content-Encoding`, `Vary: Accept-Encoding`, the original's
 * Content-Type): no compression work per request. The service worker script is sent compressed too:
 * browsers compare the decoded script when looking for an update, so that is unaffected.
 */
export function portalRoutes(options: { distDir?: string } = {}): Hono {
  const distDir = options.distDir ?? DEFAULT_PORTAL_DIST;
  const indexFile = path.join(distDir, 'index.html');
  // Created on first use: serveStatic complains on the console about a root that does not exist yet.
  let files: MiddlewareHandler | undefined;
  let shell: MiddlewareHandler | undefined;
  const app = new Hono();

  app.use('*', async (c, next) => {
    c.header('Content-Security-Policy', PORTAL_CSP);
    await next();
  });

  app.get('/*', async (c, next) => {
    if (!fs.existsSync(indexFile)) {
      return c.html(<PortalNotBuiltPage />, 503, { 'Cache-Control': 'no-store', 'Retry-After': '60' });
    }
    const relative = c.req.path.replace(/^\/portal\/?/, '');
    files ??= serveStatic({ root: distDir, precompressed: true, rewriteRequestPath: (p) => p.replace(/^\/portal/, '') });
    c.header('Cache-Control', cacheControl(relative));
    if (relative === 'sw.js') c.header('Service-Worker-Allowed', '/portal/');
    return varyOnEncoding(await files(c, next), distDir, relative);
  });

  // Not a file: the SPA's own route, unless it looks like a file (a missing asset stays a 404).
  app.get('/*', async (c, next) => {
    if (looksLikeFile(c.req.path)) return notFound(c);
    shell ??= serveStatic({ root: distDir, path: 'index.html', precompressed: true });
    c.header('Cache-Control', 'no-cache');
    return varyOnEncoding(await shell(c, next), distDir, 'index.html');
  });
  return app;
}

/**
 * serveStatic names `Accept-Encoding` in `Vary` only on a compressed answer; the uncompressed one of
 * a file that has compressed copies varies on it just as well, so caches must hear it there too.
 */
function varyOnEncoding<T>(response: T, distDir: string, relative: string): T {
  // Not a Response: serveStatic found no file and passed on to the next handler, which answered.
  if (!(response instanceof Response) || response.headers.has('Content-Encoding') || response.headers.get('Vary')?.includes('Accept-Encoding')) return response;
  const file = path.join(distDir, relative === '' ? 'index.html' : relative);
  if (fs.existsSync(`${file}.br`) || fs.existsSync(`${file}.gz`)) response.headers.append('Vary', 'Accept-Encoding');
  return response;
}

function cacheControl(relative: string): string {
  if (relative === '' || ALWAYS_REVALIDATE.has(relative)) return 'no-cache';
  // Vite names everything under assets/ by content hash: a changed file is a new URL.
  if (relative.startsWith('assets/')) return IMMUTABLE;
  return 'no-cache';
}

function looksLikeFile(requestPath: string): boolean {
  const last = requestPath.slice(requestPath.lastIndexOf('/') + 1);
  return /\.[A-Za-z0-9]+$/.test(last);
}

function notFound(c: Context): Response {
  c.header('Cache-Control', 'no-store');
  return c.text('Not found', 404);
}
