import { Hono, type Context } from 'hono';
import { recordAudit, requestOrigin } from '../../audit/record-audit.ts';
import { createInitialAccessToken } from '../../clients/initial-access-token.ts';
import { registerClient } from '../../clients/register-client.ts';
import { rotateClientSecret, setClientDisabled, updateClient } from '../../clients/update-client.ts';
import { formOf } from '../../http/form-body.ts';
import { ValidationError } from '../../validation-error.ts';
import { checkCsrf, consoleAuth, type ConsoleDeps, type ConsoleEnv } from '../console-auth.ts';
import { utcMinute } from '../console-format.ts';
import { ConsoleNotFoundPage, consolePage } from '../console-pages.tsx';
import { EMPTY_APP_FORM, formValuesOf, readAppForm, toNewClient } from './app-form.ts';
import { AppFormPage, AppsListPage, ShownOncePage } from './app-pages.tsx';

const CONSOLE_CSP = "default-src 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'none'; form-action 'self'";

const NOTICES: Record<string, string> = {
  saved: 'Changes saved.',
  disabled: 'The app is disabled: its tokens are refused from their next request on.',
  enabled: 'The app is enabled again.',
};

/** `/admin/apps`: list, register, edit, rotate a secret, disable and enable apps, initial access tokens. Admins only. */
export function appsRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();
  app.use('*', consoleAuth(deps, { roles: ['admin'] }), checkCsrf(deps));
  const frame = (c: Context<ConsoleEnv>) => ({ user: c.get('user'), csrf: c.get('csrf') });
  const audit = (c: Context<ConsoleEnv>, action: string, clientId: string) =>
    recordAudit(deps.store.audit, { category: 'admin', action, outcome: 'success', userId: c.get('user').id, fhirUser: c.get('user').fhirUser, clientId, ...requestOrigin(c) });

  app.get('/', async (c) => {
    const clients = await deps.store.clients.list();
    const live = await deps.store.grants.countLive(deps.now());
    const apps = clients.map((client) => ({ client, liveGrants: live.get(client.clientId) ?? 0 }));
    // The apps' logos are the only images from elsewhere (https, or http on loopback: checked at registration).
    const logos = new Set(clients.flatMap((client) => (client.logoUri ? [new URL(client.logoUri).origin] : [])));
    if (logos.size > 0) c.header('Content-Security-Policy', `${CONSOLE_CSP}; img-src 'self' ${[...logos].join(' ')}`);
    return consolePage(c, <AppsListPage {...frame(c)} apps={apps} notice={NOTICES[c.req.query('done') ?? '']} />);
  });

  app.get('/new', (c) => consolePage(c, <AppFormPage {...frame(c)} values={EMPTY_APP_FORM} />));

  app.post('/', async (c) => {
    const values = readAppForm(await formOf(c));
    try {
      const { client, secret } = await registerClient(deps.store, toNewClient(values), deps.now);
      await audit(c, 'client.register', client.clientId);
      if (secret) return consolePage(c, <SecretPage c={c} clientId={client.clientId} secret={secret} />);
      return c.redirect(`/admin/apps/${encodeURIComponent(client.clientId)}?done=saved`, 303);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return consolePage(c, <AppFormPage {...frame(c)} values={values} problem={error.message} />, 400);
    }
  });

  // Before '/:id', which would match this path too.
  app.post('/initial-access-token', async (c) => {
    const { token, expiresAt } = await createInitialAccessToken(deps.store, deps.now);
    await recordAudit(deps.store.audit, { category: 'admin', action: 'iat.create', outcome: 'success', userId: c.get('user').id, ...requestOrigin(c) });
    return consolePage(
      c,
      <ShownOncePage
        {...frame(c)}
        title="Initial access token"
        label="Initial access token"
        value={token}
        explanation={`Send it as "Authorization: Bearer …" with one registration request to /auth/register before ${utcMinute(expiresAt)}.`}
        back="/admin/apps"
      />,
    );
  });

  app.get('/:id', async (c) => {
    const client = await deps.store.clients.findById(c.req.param('id'));
    if (!client) return consolePage(c, <ConsoleNotFoundPage {...frame(c)} what="There is no app with this client id." />, 404);
    return consolePage(c, <AppFormPage {...frame(c)} client={client} values={formValuesOf(client)} notice={NOTICES[c.req.query('done') ?? '']} />);
  });

  app.post('/:id', async (c) => {
    const client = await deps.store.clients.findById(c.req.param('id'));
    if (!client) return consolePage(c, <ConsoleNotFoundPage {...frame(c)} what="There is no app with this client id." />, 404);
    const values = readAppForm(await formOf(c));
    try {
      const { secret } = await updateClient(deps.store, client.clientId, toNewClient(values), deps.now);
      await audit(c, 'client.update', client.clientId);
      if (secret) return consolePage(c, <SecretPage c={c} clientId={client.clientId} secret={secret} />);
      return c.redirect(`/admin/apps/${encodeURIComponent(client.clientId)}?done=saved`, 303);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return consolePage(c, <AppFormPage {...frame(c)} client={client} values={values} problem={error.message} />, 400);
    }
  });

  app.post('/:id/rotate-secret', async (c) => {
    const client = await deps.store.clients.findById(c.req.param('id'));
    if (!client) return consolePage(c, <ConsoleNotFoundPage {...frame(c)} what="There is no app with this client id." />, 404);
    try {
      const { secret } = await rotateClientSecret(deps.store, client.clientId, deps.now);
      await audit(c, 'client.rotate-secret', client.clientId);
      return consolePage(c, <SecretPage c={c} clientId={client.clientId} secret={secret} />);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return consolePage(c, <AppFormPage {...frame(c)} client={client} values={formValuesOf(client)} problem={error.message} />, 400);
    }
  });

  for (const [path, disabled] of [['disable', true], ['enable', false]] as const) {
    app.post(`/:id/${path}`, async (c) => {
      const client = await deps.store.clients.findById(c.req.param('id'));
      if (!client) return consolePage(c, <ConsoleNotFoundPage {...frame(c)} what="There is no app with this client id." />, 404);
      await setClientDisabled(deps.store, client.clientId, disabled, deps.now);
      await audit(c, disabled ? 'client.disable' : 'client.enable', client.clientId);
      return c.redirect(`/admin/apps/${encodeURIComponent(client.clientId)}?done=${path}d`, 303);
    });
  }

  return app;
}

function SecretPage(props: { c: Context<ConsoleEnv>; clientId: string; secret: string }) {
  return (
    <ShownOncePage
      user={props.c.get('user')}
      csrf={props.c.get('csrf')}
      title="Client secret"
      label="Client secret"
      value={props.secret}
      explanation="The app authenticates at the token endpoint with its client id and this secret (client_secret_basic or client_secret_post). Only a hash is kept: if it is lost, rotate it."
      back={`/admin/apps/${encodeURIComponent(props.clientId)}`}
    />
  );
}
