import { CsrfField, Layout } from './layout.tsx';

/** What the confirmation form carries on to the logout it confirms. */
export interface LogoutCarry {
  readonly clientId?: string;
  readonly postLogoutRedirectUri?: string;
  readonly state?: string;
}

/**
 * Asked when a logout request cannot show it came from the app the person signed in to (no valid
 * id_token_hint): a link alone must not sign anyone out (OpenID RP-Initiated Logout §2).
 */
export function LogoutConfirmPage(props: { action: string; csrf: string; carry: LogoutCarry }) {
  const { clientId, postLogoutRedirectUri, state } = props.carry;
  return (
    <Layout title="Sign out">
      <h1>Sign out of Portico?</h1>
      <p>You will need your password again the next time an app asks you to sign in. Apps that have access only while you are signed in lose it.</p>
      <form method="post" action={props.action}>
        <CsrfField token={props.csrf} />
        <input type="hidden" name="confirm" value="yes" />
        {clientId ? <input type="hidden" name="client_id" value={clientId} /> : null}
        {postLogoutRedirectUri ? <input type="hidden" name="post_logout_redirect_uri" value={postLogoutRedirectUri} /> : null}
        {state ? <input type="hidden" name="state" value={state} /> : null}
        <button type="submit">Sign out</button>
      </form>
    </Layout>
  );
}

/** Shown after logout when there is no registered place to send the browser back to. */
export function SignedOutPage() {
  return (
    <Layout title="Signed out">
      <h1>You are signed out</h1>
      <p>You are no longer signed in to Portico in this browser. You can close this window.</p>
      <p>
        <a href="/portal/">Go to the patient portal</a>
      </p>
    </Layout>
  );
}
