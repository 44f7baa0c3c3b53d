import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

/** The caller's address as the Node server saw it; null when no socket is behind the request (`app.request()` in tests). */
export function peerAddress(c: Context): string | null {
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null;
  }
}

/**
 * The address the sign-in throttle counts failures under: the peer's, or `unknown` when there is
 * none, so socketless callers still share one per-address limit instead of escaping it.
 */
export function throttleAddress(c: Context): string {
  return peerAddress(c) ?? 'unknown';
}
