import { describeScope } from '@portico/shared/smart/scope-descriptions';
import { parseScope } from '@portico/shared/smart/scopes';
import type { ClientRecord } from '../../db/store.ts';
import { CsrfField } from '../../ui/layout.tsx';
import { utcMinute } from '../console-format.ts';
import { ConsoleLayout, Notice, type ConsoleFrame } from '../console-layout.tsx';
import type { PatientAccess } from './live-grants.ts';

export interface AccessRow extends PatientAccess {
  readonly patientName: string | null;
  readonly lastUsed: Date | undefined;
}

const day = (date: Date) => date.toISOString().slice(0, 10);

/** One app's live grants, one row per patient, each with a revoke button. */
export function GrantsPage(props: ConsoleFrame & { client: ClientRecord; rows: readonly AccessRow[]; notice?: string | null }) {
  const { client } = props;
  const base = `/admin/grants/${encodeURIComponent(client.clientId)}`;
  return (
    <ConsoleLayout title={`Grants of ${client.name}`} user={props.user} csrf={props.csrf} nav="apps">
      <p>
        <a href={`/admin/apps/${encodeURIComponent(client.clientId)}`}>← {client.name}</a>
      </p>
      <h1>Who has granted {client.name} access</h1>
      <Notice message={props.notice} />
      {client.disabledAt ? <p class="notice">This app is disabled: none of these grants works until it is enabled again.</p> : null}
      {props.rows.length === 0 ? (
        <p class="muted">No live grants.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Patient</th>
              <th scope="col">Access</th>
              <th scope="col">Granted</th>
              <th scope="col">Until</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span class="muted">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {props.rows.map((row) => (
              <tr>
                <td>
                  {row.patientId ? (
                    <>
                      {row.patientName ?? 'Unnamed patient'} <span class="muted">(Patient/{row.patientId})</span>
                    </>
                  ) : (
                    <span class="muted">No patient context</span>
                  )}
                </td>
                <td>
                  <ul>
                    {row.scopes.map((raw) => {
                      const scope = parseScope(raw);
                      return <li title={raw}>{scope ? describeScope(scope).title : raw}</li>;
                    })}
                  </ul>
                </td>
                <td>{day(row.grantedAt)}</td>
                <td>{row.until ? day(row.until) : row.whileSignedIn ? 'While signed in' : 'Until revoked'}</td>
                <td>{row.lastUsed ? utcMinute(row.lastUsed) : <span class="muted">Never</span>}</td>
                <td>
                  <form method="post" action={`${base}/revoke`}>
                    <CsrfField token={props.csrf} />
                    {row.patientId ? <input type="hidden" name="patient" value={row.patientId} /> : <input type="hidden" name="grant" value={row.grantIds[0]} />}
                    <button type="submit" class="danger" aria-label={`Revoke ${row.patientName ?? row.patientId ?? 'this grant'}`}>
                      Revoke
                    </button>
                  </form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </ConsoleLayout>
  );
}
