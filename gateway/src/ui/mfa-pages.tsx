import { raw } from 'hono/html';
import type { Enrolment } from '../users/mfa.ts';
import { CsrfField, Layout, Problem } from './layout.tsx';

/**
 * Setting up two-step verification: the QR code (inline SVG — the page CSP allows no data: images),
 * the secret as text for typing into an app, and the field for the first code.
 */
export function MfaEnrolPage(props: { action: string; csrf: string; enrolment: Enrolment; required: boolean; problem?: string; hidden?: Record<string, string> }) {
  return (
    <Layout title="Set up two-step verification">
      <h1>Set up two-step verification</h1>
      <p>
        {props.required
          ? 'Your practice requires a second step when staff sign in. '
          : 'A second step keeps your account safe even if someone learns your password. '}
        Use an authenticator app (such as Google Authenticator, Microsoft Authenticator, 1Password or FreeOTP).
      </p>
      <ol>
        <li>In the app, add an account and scan this code:</li>
      </ol>
      <figure class="qr" aria-label="QR code for your authenticator app">
        {raw(props.enrolment.qrSvg)}
      </figure>
      <p class="muted">
        Cannot scan it? Enter this key by hand (time-based, 6 digits):{' '}
        <code id="totp-secret" data-secret={props.enrolment.secret.replace(/ /g, '')}>
          {props.enrolment.secret}
        </code>
      </p>
      <ol start={2}>
        <li>Enter the 6-digit code the app shows now.</li>
      </ol>
      <Problem message={props.problem} />
      <form method="post" action={props.action}>
        <CsrfField token={props.csrf} />
        {Object.entries(props.hidden ?? {}).map(([name, value]) => (
          <input type="hidden" name={name} value={value} />
        ))}
        <label for="otp">Code from your app</label>
        <input id="otp" name="otp" type="text" inputmode="numeric" pattern="[0-9]{6}" autocomplete="one-time-code" required autofocus />
        <button type="submit">Turn on two-step verification</button>
      </form>
    </Layout>
  );
}

/** The recovery codes, shown once right after enrolment, with the way on. */
export function RecoveryCodesPage(props: { codes: readonly string[]; continueHref: string; continueLabel: string }) {
  return (
    <Layout title="Your recovery codes">
      <h1>Two-step verification is on</h1>
      <p>
        Keep these recovery codes somewhere safe (print them or save them in a password manager). If you lose your phone, each code
        signs you in once in place of the 6-digit code. <strong>They are shown only now.</strong>
      </p>
      <ul class="recovery-codes" aria-label="Recovery codes">
        {props.codes.map((code) => (
          <li>
            <code>{code}</code>
          </li>
        ))}
      </ul>
      <p>
        <a href={props.continueHref}>{props.continueLabel}</a>
      </p>
    </Layout>
  );
}
