import { Hono, type Context } from 'hono';
import { recordAudit, requestOrigin } from '../../audit/record-audit.ts';
import { formOf } from '../../http/form-body.ts';
import { fhirDirectory } from '../../oauth/authorize/fhir-directory.ts';
import { checkCsrf, consoleAuth, type ConsoleDeps, type ConsoleEnv } from '../console-auth.ts';
import { ConsoleNotFoundPage, consolePage } from '../console-pages.tsx';
import { GrantsPage } from './grant-pages.tsx';
import { accessByPatient, liveGrantsOf } from './live-grants.ts';

const ID = /^[A-Za-z0-9\-._]{1,128}$/;

/**
 * `/admin/grants/:clientId`: the patients who granted an app access, what, since and until when,
 * when it last used it; revoking one patient's grants ends their tokens at once and leaves every
 * other patient's working. Admins only.
 */
export function grantsRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();
  const directory = fhirDirectory(deps.fhir);
  app.use('*', consoleAuth(deps, { roles: ['admin'] }), checkCsrf(deps));
  const notFound = (c: Context<ConsoleEnv>) =>
    consolePage(c, <ConsoleNotFoundPage user={c.get('user')} csrf={c.get('csrf')} what="There is no app with this client id." />, 404);

  app.get('/:clientId', async (c) => {
    const client = await deps.store.clients.findById(c.req.param('clientId'));
    if (!client) return notFound(c);
    const access = accessByPatient(await liveGrantsOf(deps.store, client.clientId, deps.now()));
    const patientIds = access.flatMap((a) => (a.patientId ? [a.patientId] : []));
    const [names, lastUsed] = await Promise.all([directory.patientNames(patientIds), deps.store.audit.lastUsed(client.clientId, patientIds)]);
    const rows = access.map((a) => ({
      ...a,
      patientName: a.patientId ? (names.get(a.patientId) ?? null) : null,
      lastUsed: a.patientId ? lastUsed.get(a.patientId) : undefined,
    }));
    const revoked = c.req.query('revoked');
    const notice = revoked === undefined ? null : `Revoked ${revoked} grant${revoked === '1' ? '' : 's'}: their tokens are refused from now on.`;
    return consolePage(c, <GrantsPage user={c.get('user')} csrf={c.get('csrf')} client={client} rows={rows} notice={notice} />);
  });

  app.post('/:clientId/revoke', async (c) => {
    const client = await deps.store.clients.findById(c.req.param('clientId'));
    if (!client) return notFound(c);
    const form = await formOf(c);
    const patientId = form.get('patient') ?? '';
    const grantId = form.get('grant') ?? '';
    const now = deps.now();
    let revoked = 0;
    if (ID.test(patientId)) {
      revoked = await deps.store.grants.revokeWhere({ clientId: client.clientId, patientId }, 'revoked by a practice admin', now);
    } else if (ID.test(grantId)) {
      const grant = await deps.store.grants.find(grantId);
      if (grant && grant.clientId === client.clientId && grant.revokedAt === null) {
        await deps.store.grants.revoke(grant.id, 'revoked by a practice admin', now);
        revoked = 1;
      }
    }
    const user = c.get('user');
    await recordAudit(deps.store.audit, {
      category: 'admin',
      action: 'grant.revoke',
      outcome: 'success',
      userId: user.id,
      fhirUser: user.fhirUser,
      clientId: client.clientId,
      patientId: ID.test(patientId) ? patientId : null,
      grantId: !ID.test(patientId) && ID.test(grantId) ? grantId : null,
      detail: `${revoked} revoked`,
      ...requestOrigin(c),
    });
    return c.redirect(`/admin/grants/${encodeURIComponent(client.clientId)}?revoked=${revoked}`, 303);
  });

  return app;
}
