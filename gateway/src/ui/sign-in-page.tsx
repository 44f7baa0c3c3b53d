import { CsrfField, Layout, Problem } from './layout.tsx';

/** Sign-in: `username` and `password`, posted back with the flow's CSRF token. */
export function SignInPage(props: { action: string; csrf: string; appName: string; username?: string; problem?: string }) {
  return (
    <Layout title="Sign in">
      <h1>Sign in to continue to {props.appName}</h1>
      <Problem message={props.problem} />
      <form method="post" action={props.action}>
        <CsrfField token={props.csrf} />
        <label for="username">Username</label>
        <input id="username" name="username" type="text" autocomplete="username" required value={props.username ?? ''} autofocus />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
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
        <label for="otp">Verification code</label>
        <input id="otp" name="otp" type="text" autocomplete="one-time-code" autocapitalize="off" spellcheck={false} required autofocus />
        <button type="submit">Verify</button>
      </form>
    </Layout>
  );
}
