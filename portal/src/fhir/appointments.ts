import type { Appointment, Bundle, Parameters, Schedule, Slot } from 'fhir/r4';
import type { Api } from './api.ts';
import { resourcesOf } from './bundle.ts';

/** Every appointment of the signed-in patient (upcoming and past). */
export async function loadAppointments(api: Api): Promise<Appointment[]> {
  const bundle = await api.get<Bundle>(`Appointment?patient=${encodeURIComponent(api.patientId)}&_sort=date&_count=500`);
  return resourcesOf<Appointment>(bundle, 'Appointment');
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
