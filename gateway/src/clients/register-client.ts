import { randomBytes } from 'node:crypto';
import { hashSecret, newSecret } from '../oauth/secrets.ts';
import type { JWK } from 'jose';
import type { ClientRecord, ClientType, GatewayStore, GrantType } from '../db/store.ts';
import { ValidationError } from '../validation-error.ts';

export interface NewClient {
  readonly name: string;
  readonly type?: ClientType;
  readonly redirectUris?: readonly string[];
  readonly launchUri?: string;
  readonly scope?: string;
  readonly grantType?: GrantType;
  readonly jwks?: { keys: JWK[] };
  readonly jwksUri?: string;
  /** The app's privacy policy, linked from the consent screen. */
  readonly policyUri?: string;
  /** Browser origins (`https://app.example`) allowed to call the token and FHIR endpoints. */
  readonly corsOrigins?: readonly string[];
  /** The app's logo, shown on the consent screen and in the console (https, or http on loopback). */
  readonly logoUri?: string;
  /** The practice's statement about the app's privacy practices, shown on the consent screen. */
  readonly privacyAttestation?: string;
}

export interface RegisteredClient {
  readonly client: ClientRecord;
  /** Shown once, never stored: only its SHA-256 is kept. */
  readonly secret?: string;
}

/** What a client may ask for when registration names no scopes: read-only patient access. */
export const DEFAULT_APP_SCOPE = 'openid fhirUser profile launch launch/patient launch/encounter offline_access online_access patient/*.rs';
export const DEFAULT_BACKEND_SCOPE = 'system/*.rs';

const CLIENT_TYPES: readonly ClientType[] = ['public', 'confidential-symmetric', 'confidential-asymmetric'];

/** The settings of a client an admin or the client itself chooses (everything but its id, secret and dates). */
export type ClientSettings = Pick<
  ClientRecord,
  'name' | 'type' | 'redirectUris' | 'launchUri' | 'scope' | 'grantTypes' | 'jwks' | 'jwksUri' | 'policyUri' | 'corsOrigins' | 'logoUri' | 'privacyAttestation'
>;

/**
 * Validates and stores a new SMART client. Redirect URIs must be absolute, without fragments, and
 * https except on loopback (RFC 9700 §2.1, §4.1.3); backend services (client_credentials) must
 * authenticate with a key (SMART Backend Services).
 */
export async function registerClient(store: GatewayStore, input: NewClient, now: () => Date): Promise<RegisteredClient> {
  const settings = checkClientSettings(input);
  const secret = settings.type === 'confidential-symmetric' ? newSecret() : undefined;
  const client: ClientRecord = {
    clientId: newClientId(),
    ...settings,
    secretHash: secret === undefined ? null : hashSecret(secret),
    createdAt: now(),
    disabledAt: null,
    postLogoutRedirectUris: [],
    updatedAt: null,
  };
  await store.clients.insert(client);
  return secret === undefined ? { client } : { client, secret };
}

/**
 * The one set of rules for a client's settings (CLI, dynamic registration, the console's register
 * and edit forms): throws a {@link ValidationError} naming the field to fix.
 */
export function checkClientSettings(input: NewClient): ClientSettings {
  const name = input.name.trim();
  if (name === '' || name.length > 200) throw new ValidationError('name', 'must be 1 to 200 characters');
  const grantType = input.grantType ?? 'authorization_code';
  if (grantType !== 'authorization_code' && grantType !== 'client_credentials') {
    throw new ValidationError('grant-type', 'must be authorization_code or client_credentials');
  }
  const type = input.type ?? (grantType === 'client_credentials' ? 'confidential-asymmetric' : 'public');
  if (!CLIENT_TYPES.includes(type)) {
    throw new ValidationError('type', 'must be public, confidential-symmetric or confidential-asymmetric');
  }
  if (grantType === 'client_credentials' && type !== 'confidential-asymmetric') {
    throw new ValidationError('type', 'a backend service (client_credentials) must be confidential-asymmetric');
  }
  const redirectUris = (input.redirectUris ?? []).map((uri) => checkRedirectUri(uri));
  if (grantType === 'authorization_code' && redirectUris.length === 0) {
    throw new ValidationError('redirect-uri', 'an app that signs users in needs at least one redirect URI');
  }
  const launchUri = input.launchUri === undefined ? null : checkAbsoluteUrl('launch-uri', input.launchUri);
  if (input.jwks && input.jwksUri) throw new ValidationError('jwks', 'give a JWKS or a JWKS URL, not both');
  const jwks = input.jwks ? checkJwks(input.jwks) : null;
  const jwksUri = input.jwksUri === undefined ? null : checkAbsoluteUrl('jwks-uri', input.jwksUri);
  const policyUri = input.policyUri === undefined ? null : checkAbsoluteUrl('policy-uri', input.policyUri);
  if (type === 'confidential-asymmetric' && !jwks && !jwksUri) {
    throw new ValidationError('jwks', 'a confidential-asymmetric client needs its public keys (a JWKS file or URL)');
  }
  if (type !== 'confidential-asymmetric' && (jwks || jwksUri)) {
    throw new ValidationError('jwks', `a ${type} client does not authenticate with keys`);
  }
  const scope = normalizeScope(input.scope ?? (grantType === 'client_credentials' ? DEFAULT_BACKEND_SCOPE : DEFAULT_APP_SCOPE));
  const corsOrigins = [...new Set((input.corsOrigins ?? []).map((origin) => checkOrigin(origin)))];
  const logoUri = input.logoUri === undefined ? null : checkWebUrl('logo-uri', input.logoUri);
  const privacyAttestation = input.privacyAttestation === undefined ? null : checkText('privacy-attestation', input.privacyAttestation, 2000);
  return { name, type, redirectUris, launchUri, scope, grantTypes: [grantType], jwks, jwksUri, policyUri, corsOrigins, logoUri, privacyAttestation };
}

function checkRedirectUri(uri: string): string {
  const url = parseUrl('redirect-uri', uri);
  if (url.hash !== '' || uri.includes('#')) throw new ValidationError('redirect-uri', 'must not contain a fragment');
  if (url.protocol === 'http:' && !isLoopback(url)) {
    throw new ValidationError('redirect-uri', 'must use https (http is allowed only on localhost)');
  }
  if (url.protocol === 'javascript:' || url.protocol === 'data:' || url.protocol === 'file:') {
    throw new ValidationError('redirect-uri', `the ${url.protocol} scheme is not allowed`);
  }
  return uri;
}

function checkAbsoluteUrl(field: string, value: string): string {
  const url = parseUrl(field, value);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ValidationError(field, 'must be an http(s) URL');
  return value;
}

/** An image or page the browser loads itself: https, or http on loopback. */
function checkWebUrl(field: string, value: string): string {
  const url = parseUrl(field, value);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url))) {
    throw new ValidationError(field, 'must use https (http is allowed only on localhost)');
  }
  return value;
}

/** A browser origin: scheme, host and port only (RFC 6454), https or loopback http. */
function checkOrigin(value: string): string {
  const url = parseUrl('cors-origin', value);
  if (url.origin === 'null' || url.origin !== value.replace(/\/$/, '')) throw new ValidationError('cors-origin', `${value} is not an origin (scheme://host[:port], no path)`);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url))) {
    throw new ValidationError('cors-origin', 'must use https (http is allowed only on localhost)');
  }
  return url.origin;
}

function checkText(field: string, value: string, max: number): string | null {
  const text = value.trim();
  if (text.length > max) throw new ValidationError(field, `must be at most ${max} characters`);
  return text === '' ? null : text;
}

function isLoopback(url: URL): boolean {
  return url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
}

function parseUrl(field: string, value: string): URL {
  try {
    return new URL(value);
  } catch {
    throw new ValidationError(field, 'must be an absolute URL');
  }
}

function checkJwks(jwks: { keys?: unknown }): { keys: JWK[] } {
  if (!Array.isArray(jwks.keys) || jwks.keys.length === 0) throw new ValidationError('jwks', 'must be a JWK Set with at least one key');
  for (const key of jwks.keys as JWK[]) {
    if (key.kty !== 'RSA' && key.kty !== 'EC') throw new ValidationError('jwks', 'keys must be RSA or EC public keys');
    if ('d' in key) throw new ValidationError('jwks', 'must hold public keys only (a private key was given)');
  }
  return { keys: jwks.keys as JWK[] };
}

function normalizeScope(scope: string): string {
  const scopes = [...new Set(scope.split(/\s+/).filter((s) => s !== ''))];
  if (scopes.length === 0) throw new ValidationError('scope', 'must name at least one scope');
  if (scopes.some((s) => !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(s))) {
    throw new ValidationError('scope', 'scopes are printable ASCII without spaces, quotes or backslashes (RFC 6749 §3.3)');
  }
  return scopes.join(' ');
}

/**
 * 128 random bits, base64url, never starting with `-` or `_`: an id that begins with a dash reads as
 * an option on a command line (`npm run cli -- launch --client -x…`), one in 32 ids otherwise.
 */
function newClientId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (/^[A-Za-z0-9]/.test(id)) return id;
  }
}
