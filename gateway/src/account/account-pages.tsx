import type { UserRole } from '../db/store.ts';
import { UsernamePasswordFields } from '../ui/credential-fields.tsx';
import { CsrfField, Layout, Problem } from '../ui/layout.tsx';
import { PASSWORD_RULE } from '../users/password-strength.ts';

const ROLE_NAMES: Record<UserRole, string> = { patient: 'a patient', practitioner: 'a practitioner', admin: 'a practice admin' };

/** A page with a heading, a sentence and an optional way on. */
export function AccountMessagePage(props: { title: string; message: string; link?: { href: string; label: string } }) {
  return (
    <Layout title={props.title}>
      <h1>{props.title}</h1>
      <p>{props.message}</p>
      {props.link ? (
        <p>
          <a href={props.link.href}>{props.link.label}</a>
        </p>
      ) : null}
    </Layout>
  );
}

function PasswordFields() {
  return (
    <>
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="new-password" required minlength={12} aria-describedby="password-rule" />
      <p id="password-rule" class="muted">
        {PASSWORD_RULE}
      </p>
    </>
  );
}

/** Accepting an invitation: choose a username (the email by default) and a password. */
export function AcceptInvitationPage(props: { action: string; csrf: string; email: string; role: UserRole; username: string; problem?: string }) {
  return (
    <Layout title="Accept your invitation">
      <h1>Welcome to Portico</h1>
      <p>
        You were invited as {ROLE_NAMES[props.role]} ({props.email}). Choose how you will sign in.
      </p>
      <Problem message={props.problem} />
      <form method="post" action={props.action}>
        <CsrfField token={props.csrf} />
        <label for="username">Username</label>
        <input id="username" name="username" type="text" autocomplete="username" required value={props.username} />
        <p class="muted">2 to 64 lower-case letters, digits or . _ @ + -</p>
        <PasswordFields />
        <button type="submit">Create my account</button>
      </form>
    </Layout>
  );
}

/** After an account is made: where to sign in, and two-step verification (recommended, or required next). */
export function AccountReadyPage(props: { signInHref: string; signInLabel: string; offerMfa: boolean }) {
  return (
    <Layout title="Your account is ready">
      <h1>Your account is ready</h1>
      {props.offerMfa ? (
        <p>
          We recommend turning on two-step verification: <a href="/account/mfa">set it up now</a>.
        </p>
      ) : null}
      <p>
        <a href={props.signInHref}>{props.signInLabel}</a>
      </p>
    </Layout>
  );
}

/** Proving the password before setting up two-step verification (no sign-in session is made). */
export function AccountSignInPage(props: { action: string; csrf: string; username?: string; problem?: string }) {
  return (
    <Layout title="Set up two-step verification">
      <h1>Set up two-step verification</h1>
      <p class="muted">First confirm it is you.</p>
      <Problem message={props.problem} />
      <form method="post" action={props.action}>
        <CsrfField token={props.csrf} />
        <UsernamePasswordFields username={props.username} />
        <button type="submit">Continue</button>
      </form>
    </Layout>
  );
}

export interface RegistrationValues {
  readonly givenName?: string;
  readonly familyName?: string;
  readonly birthDate?: string;
  readonly email?: string;
  readonly username?: string;
}

/** Patient self-registration (when the practice turned it on). */
export function RegisterPage(props: { action: string; csrf: string; values: RegistrationValues; problem?: string }) {
  const v = props.values;
  return (
    <Layout title="Create your patient account">
      <h1>Create your patient account</h1>
      <p class="muted">Your practice will see the details you enter here.</p>
      <Problem message={props.problem} />
      <form method="post" action={props.action}>
        <CsrfField token={props.csrf} />
        <label for="given-name">First name</label>
        <input id="given-name" name="given-name" type="text" autocomplete="given-name" required value={v.givenName ?? ''} />
        <label for="family-name">Last name</label>
        <input id="family-name" name="family-name" type="text" autocomplete="family-name" required value={v.familyName ?? ''} />
        <label for="birth-date">Date of birth</label>
        <input id="birth-date" name="birth-date" type="date" autocomplete="bday" required value={v.birthDate ?? ''} />
        <label for="email">Email</label>
        <input id="email" name="email" type="email" autocomplete="email" required value={v.email ?? ''} />
        <label for="username">Username</label>
        <input id="username" name="username" type="text" autocomplete="username" required value={v.username ?? ''} />
        <p class="muted">2 to 64 lower-case letters, digits or . _ @ + -</p>
        <PasswordFields />
        <button type="submit">Create my account</button>
      </form>
    </Layout>
  );
}
