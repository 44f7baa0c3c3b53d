import type { Observation, Patient } from 'fhir/r4';
import { PageHeading } from '../components/page-heading.tsx';
import { ErrorNotice, Loading } from '../components/status.tsx';
import { loadNextAppointment } from '../fhir/appointments.ts';
import { loadNotes } from '../fhir/notes.ts';
import { loadPatient } from '../fhir/patient.ts';
import { loadLatestVitals } from '../fhir/vitals.ts';
import { formatDate, formatDateTime } from '../lib/format.ts';
import { useLoad } from '../lib/use-load.ts';
import { practitionerOf } from '../logic/appointments.ts';
import { displayName } from '../logic/names.ts';
import { pressurePoints, quantityPoints, unitLabel } from '../logic/vital-series.ts';
import { VITAL_SIGNS } from '@portico/shared/fhir/vital-signs';
import { usePortal } from '../portal-context.ts';

/**
 * Home: who is signed in, the next appointment, the latest vitals and unread notes. Each part asks
 * the server only for what it shows; the lead line and the cards keep their room while loading so
 * nothing below them jumps when the answers arrive.
 */
export default function HomePage() {
  const { api } = usePortal();
  const patient = useLoad(() => loadPatient(api), [api]);
  const name = patient.status === 'ready' ? displayName(patient.data.name) : null;

  return (
    <>
      <PageHeading title="Home">{name ? `Hello, ${name.split(' ')[0]}` : 'Your health at a glance'}</PageHeading>
      {patient.status === 'error' ? (
        <ErrorNotice error={patient.error} onRetry={patient.reload} />
      ) : (
        <p class="lead">{patient.status === 'ready' && <PatientSummary patient={patient.data} />}</p>
      )}
      <div class="cards">
        <NextAppointment />
        <LatestVitals />
        <UnreadNotes />
      </div>
    </>
  );
}

function PatientSummary({ patient }: { patient: Patient }) {
  return (
    <>
      Signed in as <strong>{displayName(patient.name)}</strong>
      {patient.birthDate && <>, born {formatDate(`${patient.birthDate}T12:00:00Z`, 'UTC')}</>}.
    </>
  );
}

function NextAppointment() {
  const { api, now, timeZone } = usePortal();
  const data = useLoad(() => loadNextAppointment(api, now()), [api]);
  return (
    <section class="card" aria-labelledby="home-next">
      <h2 id="home-next">Next appointment</h2>
      <div class="card-body card-body-appointment">
        {data.status === 'loading' && <Loading what="appointments" />}
        {data.status === 'error' && <ErrorNotice error={data.error} onRetry={data.reload} />}
        {data.status === 'ready' &&
          (data.data.next ? (
            <p>
              <strong>{formatDateTime(data.data.next.start!, timeZone)}</strong>
              {practitionerOf(data.data.next) && <> with {data.data.names.get(practitionerOf(data.data.next)!) ?? 'your care provider'}</>}
              {data.data.next.description && <> — {data.data.next.description}</>}
            </p>
          ) : (
            <p>No upcoming appointments.</p>
          ))}
      </div>
      <a href="/portal/appointments">See or book appointments</a>
    </section>
  );
}

function LatestVitals() {
  const { api, now } = usePortal();
  const data = useLoad(() => loadLatestVitals(api, now()), [api]);
  return (
    <section class="card" aria-labelledby="home-vitals">
      <h2 id="home-vitals">Latest vital signs</h2>
      <div class="card-body card-body-vitals">
        {data.status === 'loading' && <Loading what="vital signs" />}
        {data.status === 'error' && <ErrorNotice error={data.error} onRetry={data.reload} />}
        {data.status === 'ready' && <VitalsAtAGlance observations={data.data} />}
      </div>
      <a href="/portal/vitals">See trends and add a reading</a>
    </section>
  );
}

function VitalsAtAGlance({ observations }: { observations: Observation[] }) {
  const { timeZone } = usePortal();
  const bp = pressurePoints(observations).at(-1);
  const rows = (['heartRate', 'bodyWeight'] as const).map((key) => ({ key, point: quantityPoints(observations, VITAL_SIGNS[key]).at(-1) }));
  if (!bp && rows.every((r) => !r.point)) return <p>No vital signs recorded in the last year.</p>;
  return (
    <dl class="glance">
      {bp && (
        <div>
          <dt>Blood pressure</dt>
          <dd>
            {bp.systolic}/{bp.diastolic} mmHg <span class="muted">on {formatDate(new Date(bp.t), timeZone)}</span>
          </dd>
        </div>
      )}
      {rows.map(
        ({ key, point }) =>
          point && (
            <div key={key}>
              <dt>{key === 'heartRate' ? 'Heart rate' : 'Weight'}</dt>
              <dd>
                {point.value} {unitLabel(VITAL_SIGNS[key].unit)} <span class="muted">on {formatDate(new Date(point.t), timeZone)}</span>
              </dd>
            </div>
          ),
      )}
    </dl>
  );
}

function UnreadNotes() {
  const { api, readState } = usePortal();
  const data = useLoad(() => loadNotes(api), [api]);
  const unread = data.status === 'ready' ? readState.unreadCount(data.data.map((d) => d.id!).filter(Boolean)) : 0;
  return (
    <section class="card" aria-labelledby="home-notes">
      <h2 id="home-notes">Notes</h2>
      {data.status === 'loading' && <Loading what="notes" />}
      {data.status === 'error' && <ErrorNotice error={data.error} onRetry={data.reload} />}
      {data.status === 'ready' && <p>{unread === 0 ? 'No unread notes.' : `${unread} unread ${unread === 1 ? 'note' : 'notes'}.`}</p>}
      <a href="/portal/notes">Read your notes</a>
    </section>
  );
}
