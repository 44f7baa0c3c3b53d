import { OneTimeCodeField, UsernamePasswordFields } from './credential-fields.tsx';
import { CsrfField, Layout, Problem } from './layout.tsx';

/** Sign-in: `username` and `password`, posted back with the flow's CSRF token. */
export function SignInPage(props: { action: string; csrf: string; appName: string; username?: string; problem?: string }) {
  return (
    <Layout title="Sign in">
      <h1>Sign in to continue to {props.appName}</h1>
      <Problem message={props.problem} />
      <form method="post" action={props.action}>
        <CsrfField token={props.csrf} />
        <UsernamePasswordFields username={props.username} />
        <button type="submit">Sign in</button>
      </form>
    </Layout>
  );
}

/** The second sign-in step for users with MFA on: the `otp` from their authenticator app. */
export function OneTimeCodePage(props: { action: string; csrf: string; problem?: string }) {
  return (
    <Layout title="Verification code">
      <h1>Enter your verification code</h1>
      <p class="muted">Open your authenticator app and enter the 6-digit code it shows for Portico. Lost your phone? Enter one of your recovery codes instead.</p>
      <Problem message={props.problem} />
      <form method="post" action={props.action}>
        <CsrfField token={props.csrf} />
        <OneTimeCodeField />
        <button type="submit">Verify</button>
      </form>
    </Layout>
  );
}
