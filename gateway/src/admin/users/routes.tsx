import { Hono, type Context } from 'hono';
import { requestOrigin } from '../../audit/record-audit.ts';
import type { UserRole } from '../../db/store.ts';
import { formOf } from '../../http/form-body.ts';
import { fhirDirectory } from '../../oauth/authorize/fhir-directory.ts';
import { disableUser, enableUser } from '../../users/disable-user.ts';
import { inviteUser } from '../../users/invitations.ts';
import { configuredMailer } from '../../users/mailer.ts';
import { resetMfa } from '../../users/mfa.ts';
import { ValidationError } from '../../validation-error.ts';
import { checkCsrf, consoleAuth, type ConsoleDeps, type ConsoleEnv } from '../console-auth.ts';
import { ConsoleNotFoundPage, consolePage } from '../console-pages.tsx';
import { OutboxMessagePage, OutboxPage } from './outbox-pages.tsx';
import { UsersPage, type InviteValues } from './user-pages.tsx';

const NOTICES: Record<string, string> = {
  disabled: 'User disabled: their sign-ins ended and every app access they gave was revoked.',
  enabled: 'User enabled: they can sign in again.',
  'mfa-reset': 'Two-step verification reset: the user was signed out and sets it up again at the next sign-in.',
};

/**
 * The console's users and outbox (admins only), mounted at `/admin/`: `/users` (list with role,
 * status and MFA; invite; disable or enable; reset MFA) and `/outbox` (the mail Portico sends).
 */
export function usersConsoleRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();
  const mailer = configuredMailer(deps.config.smtp, deps.store.outbox, deps.now, deps.log);
  const fhirUserExists = fhirDirectory(deps.fhir).exists;
  // Only these paths: the router is mounted at the console's root, next to other sections.
  for (const path of ['/users', '/users/*', '/outbox', '/outbox/*']) app.use(path, consoleAuth(deps, { roles: ['admin'] }), checkCsrf(deps));

  const usersPage = async (c: Context<ConsoleEnv>, extra: { notice?: string | null; invitationUrl?: string; values?: InviteValues; problem?: string } = {}, status: 200 | 400 = 200) =>
    consolePage(
      c,
      <UsersPage
        user={c.get('user')}
        csrf={c.get('csrf')}
        users={await deps.store.users.list()}
        invitations={await deps.store.invitations.list(20)}
        now={deps.now()}
        requireStaffMfa={deps.config.requireStaffMfa}
        {...extra}
      />,
      status,
    );

  app.get('/users', (c) => usersPage(c, { notice: NOTICES[c.req.query('done') ?? ''] ?? null }));

  app.post('/users/invite', async (c) => {
    const form = await formOf(c);
    const values: InviteValues = { email: form.get('email') ?? '', role: (form.get('role') ?? '') as UserRole, fhirUser: form.get('fhir-user') ?? '' };
    try {
      const { invitationUrl } = await inviteUser(
        { store: deps.store, mailer, publicUrl: deps.config.publicUrl, now: deps.now, fhirUserExists },
        { email: values.email!, role: values.role!, fhirUser: values.fhirUser || undefined, invitedBy: c.get('user').id },
        requestOrigin(c),
      );
      return usersPage(c, { notice: 'Invitation created.', invitationUrl });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return usersPage(c, { values, problem: `Not invited — ${error.message}.` }, 400);
    }
  });

  /** An action on another user: a missing user is 404; acting on yourself is refused (no locking yourself out). */
  const onUser = (action: string, act: (c: Context<ConsoleEnv>, userId: string) => Promise<unknown>) =>
    app.post(`/users/:id/${action}`, async (c) => {
      const target = await deps.store.users.findById(c.req.param('id'));
      if (!target) return consolePage(c, <ConsoleNotFoundPage user={c.get('user')} csrf={c.get('csrf')} what="There is no such user." />, 404);
      if (target.id === c.get('user').id) return usersPage(c, { problem: 'You cannot do this to your own account; ask another admin.' }, 400);
      await act(c, target.id);
      return c.redirect(`/admin/users?done=${action === 'reset-mfa' ? 'mfa-reset' : `${action}d`}`, 303);
    });

  onUser('disable', (c, id) => disableUser(deps.store, id, { userId: c.get('user').id, fhirUser: c.get('user').fhirUser }, deps.now(), requestOrigin(c)));
  onUser('enable', (c, id) => enableUser(deps.store, id, { userId: c.get('user').id, fhirUser: c.get('user').fhirUser }, requestOrigin(c)));
  onUser('reset-mfa', async (c, id) => {
    const user = await resetMfa(deps.store, id, { userId: c.get('user').id, fhirUser: c.get('user').fhirUser }, deps.now(), requestOrigin(c));
    if (user?.email) {
      await mailer.send({
        to: user.email,
        subject: 'Two-step verification was reset on your Portico account',
        body: 'A practice admin reset two-step verification on your Portico account and signed you out.\nYou will set it up again the next time you sign in.\n\nIf you did not ask for this, contact your practice.',
      });
    }
  });

  app.get('/outbox', async (c) => consolePage(c, <OutboxPage user={c.get('user')} csrf={c.get('csrf')} messages={await deps.store.outbox.list(200)} smtp={deps.config.smtp !== null} />));

  app.get('/outbox/:id', async (c) => {
    const message = await deps.store.outbox.find(c.req.param('id'));
    if (!message) return consolePage(c, <ConsoleNotFoundPage user={c.get('user')} csrf={c.get('csrf')} what="There is no such message." />, 404);
    return consolePage(c, <OutboxMessagePage user={c.get('user')} csrf={c.get('csrf')} message={message} />);
  });

  return app;
}
