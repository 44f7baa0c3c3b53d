import fs from 'node:fs';
import { Hono } from 'hono';
import type { CapabilityStatement } from 'fhir/r4';
import type { Config } from './config.ts';
import { fhirResponder } from './fhir/http/respond.ts';
import { fhirRoutes } from './fhir/http/routes.ts';
import type { FhirBackend } from './fhir/interaction.ts';
import { errorHandler } from './http/errors.ts';
import { except, pageHeaders, publicApiHeaders, withHeaders } from './http/headers.ts';
import { requestContext } from './http/request-context.ts';
import type { KeyRing } from './keys/key-ring.ts';
import type { Logger } from './log.ts';
import type { AccessTokenClaims } from './oauth/access-token.ts';

export interface AppDeps {
  readonly config: Config;
  readonly keys: KeyRing;
  readonly fhir: FhirBackend;
  readonly verifyAccessToken: (token: string) => Promise<AccessTokenClaims>;
  readonly capabilityStatement: CapabilityStatement;
  readonly log: Logger;
}

const portalPlaceholder = fs.readFileSync(new URL('../../portal/index.html', import.meta.url), 'utf8');

/** The gateway's HTTP surface, built from its dependencies (no module-level state, so tests build their own). */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  const apiHeaders = publicApiHeaders(deps.config);
  const fhirRespond = fhirResponder(apiHeaders);
  app.use('*', requestContext(deps.log, deps.config.logRequests));
  app.use('*', except('/fhir', withHeaders(pageHeaders(deps.config))));

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/.well-known/jwks.json', async (c) => {
    // Short max-age: a rotated key must reach verifiers well within the old key's retention.
    return c.json(await deps.keys.jwks(), 200, { ...apiHeaders, 'Cache-Control': 'public, max-age=300' });
  });
  app.route(
    '/fhir',
    fhirRoutes({
      backend: deps.fhir,
      respond: fhirRespond,
      verifyAccessToken: deps.verifyAccessToken,
      capabilityStatement: deps.capabilityStatement,
      fhirBaseUrl: deps.config.fhirBaseUrl,
      maxBodyBytes: deps.config.fhirMaxBodyBytes,
    }),
  );
  app.get('/', (c) => c.redirect('/portal/'));
  app.get('/portal', (c) => c.redirect('/portal/'));
  app.get('/portal/', (c) => c.html(portalPlaceholder));
  app.get('/admin', (c) => c.redirect('/admin/'));
  app.get('/admin/', (c) =>
    c.html(
      '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Portico admin</title></head><body><main>' +
        '<h1>Portico admin console</h1><p>The console is not part of this version yet; manage clients and users with ' +
        '<code>npm run cli</code>.</p></main></body></html>',
    ),
  );

  app.onError(errorHandler(deps.log, fhirRespond));
  app.notFound((c) => c.json({ error: 'not_found' }, 404));
  return app;
}
