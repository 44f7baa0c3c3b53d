import { describeScope } from '@portico/shared/smart/scope-descriptions';
import type { Scope } from '@portico/shared/smart/scopes';
import type { GrantDuration } from '../db/oauth-records.ts';
import { CsrfField, Layout, Problem } from './layout.tsx';

const DURATIONS: readonly { value: GrantDuration; label: string }[] = [
  { value: 'session', label: 'Only while I am signed in now' },
  { value: '30d', label: 'For 30 days' },
  { value: 'forever', label: 'Until I revoke it' },
];

/**
 * Consent: one checkbox `scope` per requested scope (checked), how long the grant lasts, the app's
 * privacy policy, and `decision` allow or deny. Unchecking grants less.
 */
export function ConsentPage(props: {
  action: string;
  csrf: string;
  appName: string;
  policyUri: string | null;
  /** The app's logo (its origin is allowed by the page's CSP img-src). */
  logoUri?: string | null;
  /** The practice's statement about the app's privacy practices, set in the console. */
  privacyAttestation?: string | null;
  userName: string;
  patientName: string | null;
  scopes: readonly Scope[];
  defaultDuration: GrantDuration;
  problem?: string;
}) {
  const offline = props.scopes.some((s) => s.kind === 'offline_access');
  return (
    <Layout title={`Allow ${props.appName}?`}>
      {props.logoUri ? <img class="app-logo" src={props.logoUri} alt={`${props.appName} logo`} width={64} height={64} /> : null}
      <h1>{props.appName} would like to:</h1>
      <p class="muted">
        Signed in as {props.userName}
        {props.patientName ? `, sharing the records of ${props.patientName}` : ''}.
      </p>
      <Problem message={props.problem} />
      <form method="post" action={props.action}>
        <CsrfField token={props.csrf} />
        <fieldset>
          <legend>Permissions (untick anything you do not want to share)</legend>
          {props.scopes.map((scope, i) => {
            const { title, detail } = describeScope(scope);
            return (
              <label class="choice" for={`scope-${i}`}>
                <input id={`scope-${i}`} type="checkbox" name="scope" value={scope.raw} checked />
                <span>
                  {title}
                  {detail ? <small>{detail}</small> : null}
                </span>
              </label>
            );
          })}
        </fieldset>
        {offline ? (
          <p class="notice">This app asks to keep access when you are not using it. You can revoke it at any time.</p>
        ) : null}
        <fieldset>
          <legend>How long may it keep access?</legend>
          {DURATIONS.map((d) => (
            <label class="choice" for={`duration-${d.value}`}>
              <input id={`duration-${d.value}`} type="radio" name="duration" value={d.value} checked={d.value === props.defaultDuration} />
              <span>{d.label}</span>
            </label>
          ))}
        </fieldset>
        {props.privacyAttestation ? (
          <section class="attestation" aria-labelledby="attestation-heading">
            <h2 id="attestation-heading">What your practice says about this app</h2>
            <p>{props.privacyAttestation}</p>
          </section>
        ) : null}
        <p>
          {props.policyUri ? (
            <a href={props.policyUri} rel="noopener noreferrer" target="_blank">
              Read {props.appName}'s privacy policy
            </a>
          ) : (
            <span class="muted">{props.appName} has not published a privacy policy here.</span>
          )}
        </p>
        <div class="actions">
          <button type="submit" name="decision" value="allow">
            Allow
          </button>
          <button type="submit" name="decision" value="deny" class="secondary">
            Deny
          </button>
        </div>
      </form>
    </Layout>
  );
}
