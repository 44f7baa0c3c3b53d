import type { Appointment } from 'fhir/r4';
import { useState } from 'preact/hooks';
import { ConfirmPanel } from '../components/confirm-panel.tsx';
import { useOffline } from '../components/offline-banner.tsx';
import { PageHeading } from '../components/page-heading.tsx';
import { ErrorNotice, Loading } from '../components/status.tsx';
import { cancelAppointment, loadAppointments } from '../fhir/appointments.ts';
import { loadPractitioners } from '../fhir/practitioners.ts';
import { formatDateTime } from '../lib/format.ts';
import { useLoad } from '../lib/use-load.ts';
import { practitionerOf, splitAppointments, statusWords } from '../logic/appointments.ts';
import { usePortal } from '../portal-context.ts';

/** Upcoming and past appointments; cancel an upcoming one (with a confirmation); a link to book. */
export default function AppointmentsPage() {
  const { api, now, timeZone } = usePortal();
  const offline = useOffline();
  const data = useLoad(async () => {
    const [appointments, names] = await Promise.all([loadAppointments(api), loadPractitioners(api)]);
    return { ...splitAppointments(appointments, now()), names };
  }, [api]);
  const [cancelling, setCancelling] = useState<Appointment | null>(null);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const [message, setMessage] = useState<string | null>(null);

  const who = (a: Appointment) => {
    const id = practitionerOf(a);
    return id && data.status === 'ready' ? data.data.names.get(id) : undefined;
  };
  const describe = (a: Appointment) => `${a.start ? formatDateTime(a.start, timeZone) : 'Time not set'}${who(a) ? ` with ${who(a)}` : ''}`;

  async function confirmCancel() {
    if (!cancelling?.id) return;
    setBusy(true);
    setFailure(null);
    try {
      await cancelAppointment(api, cancelling.id);
      setMessage(`Your appointment on ${describe(cancelling)} is cancelled.`);
      setCancelling(null);
      await data.reload();
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <PageHeading title="Appointments">Appointments</PageHeading>
      <p>
        <a class="button" href="/portal/appointments/book" aria-disabled={offline || undefined} onClick={(e) => offline && e.preventDefault()}>
          Book an appointment
        </a>
      </p>
      {message && (
        <p class="notice notice-success" role="status">
          {message}
        </p>
      )}
      {data.status === 'loading' && <Loading what="appointments" />}
      {data.status === 'error' && <ErrorNotice error={data.error} onRetry={data.reload} />}
      {data.status === 'ready' && (
        <>
          <section aria-labelledby="upcoming-heading">
            <h2 id="upcoming-heading">Upcoming</h2>
            {data.data.upcoming.length === 0 ? (
              <p>You have no upcoming appointments.</p>
            ) : (
              <ul class="list">
                {data.data.upcoming.map((a) => (
                  <li key={a.id} class="list-item">
                    <AppointmentSummary appointment={a} when={describe(a)} />
                    {cancelling?.id === a.id ? (
                      <ConfirmPanel
                        title="Cancel this appointment?"
                        confirmLabel="Yes, cancel it"
                        cancelLabel="No, keep it"
                        busy={busy}
                        disabled={offline}
                        onConfirm={confirmCancel}
                        onCancel={() => {
                          setCancelling(null);
                          setFailure(null);
                        }}
                      >
                        <p>
                          Your appointment on {describe(a)} will be cancelled and the time offered to others.
                        </p>
                        {failure !== null && <ErrorNotice error={failure} />}
                      </ConfirmPanel>
                    ) : (
                      <button
                        type="button"
                        class="button-secondary"
                        disabled={offline}
                        aria-label={`Cancel appointment on ${describe(a)}`}
                        onClick={() => {
                          setMessage(null);
                          setCancelling(a);
                        }}
                      >
                        Cancel appointment
                      </button>
                    )}
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section aria-labelledby="past-heading">
            <h2 id="past-heading">Past</h2>
            {data.data.past.length === 0 ? (
              <p>No past appointments.</p>
            ) : (
              <ul class="list">
                {data.data.past.map((a) => (
                  <li key={a.id} class="list-item">
                    <AppointmentSummary appointment={a} when={describe(a)} />
                  </li>
                ))}
              </ul>
            )}
          </section>
        </>
      )}
    </>
  );
}

/** When, with whom and why, and the status: the same for upcoming and past appointments. */
function AppointmentSummary({ appointment, when }: { appointment: Appointment; when: string }) {
  return (
    <>
      <p>
        <strong>{when}</strong>
      </p>
      {appointment.description && <p>{appointment.description}</p>}
      <p class="muted">{statusWords(appointment.status)}</p>
    </>
  );
}
