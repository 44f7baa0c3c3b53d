import type { ClientRecord } from '../db/store.ts';
import { authenticateByAssertion, JWT_BEARER, type AssertionDeps } from './client-assertion.ts';
import { InvalidClientError, invalidRequest } from './errors.ts';
import { constantTimeEqual, hashSecret } from './secrets.ts';

export type ClientAuthMethod = 'none' | 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

export interface AuthenticatedClient {
  readonly client: ClientRecord;
  readonly method: ClientAuthMethod;
}

/**
 * Identifies and authenticates the client of a token, introspection or revocation request by the
 * means its type requires: public clients name themselves (`client_id`, no secret), symmetric ones
 * use HTTP Basic or `client_secret` in the body, asymmetric ones a signed assertion. One method per
 * request (RFC 6749 §2.3); a confidential client that only names itself is refused.
 * `impliedClientId` names the client when the request itself does not (a public client's refresh).
 */
export async function authenticateClient(
  form: URLSearchParams,
  authorization: string | undefined,
  deps: AssertionDeps,
  impliedClientId?: string,
): Promise<AuthenticatedClient> {
  const basic = parseBasic(authorization);
  const assertionType = form.get('client_assertion_type');
  const assertion = form.get('client_assertion');
  const postedSecret = form.get('client_secret');
  const methods = [basic !== undefined, assertionType !== null || assertion !== null, postedSecret !== null].filter(Boolean).length;
  if (methods > 1) throw invalidRequest('Use exactly one client authentication method');

  if (basic !== undefined) {
    const client = await deps.findClient(basic.clientId);
    const formClientId = form.get('client_id');
    if (formClientId !== null && formClientId !== basic.clientId) throw invalidRequest('client_id differs from the Basic credentials');
    if (!client || client.disabledAt !== null || client.type !== 'confidential-symmetric' || !secretMatches(client, basic.secret)) {
      throw new InvalidClientError('Client authentication failed', true);
    }
    return { client, method: 'client_secret_basic' };
  }
  if (assertionType !== null || assertion !== null) {
    if (assertionType !== JWT_BEARER) throw new InvalidClientError(`client_assertion_type must be ${JWT_BEARER}`);
    if (!assertion) throw new InvalidClientError('client_assertion is missing');
    const client = await authenticateByAssertion(assertion, deps);
    const formClientId = form.get('client_id');
    if (formClientId !== null && formClientId !== client.clientId) throw new InvalidClientError('client_id differs from the assertion');
    return { client, method: 'private_key_jwt' };
  }
  const clientId = form.get('client_id') ?? impliedClientId;
  if (!clientId) throw new InvalidClientError('The client must identify itself (client_id or client authentication)');
  const client = await deps.findClient(clientId);
  if (!client || client.disabledAt !== null) throw new InvalidClientError('Unknown or disabled client');
  if (postedSecret !== null) {
    if (client.type !== 'confidential-symmetric' || !secretMatches(client, postedSecret)) throw new InvalidClientError('Client authentication failed');
    return { client, method: 'client_secret_post' };
  }
  if (client.type !== 'public') throw new InvalidClientError('This client must authenticate');
  return { client, method: 'none' };
}

function secretMatches(client: ClientRecord, secret: string): boolean {
  return client.secretHash !== null && constantTimeEqual(hashSecret(secret), client.secretHash);
}

/** RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64. Malformed → not Basic. */
function parseBasic(header: string | undefined): { clientId: string; secret: string } | undefined {
  const match = header && /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header);
  if (!match) {
    if (header && /^Basic/i.test(header)) throw new InvalidClientError('Malformed Basic credentials', true);
    return undefined;
  }
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new InvalidClientError('Malformed Basic credentials', true);
  try {
    return {
      clientId: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    };
  } catch {
    throw new InvalidClientError('Malformed Basic credentials', true);
  }
}
