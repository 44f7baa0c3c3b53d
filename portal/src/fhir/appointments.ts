import type { Appointment, Bundle, Parameters, Practitioner, Schedule, Slot } from 'fhir/r4';
import { CLOSED_STATUSES, splitAppointments } from '../logic/appointments.ts';
import type { Api } from './api.ts';
import { resourcesOf } from './bundle.ts';
import { practitionerNames } from './practitioners.ts';

/** Every appointment of the signed-in patient (upcoming and past). */
export async function loadAppointments(api: Api): Promise<Appointment[]> {
  const bundle = await api.get<Bundle>(`Appointment?patient=${encodeURIComponent(api.patientId)}&_sort=date&_count=500`);
  return resourcesOf<Appointment>(bundle, 'Appointment');
}

/** The next appointment home shows, with the names of the care providers taking part. */
export interface NextAppointment {
  readonly next: Appointment | undefined;
  readonly names: Map<string, string>;
}

/**
 * The patient's next appointment (one still open that has not ended) and its care provider, in one
 * small search: open appointments from yesterday on, soonest first, with their practitioners
 * included. Starting a day back keeps one in progress, and keeps the URL the same all day (the
 * offline copy is found by URL); the few of them that are already over are filtered here.
 */
export async function loadNextAppointment(api: Api, now: Date): Promise<NextAppointment> {
  const since = new Date(now.getTime() - 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
  const bundle = await api.get<Bundle>(
    `Appointment?patient=${encodeURIComponent(api.patientId)}&status:not=${CLOSED_STATUSES.join(',')}&date=ge${since}&_sort=date&_count=10&_include=Appointment:practitioner`,
  );
  return {
    next: splitAppointments(resourcesOf<Appointment>(bundle, 'Appointment'), now).upcoming[0],
    names: practitionerNames(resourcesOf<Practitioner>(bundle, 'Practitioner')),
  };
}

/** The schedules of one care provider. */
export async function loadSchedules(api: Api, practitionerId: string): Promise<Schedule[]> {
  const bundle = await api.get<Bundle>(`Schedule?actor=${encodeURIComponent(`Practitioner/${practitionerId}`)}`);
  return resourcesOf<Schedule>(bundle, 'Schedule');
}

/** Free slots of `schedules` starting in [from, to), earliest first. */
export async function loadFreeSlots(api: Api, schedules: readonly Schedule[], from: Date, to: Date): Promise<Slot[]> {
  if (schedules.length === 0) return [];
  const schedule = schedules.map((s) => `Schedule/${s.id}`).join(',');
  const query = new URLSearchParams({
    schedule,
    status: 'free',
    _sort: 'start',
    _count: '1000',
  });
  const range = `&start=ge${encodeURIComponent(from.toISOString())}&start=lt${encodeURIComponent(to.toISOString())}`;
  const bundle = await api.get<Bundle>(`Slot?${query.toString()}${range}`);
  return resourcesOf<Slot>(bundle, 'Slot');
}

/** Books `slot` for the signed-in patient (`$book`); a slot taken meanwhile fails with an ApiError `conflict`. */
export function bookSlot(api: Api, slotId: string, comment?: string): Promise<Appointment> {
  const parameters: Parameters = {
    resourceType: 'Parameters',
    parameter: [{ name: 'slot', valueReference: { reference: `Slot/${slotId}` } }, ...(comment ? [{ name: 'comment', valueString: comment }] : [])],
  };
  return api.post<Appointment>('Appointment/$book', parameters);
}

/** Cancels one of the patient's upcoming appointments (`$cancel`); its slot becomes free again. */
export function cancelAppointment(api: Api, appointmentId: string, reason?: string): Promise<Appointment> {
  const parameters: Parameters = {
    resourceType: 'Parameters',
    parameter: reason ? [{ name: 'reason', valueString: reason }] : [],
  };
  return api.post<Appointment>(`Appointment/${encodeURIComponent(appointmentId)}/$cancel`, parameters);
}
