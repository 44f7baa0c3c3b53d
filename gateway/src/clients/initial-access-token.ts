import type { GatewayStore } from '../db/store.ts';
import { hashSecret, newSecret } from '../oauth/secrets.ts';

/** How long an initial access token for dynamic registration stays usable. */
export const INITIAL_ACCESS_TOKEN_SECONDS = 86_400;

/**
 * A single-use initial access token for dynamic client registration (RFC 7591 §3), valid 24 hours;
 * returned once, stored only as its SHA-256.
 */
export async function createInitialAccessToken(store: GatewayStore, now: () => Date): Promise<{ token: string; expiresAt: Date }> {
  const token = newSecret();
  const at = now();
  const expiresAt = new Date(at.getTime() + INITIAL_ACCESS_TOKEN_SECONDS * 1000);
  await store.initialAccessTokens.insert(hashSecret(token), at, expiresAt);
  return { token, expiresAt };
}
