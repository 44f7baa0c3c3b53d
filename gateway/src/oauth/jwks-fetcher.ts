import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';

/** Longest a fetched client JWKS is reused, whatever its Cache-Control says. */
const MAX_CACHE_SECONDS = 3600;
/** Shortest wait between two fetches of one JWKS triggered by unknown key ids (rotation). */
const REFETCH_COOLDOWN_MS = 10_000;
const FETCH_TIMEOUT_MS = 5_000;

interface Cached {
  readonly keys: JWTVerifyGetKey;
  readonly kids: ReadonlySet<string>;
  readonly fetchedAt: number;
  readonly maxAgeMs: number;
}

/**
 * Fetches clients' registered JWKS URLs for private_key_jwt. A JWKS is cached no longer than the
 * client's Cache-Control allows (SMART: SHALL NOT cache longer), re-fetched at most every 10 s when an
 * assertion names a key id it lacks (key rotation), and a slow or failing host fails the
 * authentication within 5 s instead of hanging it.
 */
export class JwksFetcher {
  private readonly cache = new Map<string, Cached>();

  constructor(private readonly fetchImpl: typeof fetch = fetch) {}

  async keysFor(url: string, kid: string | undefined, now = Date.now()): Promise<JWTVerifyGetKey> {
    const cached = this.cache.get(url);
    const fresh = cached !== undefined && now - cached.fetchedAt < cached.maxAgeMs;
    if (fresh && (kid === undefined || cached.kids.has(kid) || now - cached.fetchedAt < REFETCH_COOLDOWN_MS)) {
      return cached.keys;
    }
    const response = await this.fetchImpl(url, { headers: { accept: 'application/json' }, redirect: 'error', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`JWKS fetch answered ${response.status}`);
    const jwks = (await response.json()) as JSONWebKeySet;
    if (!Array.isArray(jwks?.keys)) throw new Error('JWKS has no keys array');
    this.cache.set(url, {
      keys: createLocalJWKSet(jwks),
      kids: new Set(jwks.keys.map((k) => k.kid).filter((k): k is string => typeof k === 'string')),
      fetchedAt: now,
      maxAgeMs: maxAge(response.headers.get('cache-control')) * 1000,
    });
    return this.cache.get(url)!.keys;
  }
}

function maxAge(cacheControl: string | null): number {
  if (!cacheControl) return 300;
  if (/no-store|no-cache/i.test(cacheControl)) return 0;
  const match = /max-age=(\d+)/i.exec(cacheControl);
  return match ? Math.min(Number(match[1]), MAX_CACHE_SECONDS) : 300;
}
