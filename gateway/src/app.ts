import fs from 'node:fs';
import { Hono } from 'hono';
import type { CapabilityStatement } from 'fhir/r4';
import type { Config } from './config.ts';
import { fhirResponder } from './fhir/http/respond.ts';
import { fhirRoutes } from './fhir/http/routes.ts';
import type { FhirBackend } from './fhir/interaction.ts';
import { connectedAppsRoutes } from './connected-apps/routes.ts';
import { consoleRoutes } from './admin/routes.tsx';
import { accountRoutes } from './account/routes.tsx';
import { errorHandler } from './http/errors.ts';
import { except, pageHeaders, publicApiHeaders, withHeaders } from './http/headers.ts';
import { requestContext } from './http/request-context.ts';
import type { GatewayStore } from './db/store.ts';
import type { KeyRing } from './keys/key-ring.ts';
import type { Logger } from './log.ts';
import { openidConfiguration, smartConfiguration, type Endpoints } from './oauth/discovery.ts';
import { oauthRoutes } from './oauth/http/routes.tsx';
import { JwksFetcher } from './oauth/jwks-fetcher.ts';
import { portalRoutes } from './portal/portal-routes.tsx';
import type { AccessTokenClaims, TokenSettings } from './oauth/tokens/access-token.ts';

export interface AppDeps {
  readonly config: Config;
  readonly endpoints: Endpoints;
  readonly store: GatewayStore;
  readonly keys: KeyRing;
  readonly fhir: FhirBackend;
  readonly tokenSettings: TokenSettings;
  readonly verifyAccessToken: (token: string) => Promise<AccessTokenClaims>;
  readonly capabilityStatement: CapabilityStatement;
  readonly log: Logger;
  readonly now: () => Date;
  /** The portal's build output (default: portal/dist of this checkout). */
  readonly portalDistDir?: string;
}

const stylesheet = fs.readFileSync(new URL('./ui/portico.css', import.meta.url), 'utf8');
/** The pages' icon: the portal's (portal/public/favicon.svg), so a browser shows one mark throughout. */
const favicon = fs.readFileSync(new URL('./ui/favicon.svg', import.meta.url), 'utf8');

/** The gateway's HTTP surface, built from its dependencies (no module-level state, so tests build their own). */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  const apiHeaders = publicApiHeaders(deps.config);
  const fhirRespond = fhirResponder(apiHeaders);
  app.use('*', requestContext(deps.log, deps.config.logRequests));
  // API routes put their headers on their responses themselves (their hot paths); pages get them here.
  app.use('*', except(['/fhir', '/auth/token', '/auth/introspect', '/auth/revoke', '/api/me'], withHeaders(pageHeaders(deps.config))));

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/ui/portico.css', (c) => c.body(stylesheet, 200, { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'public, max-age=3600' }));
  app.get('/ui/favicon.svg', (c) => c.body(favicon, 200, { 'Content-Type': 'image/svg+xml', 'Cache-Control': 'public, max-age=86400' }));
  const oidc = JSON.stringify(openidConfiguration(deps.endpoints));
  app.get('/.well-known/openid-configuration', (c) => c.body(oidc, 200, { ...apiHeaders, 'Content-Type': 'application/json' }));
  app.route(
    '/auth',
    oauthRoutes({
      config: deps.config,
      endpoints: deps.endpoints,
      store: deps.store,
      keys: deps.keys,
      fhir: deps.fhir,
      jwks: new JwksFetcher(),
      tokenSettings: deps.tokenSettings,
      verifyAccessToken: deps.verifyAccessToken,
      apiHeaders,
      now: deps.now,
    }),
  );
  app.get('/.well-known/jwks.json', async (c) => {
    // Short max-age: a rotated key must reach verifiers well within the old key's retention.
    return c.json(await deps.keys.jwks(), 200, { ...apiHeaders, 'Cache-Control': 'public, max-age=300' });
  });
  app.route(
    '/fhir',
    fhirRoutes({
      backend: deps.fhir,
      respond: fhirRespond,
      headers: apiHeaders,
      verifyAccessToken: deps.verifyAccessToken,
      capabilityStatement: deps.capabilityStatement,
      smartConfiguration: smartConfiguration(deps.endpoints),
      fhirBaseUrl: deps.config.fhirBaseUrl,
      maxBodyBytes: deps.config.fhirMaxBodyBytes,
      store: deps.store,
    }),
  );
  app.route(
    '/api/me',
    connectedAppsRoutes({ store: deps.store, now: deps.now, verifyAccessToken: deps.verifyAccessToken, headers: apiHeaders, fhirBaseUrl: deps.config.fhirBaseUrl }),
  );
  app.get('/', (c) => c.redirect('/portal/'));
  app.get('/portal', (c) => c.redirect('/portal/'));
  app.route('/portal', portalRoutes({ distDir: deps.portalDistDir }));
  app.get('/admin', (c) => c.redirect('/admin/'));
  app.route('/admin/', consoleRoutes(deps));
  app.route('/account', accountRoutes({ config: deps.config, store: deps.store, fhir: deps.fhir, now: deps.now, log: deps.log }));

  app.onError(errorHandler(deps.log, fhirRespond, apiHeaders));
  app.notFound((c) => c.json({ error: 'not_found' }, 404));
  return app;
}
