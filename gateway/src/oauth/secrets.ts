import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * A new random secret (codes, refresh tokens, launch ids, session ids…): 256 bits, base64url, so it
 * survives form encoding unescaped (fhirclient sends `code` without URL-encoding it).
 */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** How secrets are stored and looked up: SHA-256, hex. A high-entropy secret needs no slow hash. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Compares two strings in time independent of where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right) && a.length === b.length;
}
