import type { Context } from 'hono';

/**
 * The request's urlencoded form; empty for any other body (a `text/plain` or typeless body is how
 * cross-site forms try to slip past CSRF checks, so it is never read as a form). Hono caches the
 * body, so every reader of one request sees the same.
 */
export async function formOf(c: Context): Promise<URLSearchParams> {
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  return new URLSearchParams(type.startsWith('application/x-www-form-urlencoded') ? await c.req.text() : '');
}
