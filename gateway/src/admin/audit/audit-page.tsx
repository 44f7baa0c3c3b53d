import type { AuditEventRecord } from '../../db/audit-records.ts';
import type { ClientRecord, UserRecord } from '../../db/store.ts';
import { Problem } from '../../ui/layout.tsx';
import { ConsoleLayout } from '../console-layout.tsx';
import { CATEGORIES, OUTCOMES, queryOf, type AuditFormValues } from './audit-filter.ts';

/** The audit log: a filter form (GET), one page of events newest first, a pager and the CSV download. */
export function AuditPage(props: {
  user: UserRecord;
  csrf: string;
  values: AuditFormValues;
  events: readonly AuditEventRecord[];
  total: number;
  nextBefore?: number;
  clients: readonly ClientRecord[];
  usernames: ReadonlyMap<string, string>;
  problem?: string;
}) {
  const { values } = props;
  const appName = new Map(props.clients.map((c) => [c.clientId, c.name]));
  return (
    <ConsoleLayout title="Audit log" user={props.user} csrf={props.csrf} nav="audit">
      <h1>Audit log</h1>
      <form method="get" action="/admin/audit" class="inline" role="search" aria-label="Filter the audit log">
        <div>
          <label for="patient">Patient id</label>
          <input id="patient" name="patient" type="text" value={values.patient} />
        </div>
        <AnySelect name="client" label="App" selected={values.client} options={props.clients.map((c) => ({ value: c.clientId, label: c.name }))} />
        <div>
          <label for="user">Username</label>
          <input id="user" name="user" type="text" value={values.user} />
        </div>
        <AnySelect name="category" label="Category" selected={values.category} options={CATEGORIES.map((c) => ({ value: c, label: c }))} />
        <div>
          <label for="action">Action</label>
          <input id="action" name="action" type="text" value={values.action} placeholder="e.g. read, grant.revoke" />
        </div>
        <AnySelect name="outcome" label="Outcome" selected={values.outcome} options={OUTCOMES.map((o) => ({ value: o, label: o }))} />
        <div>
          <label for="from">From</label>
          <input id="from" name="from" type="date" value={values.from} />
        </div>
        <div>
          <label for="to">To</label>
          <input id="to" name="to" type="date" value={values.to} />
        </div>
        <button type="submit">Filter</button>
      </form>
      <Problem message={props.problem} />
      <p>
        {props.total} event{props.total === 1 ? '' : 's'} ·{' '}
        <a href={`/admin/audit/export.csv${queryOf(values)}`} download="portico-audit.csv">
          Download as CSV
        </a>
      </p>
      <table>
        <thead>
          <tr>
            <th scope="col">Time (UTC)</th>
            <th scope="col">Action</th>
            <th scope="col">Outcome</th>
            <th scope="col">User</th>
            <th scope="col">App</th>
            <th scope="col">Patient</th>
            <th scope="col">Resource</th>
            <th scope="col">Detail</th>
            <th scope="col">From</th>
          </tr>
        </thead>
        <tbody>
          {props.events.map((e) => (
            <tr>
              <td>{e.recordedAt.toISOString().replace('T', ' ').slice(0, 19)}</td>
              <td>
                {e.category} <strong>{e.action}</strong>
              </td>
              <td class={e.outcome === 'success' ? undefined : 'status-disabled'}>{e.outcome}</td>
              <td>{e.userId ? (props.usernames.get(e.userId) ?? e.fhirUser ?? e.userId) : ''}</td>
              <td>{e.clientId ? (appName.get(e.clientId) ?? e.clientId) : ''}</td>
              <td>{e.patientId ? `Patient/${e.patientId}` : ''}</td>
              <td>{e.resourceType ? `${e.resourceType}${e.resourceId ? `/${e.resourceId}` : ''}` : ''}</td>
              <td>{e.detail ?? ''}</td>
              <td>{e.sourceAddress ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <nav class="pager" aria-label="Pages">
        {props.nextBefore !== undefined ? <a href={`/admin/audit${queryOf(values, { before: String(props.nextBefore) })}`}>Older events →</a> : null}
      </nav>
    </ConsoleLayout>
  );
}

/** One filter of the form: `Any` (no filter) or one of `options`. */
function AnySelect(props: { name: string; label: string; selected: string; options: readonly { value: string; label: string }[] }) {
  return (
    <div>
      <label for={props.name}>{props.label}</label>
      <select id={props.name} name={props.name}>
        <option value="">Any</option>
        {props.options.map((o) => (
          <option value={o.value} selected={props.selected === o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}
