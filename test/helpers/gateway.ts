import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../gateway/src/config.ts';
import { openGateway, type Gateway } from '../../gateway/src/gateway.ts';
import { silentLogger } from '../../gateway/src/log.ts';
import { signAccessToken, type AccessTokenContent } from '../../gateway/src/oauth/tokens/access-token.ts';

export interface TestGateway extends Omit<Gateway, 'fhir'> {
  /** The embedded FHIR store behind the HTTP API (Gateway.fhir; the name `fhir` is the request helper here). */
  readonly localFhir: Gateway['fhir'];
  /** `app.request` with a bearer token (one for a backend client with full access unless given). */
  fhir(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  /** Signs an access token with the gateway's own current key, as the token endpoint will. */
  mintToken(content?: Partial<AccessTokenContent>, lifetimeSeconds?: number): Promise<string>;
}

/**
 * A gateway on a fresh in-memory SQLite database, driven through `app.request()`.
 * `env` overrides the configuration (PUBLIC_URL defaults to app.request's own origin).
 */
export async function startTestGateway(env: Record<string, string> = {}, now?: () => Date): Promise<TestGateway> {
  // Staff MFA is off unless a test turns it on (REQUIRE_STAFF_MFA defaults to true without demo data).
  const config = loadConfig({ PUBLIC_URL: 'http://localhost', DATABASE_URL: 'file::memory:', SEED: 'none', REQUIRE_STAFF_MFA: 'false', ...env });
  const gateway = await openGateway(config, { log: silentLogger, now });
  const mintToken = async (content: Partial<AccessTokenContent> = {}, lifetimeSeconds = 300) => {
    const claims = { sub: 'test-backend', client_id: 'test-backend', scope: 'system/*.*', grant_id: randomUUID(), ...content };
    // Every token stands on a real, live grant, as the token endpoint's do.
    if (!(await gateway.store.grants.find(claims.grant_id))) {
      await gateway.store.grants.insert({
        id: claims.grant_id,
        clientId: claims.client_id,
        kind: claims.patient ? 'user' : 'backend',
        userId: null,
        patientId: claims.patient ?? null,
        encounterId: null,
        scope: claims.scope,
        sessionId: null,
        createdAt: gateway.now(),
        expiresAt: null,
        revokedAt: null,
        revokedReason: null,
      });
    }
    const { token } = await signAccessToken(gateway.keys, gateway.tokenSettings, claims, lifetimeSeconds);
    return token;
  };
  let defaultToken: string | undefined;
  const fhir = async (path: string, init: RequestInit & { token?: string | null } = {}) => {
    const { token, headers, ...rest } = init;
    const bearer = token === undefined ? (defaultToken ??= await mintToken()) : token;
    const merged = new Headers(headers);
    if (bearer !== null) merged.set('Authorization', `Bearer ${bearer}`);
    if (rest.body !== undefined && !merged.has('Content-Type')) merged.set('Content-Type', 'application/fhir+json');
    return gateway.app.request(path, { ...rest, headers: merged });
  };
  return { ...gateway, localFhir: gateway.fhir, fhir, mintToken };
}

/** JSON body of a FHIR response, typed loosely for assertions. */
export async function json<T = any>(response: Response): Promise<T> {
  return (await response.json()) as T;
}
