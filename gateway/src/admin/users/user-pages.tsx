import type { UserRecord, UserRole } from '../../db/store.ts';
import type { InvitationRecord } from '../../db/users-records.ts';
import { CsrfField, Problem } from '../../ui/layout.tsx';
import { utcMinute } from '../console-format.ts';
import { ConsoleLayout, Notice, type ConsoleFrame } from '../console-layout.tsx';

export interface InviteValues {
  readonly email?: string;
  readonly role?: UserRole;
  readonly fhirUser?: string;
}

const ROLE_LABELS: Record<UserRole, string> = { patient: 'Patient', practitioner: 'Practitioner', admin: 'Admin' };

function mfaStatus(user: UserRecord): string {
  if (user.totpSecret) return `On (${user.recoveryCodes.length} recovery codes left)`;
  return user.totpPendingSecret ? 'Being set up' : 'Off';
}

function invitationStatus(invitation: InvitationRecord, now: Date): string {
  if (invitation.acceptedAt) return 'Accepted';
  return invitation.expiresAt <= now ? 'Expired' : `Open until ${utcMinute(invitation.expiresAt)}`;
}

/** Every user with role, status and MFA; the invite form; recent invitations. */
export function UsersPage(
  props: ConsoleFrame & {
    users: readonly UserRecord[];
    invitations: readonly InvitationRecord[];
    now: Date;
    requireStaffMfa: boolean;
    notice?: string | null;
    invitationUrl?: string;
    values?: InviteValues;
    problem?: string;
  },
) {
  const v = props.values ?? {};
  return (
    <ConsoleLayout title="Users" user={props.user} csrf={props.csrf} nav="users">
      <h1>Users</h1>
      <Notice message={props.notice} />
      {props.invitationUrl ? (
        <p class="notice" role="status">
          Invitation link (also in the <a href="/admin/outbox">outbox</a>): <span class="secret">{props.invitationUrl}</span>
        </p>
      ) : null}
      <p class="muted">
        {props.requireStaffMfa ? 'Admins and practitioners must use two-step verification (REQUIRE_STAFF_MFA).' : 'Two-step verification is optional for everyone.'}
      </p>
      <table>
        <caption class="muted">People who can sign in to this gateway</caption>
        <thead>
          <tr>
            <th scope="col">Username</th>
            <th scope="col">Role</th>
            <th scope="col">Linked record</th>
            <th scope="col">Status</th>
            <th scope="col">Two-step verification</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {props.users.map((u) => (
            <tr>
              <td>{u.username}</td>
              <td>{ROLE_LABELS[u.role]}</td>
              <td>{u.fhirUser ? <code>{u.fhirUser}</code> : '—'}</td>
              <td>{u.disabledAt ? <span class="status-disabled">Disabled</span> : 'Active'}</td>
              <td>{mfaStatus(u)}</td>
              <td>
                {u.id === props.user.id ? (
                  <span class="muted">You</span>
                ) : (
                  <>
                    <form method="post" action={`/admin/users/${encodeURIComponent(u.id)}/${u.disabledAt ? 'enable' : 'disable'}`}>
                      <CsrfField token={props.csrf} />
                      <button type="submit" class={u.disabledAt ? 'secondary' : 'danger'} aria-label={`${u.disabledAt ? 'Enable' : 'Disable'} ${u.username}`}>
                        {u.disabledAt ? 'Enable' : 'Disable'}
                      </button>
                    </form>{' '}
                    {u.totpSecret || u.totpPendingSecret ? (
                      <form method="post" action={`/admin/users/${encodeURIComponent(u.id)}/reset-mfa`}>
                        <CsrfField token={props.csrf} />
                        <button type="submit" class="secondary" aria-label={`Reset two-step verification of ${u.username}`}>
                          Reset MFA
                        </button>
                      </form>
                    ) : null}
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="hint">Disabling a user ends their sign-ins and revokes every app access they gave. Resetting MFA signs them out; they set it up again at their next sign-in.</p>

      <h2 id="invite">Invite a user</h2>
      <p class="muted">Portico sends no mail of its own: the invitation goes to the outbox{' '}(and by SMTP when configured), and the link is shown here. It works once, for 7 days.</p>
      <Problem message={props.problem} />
      <form method="post" action="/admin/users/invite">
        <CsrfField token={props.csrf} />
        <label for="email">Email</label>
        <input id="email" name="email" type="email" required value={v.email ?? ''} />
        <label for="role">Role</label>
        <select id="role" name="role">
          {(['practitioner', 'patient', 'admin'] as const).map((role) => (
            <option value={role} selected={v.role === role}>
              {ROLE_LABELS[role]}
            </option>
          ))}
        </select>
        <label for="fhir-user">
          Linked record <span class="hint">Practitioner/ID for a practitioner, Patient/ID for a patient; none for an admin</span>
        </label>
        <input id="fhir-user" name="fhir-user" type="text" value={v.fhirUser ?? ''} placeholder="Practitioner/…" />
        <button type="submit">Invite</button>
      </form>

      <h2>Recent invitations</h2>
      {props.invitations.length === 0 ? (
        <p class="muted">None yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {props.invitations.map((i) => (
              <tr>
                <td>{i.email}</td>
                <td>{ROLE_LABELS[i.role]}</td>
                <td>{invitationStatus(i, props.now)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </ConsoleLayout>
  );
}
