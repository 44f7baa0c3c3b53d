import type { ClientRecord, UserRecord } from '../../db/store.ts';
import { CsrfField, Problem } from '../../ui/layout.tsx';
import { ConsoleLayout } from '../console-layout.tsx';
import type { PatientRow, PatientSearch } from './patient-search.ts';

/**
 * The practitioner view: find a patient by name or birth date, then launch an app for them (EHR
 * launch). Each patient row is one form: the optional encounter, and one Launch button per app.
 */
export function LaunchPage(props: {
  user: UserRecord;
  csrf: string;
  search: PatientSearch;
  patients: readonly PatientRow[];
  apps: readonly ClientRecord[];
  problem?: string;
}) {
  return (
    <ConsoleLayout title="Patients" user={props.user} csrf={props.csrf} nav="patients">
      <h1>Patients</h1>
      <form method="get" action="/admin/launch" class="inline" role="search">
        <div>
          <label for="name">Name</label>
          <input id="name" name="name" type="search" value={props.search.name} />
        </div>
        <div>
          <label for="birthdate">Birth date</label>
          <input id="birthdate" name="birthdate" type="date" value={props.search.birthDate} />
        </div>
        <button type="submit">Search</button>
      </form>
      <Problem message={props.problem} />
      {props.apps.length === 0 ? <p class="notice">No app has a launch URI yet: an admin registers one under Apps.</p> : null}
      {props.patients.length === 0 ? (
        <p class="muted">No patients match.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Patient</th>
              <th scope="col">Birth date</th>
              <th scope="col">Launch an app</th>
            </tr>
          </thead>
          <tbody>
            {props.patients.map((p) => (
              <tr>
                <td>{p.name}</td>
                <td>{p.birthDate ?? ''}</td>
                <td>
                  <form method="post" action="/admin/launch" class="inline">
                    <CsrfField token={props.csrf} />
                    <input type="hidden" name="patient" value={p.id} />
                    {p.encounters.length > 0 ? (
                      <div>
                        <label for={`encounter-${p.id}`} class="hint">
                          Encounter (optional)
                        </label>
                        <select id={`encounter-${p.id}`} name="encounter">
                          <option value="">None</option>
                          {p.encounters.map((e) => (
                            <option value={e.id}>{e.label || e.id}</option>
                          ))}
                        </select>
                      </div>
                    ) : null}
                    {props.apps.map((app) => (
                      <button type="submit" name="client" value={app.clientId} aria-label={`Launch ${app.name} for ${p.name}`}>
                        Launch {app.name}
                      </button>
                    ))}
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
