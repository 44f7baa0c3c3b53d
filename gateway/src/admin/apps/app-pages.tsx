import type { ClientRecord } from '../../db/store.ts';
import { CsrfField, Problem } from '../../ui/layout.tsx';
import { utcMinute } from '../console-format.ts';
import { ConsoleLayout, Notice, type ConsoleFrame } from '../console-layout.tsx';
import { APP_KINDS, kindLabel, type AppFormValues } from './app-form.ts';

export interface AppRow {
  readonly client: ClientRecord;
  /** Patients (or, for backend services, practice-level grants) with live access. */
  readonly liveGrants: number;
}

/** Every registered app with its status and how many live grants it holds. */
export function AppsListPage(props: ConsoleFrame & { apps: readonly AppRow[]; notice?: string | null }) {
  return (
    <ConsoleLayout title="Apps" user={props.user} csrf={props.csrf} nav="apps">
      <h1>Apps</h1>
      <Notice message={props.notice} />
      <p class="actions">
        <a href="/admin/apps/new">Register an app</a>
      </p>
      <table>
        <caption class="muted">Apps registered with this gateway</caption>
        <thead>
          <tr>
            <th scope="col">App</th>
            <th scope="col">Type</th>
            <th scope="col">Status</th>
            <th scope="col">Live grants</th>
            <th scope="col">Client id</th>
          </tr>
        </thead>
        <tbody>
          {props.apps.map(({ client, liveGrants }) => (
            <tr>
              <td>
                {client.logoUri ? <img class="logo" src={client.logoUri} alt="" /> : null} <a href={`/admin/apps/${encodeURIComponent(client.clientId)}`}>{client.name}</a>
              </td>
              <td>{kindLabel(client)}</td>
              <td>{client.disabledAt ? <span class="status-disabled">Disabled</span> : 'Enabled'}</td>
              <td>
                <a href={`/admin/grants/${encodeURIComponent(client.clientId)}`}>{liveGrants}</a>
              </td>
              <td>
                <code>{client.clientId}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Dynamic registration</h2>
      <p class="muted">An initial access token lets a developer register one app at the registration endpoint (RFC 7591). It is valid for 24 hours.</p>
      <form method="post" action="/admin/apps/initial-access-token">
        <CsrfField token={props.csrf} />
        <button type="submit" class="secondary">
          Create an initial access token
        </button>
      </form>
    </ConsoleLayout>
  );
}

/** Register (no client) or edit (with the client, its secret and status actions below the form). */
export function AppFormPage(props: ConsoleFrame & { values: AppFormValues; client?: ClientRecord; problem?: string; notice?: string | null }) {
  const { values, client } = props;
  const action = client ? `/admin/apps/${encodeURIComponent(client.clientId)}` : '/admin/apps';
  return (
    <ConsoleLayout title={client ? client.name : 'Register an app'} user={props.user} csrf={props.csrf} nav="apps">
      <p>
        <a href="/admin/apps">← All apps</a>
      </p>
      <h1>{client ? `Edit ${client.name}` : 'Register an app'}</h1>
      <Notice message={props.notice} />
      {client ? (
        <p>
          Client id <code>{client.clientId}</code> ·{' '}
          {client.disabledAt ? <span class="status-disabled">Disabled since {utcMinute(client.disabledAt)}</span> : 'Enabled'} ·{' '}
          <a href={`/admin/grants/${encodeURIComponent(client.clientId)}`}>Grants</a>
        </p>
      ) : null}
      <Problem message={props.problem} />
      <form method="post" action={action}>
        <CsrfField token={props.csrf} />
        <label for="name">Name</label>
        <input id="name" name="name" type="text" required maxlength={200} value={values.name} />
        <label for="type">Type</label>
        <select id="type" name="type">
          {APP_KINDS.map((k) => (
            <option value={k.value} selected={values.kind === k.value}>
              {k.label}
            </option>
          ))}
        </select>
        <label for="redirect_uris">
          Redirect URIs <span class="hint">one per line; not for backend services</span>
        </label>
        <textarea id="redirect_uris" name="redirect_uris">
          {values.redirectUris}
        </textarea>
        <label for="launch_uri">
          Launch URI <span class="hint">for EHR launch from the practitioner view</span>
        </label>
        <input id="launch_uri" name="launch_uri" type="url" value={values.launchUri} />
        <label for="scope">
          Allowed scopes <span class="hint">space-separated; empty for the default (read-only patient access, or system/*.rs for backend services)</span>
        </label>
        <input id="scope" name="scope" type="text" value={values.scope} />
        <label for="jwks_uri">
          JWKS URL <span class="hint">confidential-asymmetric and backend only</span>
        </label>
        <input id="jwks_uri" name="jwks_uri" type="url" value={values.jwksUri} />
        <label for="jwks">
          Or the JWKS itself <span class="hint">JSON with public keys</span>
        </label>
        <textarea id="jwks" name="jwks">
          {values.jwks}
        </textarea>
        <label for="cors_origins">
          Allowed CORS origins <span class="hint">one per line, e.g. https://app.example</span>
        </label>
        <textarea id="cors_origins" name="cors_origins">
          {values.corsOrigins}
        </textarea>
        <label for="logo_uri">Logo URL</label>
        <input id="logo_uri" name="logo_uri" type="url" value={values.logoUri} />
        <label for="policy_uri">Privacy policy URL</label>
        <input id="policy_uri" name="policy_uri" type="url" value={values.policyUri} />
        <label for="privacy_attestation">
          Privacy attestation <span class="hint">shown to patients on the consent screen</span>
        </label>
        <textarea id="privacy_attestation" name="privacy_attestation" maxlength={2000}>
          {values.privacyAttestation}
        </textarea>
        <button type="submit">{client ? 'Save changes' : 'Register'}</button>
      </form>
      {client ? <AppActions client={client} csrf={props.csrf} /> : null}
    </ConsoleLayout>
  );
}

function AppActions(props: { client: ClientRecord; csrf: string }) {
  const base = `/admin/apps/${encodeURIComponent(props.client.clientId)}`;
  return (
    <section aria-labelledby="actions-heading">
      <h2 id="actions-heading">Secret and status</h2>
      {props.client.type === 'confidential-symmetric' ? (
        <form method="post" action={`${base}/rotate-secret`}>
          <CsrfField token={props.csrf} />
          <p class="muted">A new secret replaces the current one at once; the app must be given the new one.</p>
          <button type="submit" class="secondary">
            Rotate the client secret
          </button>
        </form>
      ) : null}
      {props.client.disabledAt ? (
        <form method="post" action={`${base}/enable`}>
          <CsrfField token={props.csrf} />
          <p class="muted">Enabling lets the app sign people in again; grants that have not expired work again.</p>
          <button type="submit">Enable the app</button>
        </form>
      ) : (
        <form method="post" action={`${base}/disable`}>
          <CsrfField token={props.csrf} />
          <p class="muted">Disabling refuses every access and refresh token the app holds from its next request on. Patients who granted it see a notice.</p>
          <button type="submit" class="danger">
            Disable the app
          </button>
        </form>
      )}
    </section>
  );
}

/** A secret or token shown exactly once (it is stored only as a hash). */
export function ShownOncePage(props: ConsoleFrame & { title: string; label: string; value: string; explanation: string; back: string }) {
  return (
    <ConsoleLayout title={props.title} user={props.user} csrf={props.csrf} nav="apps">
      <h1>{props.title}</h1>
      <p class="notice" role="status">
        Copy it now: it is shown only this once.
      </p>
      <p>
        <strong>{props.label}</strong>
      </p>
      <p class="secret" id="shown-once">
        {props.value}
      </p>
      <p class="muted">{props.explanation}</p>
      <p>
        <a href={props.back}>Continue</a>
      </p>
    </ConsoleLayout>
  );
}
