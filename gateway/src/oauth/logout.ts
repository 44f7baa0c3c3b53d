import { createHash } from 'node:crypto';
import { compactVerify, errors as joseErrors } from 'jose';
import type { SessionRecord } from '../db/oauth-records.ts';
import type { GatewayStore } from '../db/store.ts';
import type { KeyRing } from '../keys/key-ring.ts';
import { redirectWithParams } from './authorize/redirect.ts';
import { sessionSid } from './tokens/id-token.ts';

/**
 * OpenID Connect RP-Initiated Logout 1.0 (https://openid.net/specs/openid-connect-rpinitiated-1_0.html),
 * the decisions behind `/auth/logout`.
 *
 * How the session is found without storing anything new: an id_token carries `sid` (a hash of the
 * sign-in session's id) and `grant_id` (the grant it was issued with, as access tokens do). The
 * grant names the session when it is bound to it (`online_access`, "only while I am signed in");
 * the browser's own session cookie names it otherwise. A session is ended only when its hash
 * equals the hint's `sid` — or, for the browser asking, when it is the hint user's own sign-in.
 */
export interface LogoutDeps {
  readonly store: GatewayStore;
  readonly keys: KeyRing;
  readonly issuer: string;
  readonly now: () => Date;
}

/** The parameters of a logout request (§2), as sent. */
export interface LogoutRequest {
  readonly idTokenHint?: string;
  readonly postLogoutRedirectUri?: string;
  readonly clientId?: string;
  readonly state?: string;
}

/** The claims of a verified id_token_hint that logout uses. */
export interface IdTokenHint {
  readonly sub: string;
  /** The client the id_token was issued to. */
  readonly clientId: string;
  readonly sid?: string;
  readonly grantId?: string;
}

/** A logout request that must not go on (§2: client_id must agree with the hint). */
export class LogoutProblem extends Error {}

export function readLogoutRequest(params: URLSearchParams): LogoutRequest {
  const one = (name: string) => {
    const values = params.getAll(name);
    if (values.length > 1) throw new LogoutProblem(`${name} is given more than once`);
    const value = values[0];
    return value === undefined || value === '' ? undefined : value.slice(0, 8192);
  };
  return { idTokenHint: one('id_token_hint'), postLogoutRedirectUri: one('post_logout_redirect_uri'), clientId: one('client_id'), state: one('state') };
}

/**
 * The hint's claims if it is an id_token this gateway signed (RS256, a key of ours, our issuer).
 * Its expiry is not checked (§2: the hint may be an expired id_token); anything else gives undefined.
 */
export async function verifyIdTokenHint(token: string, deps: Pick<LogoutDeps, 'keys' | 'issuer'>): Promise<IdTokenHint | undefined> {
  let payload: Record<string, unknown>;
  try {
    const verified = await compactVerify(token, async (header) => (await deps.keys.verificationKey(header.kid, header.alg)) ?? unknownKey(), {
      algorithms: ['RS256'],
    });
    if (verified.protectedHeader.typ !== 'JWT') return undefined;
    payload = JSON.parse(new TextDecoder().decode(verified.payload)) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof joseErrors.JOSEError || error instanceof SyntaxError || error instanceof UnknownKey) return undefined;
    throw error;
  }
  const { iss, sub, aud, sid, grant_id: grantId } = payload;
  if (iss !== deps.issuer || typeof sub !== 'string' || typeof aud !== 'string') return undefined;
  return {
    sub,
    clientId: aud,
    ...(typeof sid === 'string' ? { sid } : {}),
    ...(typeof grantId === 'string' ? { grantId } : {}),
  };
}

/**
 * Logout with a verified hint: ends the sign-in session the id_token was issued in (with every grant
 * bound to it, see `sessions.end`) and the browser's session if it is the same person's, and revokes
 * the grant the id_token was issued with. Returns whether the browser's own session was ended.
 */
export async function logOutWithHint(hint: IdTokenHint, browserSession: SessionRecord | undefined, deps: LogoutDeps): Promise<{ browserSessionEnded: boolean }> {
  const now = deps.now();
  const grant = hint.grantId ? await deps.store.grants.find(hint.grantId) : undefined;
  const ownGrant = grant && grant.clientId === hint.clientId && grant.userId === hint.sub ? grant : undefined;
  const sessions = new Set<string>();
  if (ownGrant?.sessionId && (hint.sid === undefined || sessionSid(ownGrant.sessionId) === hint.sid)) sessions.add(ownGrant.sessionId);
  const browserSessionEnded = browserSession !== undefined && (browserSession.userId === hint.sub || (hint.sid !== undefined && sessionSid(browserSession.id) === hint.sid));
  if (browserSessionEnded) sessions.add(browserSession.id);
  for (const id of sessions) await deps.store.sessions.end(id, now);
  if (ownGrant && ownGrant.revokedAt === null) await deps.store.grants.revoke(ownGrant.id, 'signed out', now);
  return { browserSessionEnded };
}

/**
 * Where to send the browser after logout: `post_logout_redirect_uri` with `state` appended (§3), only
 * when it exactly matches one registered for the client; otherwise undefined (the signed-out page).
 */
export async function postLogoutRedirect(clientId: string | undefined, request: LogoutRequest, store: GatewayStore): Promise<string | undefined> {
  if (clientId === undefined || request.postLogoutRedirectUri === undefined) return undefined;
  const client = await store.clients.findById(clientId);
  if (!client || !client.postLogoutRedirectUris.includes(request.postLogoutRedirectUri)) return undefined;
  return redirectWithParams(request.postLogoutRedirectUri, { state: request.state });
}

/**
 * The confirmation form's CSRF token for a browser: derived from its session cookie's secret, which
 * only that browser holds (HttpOnly), so nothing is stored and no other site can forge the form.
 */
export function logoutCsrf(sessionSecret: string): string {
  return createHash('sha256').update(`logout-csrf:${sessionSecret}`).digest('base64url');
}

class UnknownKey extends Error {}

function unknownKey(): never {
  throw new UnknownKey('unknown key');
}
