import type { Appointment } from 'fhir/r4';
import { idOf } from './names.ts';

/** Statuses of appointments that are cancelled or done: never "upcoming". */
export const CLOSED_STATUSES: readonly Appointment['status'][] = ['cancelled', 'noshow', 'entered-in-error', 'fulfilled', 'checked-in', 'arrived'];
const CLOSED = new Set<string>(CLOSED_STATUSES);

/** An appointment the patient can still go to: not cancelled or done, and not over yet. */
export function isUpcoming(appointment: Appointment, now: Date): boolean {
  const end = appointment.end ?? appointment.start;
  return !CLOSED.has(appointment.status) && !!end && Date.parse(end) > now.getTime();
}

/** Upcoming appointments soonest first; past (and cancelled) ones most recent first. */
export function splitAppointments(appointments: readonly Appointment[], now: Date): { upcoming: Appointment[]; past: Appointment[] } {
  const time = (a: Appointment) => (a.start ? Date.parse(a.start) : 0);
  const upcoming = appointments.filter((a) => isUpcoming(a, now)).sort((a, b) => time(a) - time(b));
  const past = appointments.filter((a) => !isUpcoming(a, now)).sort((a, b) => time(b) - time(a));
  return { upcoming, past };
}

/** The care provider's id of an appointment, if one takes part. */
export function practitionerOf(appointment: Appointment): string | undefined {
  for (const participant of appointment.participant) {
    const id = idOf(participant.actor, 'Practitioner');
    if (id) return id;
  }
  return undefined;
}

/** Plain words for an appointment's status. */
export function statusWords(status: Appointment['status']): string {
  const words: Partial<Record<Appointment['status'], string>> = {
    booked: 'Booked',
    pending: 'Waiting for confirmation',
    proposed: 'Proposed',
    fulfilled: 'Attended',
    cancelled: 'Cancelled',
    noshow: 'Missed',
    arrived: 'Arrived',
    'checked-in': 'Checked in',
    waitlist: 'On the waiting list',
    'entered-in-error': 'Entered in error',
  };
  return words[status] ?? status;
}
