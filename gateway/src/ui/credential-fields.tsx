/**
 * The username and password fields of every sign-in form (the authorization flow, the console, the
 * account pages), so browsers and password managers see the same names and autocomplete hints everywhere.
 */
export function UsernamePasswordFields(props: { username?: string }) {
  return (
    <>
      <label for="username">Username</label>
      <input id="username" name="username" type="text" autocomplete="username" required value={props.username ?? ''} autofocus />
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required />
    </>
  );
}

/**
 * The second sign-in step's `otp` field. It takes a 6-digit code or a recovery code (letters and a
 * dash), so it has no numeric pattern or keypad: either would stop a recovery code being typed.
 */
export function OneTimeCodeField() {
  return (
    <>
      <label for="otp">Verification code</label>
      <input id="otp" name="otp" type="text" autocomplete="one-time-code" autocapitalize="off" spellcheck={false} required autofocus />
    </>
  );
}
