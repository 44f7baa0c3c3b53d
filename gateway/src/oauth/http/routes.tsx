import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Config } from '../../config.ts';
import type { GatewayStore } from '../../db/store.ts';
import type { FhirBackend } from '../../fhir/interaction.ts';
import type { KeyRing } from '../../keys/key-ring.ts';
import { fhirDirectory } from '../authorize/fhir-directory.ts';
import { SMART_STYLE, type Endpoints } from '../discovery.ts';
import { OAuthError } from '../errors.ts';
import type { JwksFetcher } from '../jwks-fetcher.ts';
import { registerDynamically } from '../registration.ts';
import { hashSecret } from '../secrets.ts';
import { LoginThrottle } from '../sign-in/login-throttle.ts';
import type { AccessTokenClaims, TokenSettings } from '../tokens/access-token.ts';
import { flowRoutes } from './flow-routes.tsx';
import { logoutRoutes } from './logout-routes.tsx';
import { tokenRoutes } from './token-routes.ts';

export interface OAuthRoutesDeps {
  readonly config: Config;
  readonly endpoints: Endpoints;
  readonly store: GatewayStore;
  readonly keys: KeyRing;
  readonly fhir: FhirBackend;
  readonly jwks: JwksFetcher;
  readonly tokenSettings: TokenSettings;
  readonly verifyAccessToken: (token: string) => Promise<AccessTokenClaims>;
  readonly apiHeaders: Readonly<Record<string, string>>;
  readonly now: () => Date;
}

/** Everything under `/auth`: the authorization flow, the token endpoints, registration and the style document. */
export function oauthRoutes(deps: OAuthRoutesDeps): Hono {
  const { config, endpoints, store, now } = deps;
  const directory = fhirDirectory(deps.fhir);
  const app = new Hono();

  app.route(
    '/',
    flowRoutes({
      store,
      now,
      issuer: endpoints.issuer,
      fhirBaseUrl: endpoints.fhirBaseUrl,
      throttle: new LoginThrottle(store.loginThrottle),
      lifetimes: config.lifetimes,
      requireStaffMfa: config.requireStaffMfa,
      secureCookies: config.publicUrl.startsWith('https:'),
      ...directory,
    }),
  );
  app.route('/', logoutRoutes({ store, keys: deps.keys, issuer: endpoints.issuer, now, secureCookies: config.publicUrl.startsWith('https:') }));
  app.route(
    '/',
    tokenRoutes({
      store,
      now,
      issuer: endpoints.issuer,
      lifetimes: config.lifetimes,
      verifyAccessToken: deps.verifyAccessToken,
      apiHeaders: deps.apiHeaders,
      assertion: { findClient: (id) => store.clients.findById(id), jwks: deps.jwks, replays: store.assertionJtis, audience: [endpoints.token, endpoints.issuer], now },
      issue: { keys: deps.keys, store, settings: deps.tokenSettings, fhirBaseUrl: endpoints.fhirBaseUrl, styleUrl: endpoints.style },
    }),
  );

  app.post('/register', bodyLimit({ maxSize: 64 * 1024 }), async (c) => {
    c.header('Cache-Control', 'no-store');
    for (const [name, value] of Object.entries(deps.apiHeaders)) c.header(name, value);
    if (!config.openRegistration) {
      const bearer = /^Bearer +(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
      if (!bearer || !(await store.initialAccessTokens.consume(hashSecret(bearer), now()))) {
        c.header('WWW-Authenticate', 'Bearer error="invalid_token"');
        throw new OAuthError('invalid_token', 'Registration needs a valid initial access token', 401);
      }
    }
    let metadata: unknown;
    try {
      metadata = await c.req.json();
    } catch {
      throw new OAuthError('invalid_client_metadata', 'The body must be JSON client metadata');
    }
    return c.json(await registerDynamically(store, metadata, now), 201);
  });

  app.get('/smart-style/v1.json', (c) => c.json(SMART_STYLE, 200, { ...deps.apiHeaders, 'Cache-Control': 'public, max-age=86400' }));
  return app;
}
