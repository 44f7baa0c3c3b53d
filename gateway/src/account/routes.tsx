import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requestOrigin } from '../audit/record-audit.ts';
import { recordSignInStep } from '../audit/sign-in-audit.ts';
import { signedInUser } from '../admin/console-auth.ts';
import type { Config } from '../config.ts';
import type { GatewayStore, UserRecord } from '../db/store.ts';
import { DEFAULT_OPTIONS, type FhirBackend } from '../fhir/interaction.ts';
import { formOf } from '../http/form-body.ts';
import { throttleAddress } from '../http/peer-address.ts';
import type { Logger } from '../log.ts';
import { fhirDirectory } from '../oauth/authorize/fhir-directory.ts';
import { checkPassword } from '../oauth/sign-in/authenticate.ts';
import { LoginThrottle } from '../oauth/sign-in/login-throttle.ts';
import { ErrorPage } from '../ui/error-page.tsx';
import { MfaEnrolPage, RecoveryCodesPage } from '../ui/mfa-pages.tsx';
import { acceptInvitation, InvitationUnusable, openInvitation } from '../users/invitations.ts';
import { configuredMailer } from '../users/mailer.ts';
import { beginEnrolment, confirmEnrolment, MfaError, mfaRequired } from '../users/mfa.ts';
import { registerPatient } from '../users/self-registration.ts';
import { ValidationError } from '../validation-error.ts';
import { accountCookies } from './account-cookies.ts';
import { AcceptInvitationPage, AccountMessagePage, AccountReadyPage, AccountSignInPage, RegisterPage } from './account-pages.tsx';

export interface AccountDeps {
  readonly config: Config;
  readonly store: GatewayStore;
  readonly fhir: FhirBackend;
  readonly now: () => Date;
  readonly log?: Logger;
}

/**
 * `/account`: the public pages of a person's own account — accepting an invitation (choosing a
 * username and password), setting up two-step verification, and patient self-registration when the
 * practice allows it. Forms carry a CSRF token bound to the browser; pages are never cached or framed.
 */
export function accountRoutes(deps: AccountDeps): Hono {
  const app = new Hono();
  const cookies = accountCookies(deps);
  const throttle = new LoginThrottle(deps.store.loginThrottle);
  const mailer = configuredMailer(deps.config.smtp, deps.store.outbox, deps.now, deps.log);
  const fhirUserExists = fhirDirectory(deps.fhir).exists;
  const signInFor = (user: UserRecord) =>
    user.role === 'patient' ? { href: '/portal/', label: 'Go to the patient portal' } : { href: '/admin/sign-in', label: 'Sign in to the Portico console' };
  const expired = (c: Context) => c.html(<ErrorPage title="This form has expired" message="Reload the page and try again." />, 403);

  app.use('*', async (c, next) => {
    await next();
    c.header('Cache-Control', 'no-store');
  });
  app.use('*', bodyLimit({ maxSize: 16 * 1024 }));

  // --- Invitations ---
  app.get('/invite/:token', async (c) => {
    try {
      const invitation = await openInvitation(deps.store, c.req.param('token'), deps.now());
      const csrf = await cookies.formToken(c);
      return c.html(<AcceptInvitationPage action={c.req.path} csrf={csrf} email={invitation.email} role={invitation.role} username={suggestedUsername(invitation.email)} />);
    } catch (error) {
      return unusable(c, error);
    }
  });

  app.post('/invite/:token', async (c) => {
    const form = await formOf(c);
    if (!(await cookies.formIsGenuine(c, form))) return expired(c);
    const token = c.req.param('token');
    const username = (form.get('username') ?? '').trim();
    try {
      const user = await acceptInvitation({ store: deps.store, now: deps.now, fhirUserExists }, token, { username, password: form.get('password') ?? '' }, requestOrigin(c));
      await cookies.issueTicket(c, user);
      // Staff who must have MFA set it up now, while the invitation still vouches for them.
      if (mfaRequired(user, deps.config.requireStaffMfa)) return c.redirect('/account/mfa', 303);
      const way = signInFor(user);
      return c.html(<AccountReadyPage signInHref={way.href} signInLabel={way.label} offerMfa />);
    } catch (error) {
      if (!(error instanceof ValidationError)) return unusable(c, error);
      const invitation = await openInvitation(deps.store, token, deps.now()).catch(() => undefined);
      if (!invitation) return unusable(c, new InvitationUnusable('used'));
      const csrf = await cookies.formToken(c);
      return c.html(<AcceptInvitationPage action={c.req.path} csrf={csrf} email={invitation.email} role={invitation.role} username={username} problem={sentence(error)} />, 400);
    }
  });

  // --- Two-step verification ---
  /** Who may set up MFA here: the holder of a ticket, or a person signed in to the gateway. */
  const enrollingUser = async (c: Context) => (await cookies.ticketUser(c)) ?? (await signedInUser(c, deps))?.user;

  const enrolPage = async (c: Context, user: UserRecord, problem?: string) => {
    if (user.totpSecret) {
      return c.html(<AccountMessagePage title="Two-step verification is on" message="Your account already has two-step verification. If you lost your phone, sign in with a recovery code, or ask your practice to reset it." link={signInFor(user)} />);
    }
    const enrolment = await beginEnrolment(deps.store, user, cookies.binding(c));
    return c.html(<MfaEnrolPage action="/account/mfa" csrf={await cookies.formToken(c)} enrolment={enrolment} required={mfaRequired(user, deps.config.requireStaffMfa)} problem={problem} />, problem ? 400 : 200);
  };

  app.get('/mfa', async (c) => {
    const user = await enrollingUser(c);
    if (!user) return c.html(<AccountSignInPage action="/account/mfa/sign-in" csrf={await cookies.formToken(c)} />);
    return enrolPage(c, user);
  });

  app.post('/mfa/sign-in', async (c) => {
    const form = await formOf(c);
    if (!(await cookies.formIsGenuine(c, form))) return expired(c);
    const username = form.get('username') ?? '';
    const result = await checkPassword(deps.store.users, throttle, { username, password: form.get('password') ?? '', address: throttleAddress(c) }, deps.now());
    if (result.outcome !== 'ok') {
      const named = await deps.store.users.findByUsername(username.trim());
      await recordSignInStep(deps.store.audit, c, { action: 'sign-in', outcome: 'denied', user: named, detail: `account ${result.outcome === 'locked' ? 'locked' : 'invalid credentials'}` });
      const problem = result.outcome === 'locked' ? 'Too many failed sign-ins. Try again later.' : 'That username and password do not match.';
      return c.html(<AccountSignInPage action="/account/mfa/sign-in" csrf={await cookies.formToken(c)} username={username} problem={problem} />, result.outcome === 'locked' ? 429 : 400);
    }
    if (!result.user.totpSecret) await cookies.issueTicket(c, result.user);
    return c.redirect('/account/mfa', 303);
  });

  app.post('/mfa', async (c) => {
    const form = await formOf(c);
    if (!(await cookies.formIsGenuine(c, form))) return expired(c);
    const user = await enrollingUser(c);
    if (!user) return c.redirect('/account/mfa', 303);
    const now = deps.now();
    const address = throttleAddress(c);
    if (await throttle.lockedUntil(user.username, address, now)) return enrolPage(c, user, 'Too many failed attempts. Try again later.');
    let codes: string[];
    try {
      codes = await confirmEnrolment(deps.store, user, form.get('otp') ?? '', now, cookies.binding(c));
    } catch (error) {
      if (!(error instanceof MfaError)) throw error;
      if (error.reason === 'invalid-code') await throttle.recordFailure(user.username, address, now);
      return enrolPage(c, (await deps.store.users.findById(user.id)) ?? user, error.message);
    }
    await throttle.recordSuccess(user.username);
    cookies.clearTicket(c);
    await recordSignInStep(deps.store.audit, c, { action: 'mfa', outcome: 'success', user, detail: 'enrolled' });
    if (user.email) {
      await mailer.send({
        to: user.email,
        subject: 'Two-step verification is on for your Portico account',
        body: 'Two-step verification was turned on for your Portico account just now.\n\nIf this was not you, contact your practice right away.',
      });
    }
    const way = signInFor(user);
    return c.html(<RecoveryCodesPage codes={codes} continueHref={way.href} continueLabel={way.label} />);
  });

  // --- Patient self-registration (SELF_REGISTRATION=true) ---
  app.use('/register', async (c, next) => (deps.config.selfRegistration ? next() : c.html(<ErrorPage title="Not found" message="There is no such page." />, 404)));

  app.get('/register', async (c) => c.html(<RegisterPage action="/account/register" csrf={await cookies.formToken(c)} values={{}} />));

  app.post('/register', async (c) => {
    const form = await formOf(c);
    if (!(await cookies.formIsGenuine(c, form))) return expired(c);
    const input = {
      givenName: form.get('given-name') ?? '',
      familyName: form.get('family-name') ?? '',
      birthDate: form.get('birth-date') ?? '',
      email: form.get('email') ?? '',
      username: form.get('username') ?? '',
      password: form.get('password') ?? '',
    };
    try {
      const user = await registerPatient({ store: deps.store, now: deps.now, createPatient, deletePatient }, input, requestOrigin(c));
      await cookies.issueTicket(c, user);
      return c.html(<AccountReadyPage signInHref="/portal/" signInLabel="Go to the patient portal" offerMfa />, 201);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const { password: _password, ...values } = input;
      return c.html(<RegisterPage action="/account/register" csrf={await cookies.formToken(c)} values={values} problem={sentence(error)} />, 400);
    }
  });

  async function createPatient(patient: object): Promise<string> {
    const result = await deps.fhir.execute({ kind: 'create', type: 'Patient', body: patient }, DEFAULT_OPTIONS);
    const id = /\/Patient\/([^/]+)\/_history\//.exec(result.location ?? '')?.[1];
    if (result.status !== 201 || !id) throw new Error('the Patient was not created');
    return id;
  }

  async function deletePatient(id: string): Promise<void> {
    await deps.fhir.execute({ kind: 'delete', type: 'Patient', id }, DEFAULT_OPTIONS);
  }

  return app;
}

function unusable(c: Context, error: unknown) {
  if (error instanceof InvitationUnusable) return c.html(<ErrorPage title="This invitation cannot be used" message={error.message} />, error.reason === 'unknown' ? 404 : 410);
  throw error;
}

/** A read of `Patient/ID` or `Practitioner/ID` (only those are ever linked). */
/** A username made from the email, when it fits the username rule. */
function suggestedUsername(email: string): string {
  const lower = email.trim().toLowerCase();
  return /^[a-z0-9][a-z0-9._@+-]{1,63}$/.test(lower) ? lower : '';
}

const FIELD_NAMES: Record<string, string> = {
  username: 'Username',
  password: 'Password',
  email: 'Email',
  'given-name': 'First name',
  'family-name': 'Last name',
  'birth-date': 'Date of birth',
  'fhir-user': 'The linked record',
};

/** "password: must be at least 12 characters" → "Password must be at least 12 characters." */
function sentence(error: ValidationError): string {
  const reason = error.message.slice(error.field.length + 2);
  return `${FIELD_NAMES[error.field] ?? error.field} ${reason}.`;
}
