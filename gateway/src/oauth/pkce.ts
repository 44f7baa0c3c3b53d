import { createHash } from 'node:crypto';
import { constantTimeEqual } from './secrets.ts';

const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

/** RFC 7636 §4.6 with S256 only: BASE64URL(SHA256(code_verifier)) must equal the challenge. */
export function verifierMatches(verifier: string | undefined, challenge: string): boolean {
  if (verifier === undefined || !VERIFIER.test(verifier)) return false;
  return constantTimeEqual(createHash('sha256').update(verifier).digest('base64url'), challenge);
}
