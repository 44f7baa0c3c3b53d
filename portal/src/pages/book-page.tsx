import type { Slot } from 'fhir/r4';
import { useState } from 'preact/hooks';
import { ConfirmPanel } from '../components/confirm-panel.tsx';
import { useOffline } from '../components/offline-banner.tsx';
import { PageHeading } from '../components/page-heading.tsx';
import { ErrorNotice, Loading } from '../components/status.tsx';
import { ApiError } from '../fhir/api-error.ts';
import { bookSlot, loadFreeSlots, loadSchedules } from '../fhir/appointments.ts';
import { loadPractitioners } from '../fhir/practitioners.ts';
import { formatDateTime, formatDayHeading, formatTime } from '../lib/format.ts';
import { useLoad } from '../lib/use-load.ts';
import { bookingWindow, groupSlotsByDay } from '../logic/slots.ts';
import { usePortal } from '../portal-context.ts';

/** The message shown when someone else booked the chosen time first (the server's 409). */
export const JUST_TAKEN = 'Sorry — that time was just taken by someone else. The free times below are up to date; please choose another.';

/** Book: choose a care provider, see free times for the next 14 days by day, confirm. */
export default function BookPage() {
  const { api } = usePortal();
  const practitioners = useLoad(() => loadPractitioners(api), [api]);
  const [practitionerId, setPractitionerId] = useState('');

  return (
    <>
      <PageHeading title="Book an appointment">Book an appointment</PageHeading>
      <p>
        <a href="/portal/appointments">Back to appointments</a>
      </p>
      {practitioners.status === 'loading' && <Loading what="care providers" />}
      {practitioners.status === 'error' && <ErrorNotice error={practitioners.error} onRetry={practitioners.reload} />}
      {practitioners.status === 'ready' && (
        <div class="field">
          <label for="practitioner">Care provider</label>
          <select id="practitioner" value={practitionerId} onChange={(e) => setPractitionerId(e.currentTarget.value)}>
            <option value="">Choose a care provider…</option>
            {[...practitioners.data].map(([id, name]) => (
              <option key={id} value={id}>
                {name}
              </option>
            ))}
          </select>
        </div>
      )}
      {practitionerId && practitioners.status === 'ready' && (
        <FreeSlots key={practitionerId} practitionerId={practitionerId} practitionerName={practitioners.data.get(practitionerId) ?? 'your care provider'} />
      )}
    </>
  );
}

function FreeSlots({ practitionerId, practitionerName }: { practitionerId: string; practitionerName: string }) {
  const { api, now, timeZone } = usePortal();
  const offline = useOffline();
  const slots = useLoad(async () => {
    const schedules = await loadSchedules(api, practitionerId);
    const { from, to } = bookingWindow(now());
    return loadFreeSlots(api, schedules, from, to);
  }, [api, practitionerId]);
  const [chosen, setChosen] = useState<Slot | null>(null);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const [justTaken, setJustTaken] = useState(false);
  const [booked, setBooked] = useState<string | null>(null);

  async function confirm() {
    if (!chosen?.id) return;
    setBusy(true);
    setFailure(null);
    try {
      await bookSlot(api, chosen.id, comment.trim() || undefined);
      setBooked(`You are booked with ${practitionerName} on ${formatDateTime(chosen.start, timeZone)}.`);
      setChosen(null);
    } catch (error) {
      if (error instanceof ApiError && error.kind === 'conflict') {
        setJustTaken(true);
        setChosen(null);
        await slots.reload();
      } else {
        setFailure(error);
      }
    } finally {
      setBusy(false);
    }
  }

  if (booked) {
    return (
      <div class="notice notice-success" role="status">
        <p class="notice-title">Appointment booked</p>
        <p>{booked}</p>
        <a href="/portal/appointments">See your appointments</a>
      </div>
    );
  }

  return (
    <section aria-labelledby="slots-heading">
      <h2 id="slots-heading">Free times with {practitionerName}</h2>
      {justTaken && (
        <p class="notice notice-error" role="alert">
          {JUST_TAKEN}
        </p>
      )}
      {chosen && (
        <ConfirmPanel
          title="Confirm your appointment"
          confirmLabel="Book this time"
          cancelLabel="Choose another time"
          busy={busy}
          disabled={offline}
          onConfirm={confirm}
          onCancel={() => setChosen(null)}
        >
          <p>
            {formatDateTime(chosen.start, timeZone)} with {practitionerName}.
          </p>
          <div class="field">
            <label for="comment">Reason for the visit (optional)</label>
            <textarea id="comment" rows={2} maxLength={500} value={comment} onInput={(e) => setComment(e.currentTarget.value)} />
          </div>
          {failure !== null && <ErrorNotice error={failure} />}
        </ConfirmPanel>
      )}
      {slots.status === 'loading' && <Loading what="free times" />}
      {slots.status === 'error' && <ErrorNotice error={slots.error} onRetry={slots.reload} />}
      {slots.status === 'ready' && slots.data.length === 0 && <p>No free times in the next 14 days. Please call the clinic.</p>}
      {slots.status === 'ready' &&
        groupSlotsByDay(slots.data, timeZone).map(({ day, slots: daySlots }) => (
          <section key={day} class="slot-day" aria-labelledby={`day-${day}`}>
            <h3 id={`day-${day}`}>{formatDayHeading(daySlots[0]!.start, timeZone)}</h3>
            <ul class="slot-list">
              {daySlots.map((slot) => (
                <li key={slot.id}>
                  <button
                    type="button"
                    class="slot"
                    disabled={offline || busy}
                    aria-pressed={chosen?.id === slot.id}
                    aria-label={`${formatTime(slot.start, timeZone)} on ${formatDayHeading(slot.start, timeZone)}`}
                    onClick={() => {
                      setJustTaken(false);
                      setFailure(null);
                      setChosen(slot);
                    }}
                  >
                    {formatTime(slot.start, timeZone)}
                  </button>
                </li>
              ))}
            </ul>
          </section>
        ))}
    </section>
  );
}
