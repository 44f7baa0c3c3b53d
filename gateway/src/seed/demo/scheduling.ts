import type { Appointment, Resource, Schedule, Slot } from 'fhir/r4';
import { SERVICE_TYPE } from '@portico/shared/fhir/code-systems';
import type { SeededRandom } from '../random.ts';
import { addDays, at, compactDate, instant, isWeekday, startOfUtcDay } from './calendar.ts';
import type { DemoPatient } from './patients.ts';
import { displayName, LOCATION_ID, PRACTITIONERS } from './practice.ts';

export const SLOT_MINUTES = 30;
export const BOOKING_HORIZON_DAYS = 14;
/** Clinic hours in UTC: mornings 09:00–12:00, afternoons 13:00–17:00. */
const SESSIONS = [
  [9, 12],
  [13, 17],
] as const;

/** Weekdays from `firstDay` and from `today`, each through the next 14 days, in order, once each. */
function bookingDays(firstDay: Date, today: Date): Date[] {
  const days = new Map<number, Date>();
  for (const start of [startOfUtcDay(firstDay), startOfUtcDay(today)]) {
    for (let offset = 0; offset <= BOOKING_HORIZON_DAYS; offset++) {
      const day = addDays(start, offset);
      if (isWeekday(day)) days.set(day.getTime(), day);
    }
  }
  return [...days.values()].sort((a, b) => a.getTime() - b.getTime());
}

export const scheduleId = (practitionerId: string) => `demo-sch-${practitionerId.slice('demo-pra-'.length)}`;

export function schedules(): Schedule[] {
  return PRACTITIONERS.map((p) => ({
    resourceType: 'Schedule',
    id: scheduleId(p.id),
    active: true,
    serviceType: [{ coding: [{ system: SERVICE_TYPE, code: '124', display: 'General Practice' }] }],
    actor: [{ reference: `Practitioner/${p.id}`, display: displayName(p) }, { reference: `Location/${LOCATION_ID}` }],
    comment: `${displayName(p)} at Harbor Street Clinic`,
  }));
}

/**
 * Slots on every weekday of two booking windows, the two weeks after `firstDay` (where the upcoming
 * appointments are) and the two weeks after `today`; and one upcoming appointment for most patients,
 * which occupies its slot (status busy). Ids carry the date and time, so a later run adds only the
 * days that are new, and never days already past.
 */
export function slotsAndUpcomingAppointments(patients: readonly DemoPatient[], random: SeededRandom, firstDay: Date, today: Date): Resource[] {
  const slots = new Map<string, Slot>();
  for (const day of bookingDays(firstDay, today)) {
    for (const practitioner of PRACTITIONERS) {
      for (const [from, to] of SESSIONS) {
        for (let minutes = from * 60; minutes < to * 60; minutes += SLOT_MINUTES) {
          const start = at(day, 0, minutes);
          const id = `demo-slt-${practitioner.id.slice('demo-pra-'.length)}-${compactDate(day)}-${instant(start).slice(11, 16).replace(':', '')}`;
          slots.set(id, {
            resourceType: 'Slot',
            id,
            schedule: { reference: `Schedule/${scheduleId(practitioner.id)}` },
            status: 'free',
            start: instant(start),
            end: instant(new Date(start.getTime() + SLOT_MINUTES * 60_000)),
          });
        }
      }
    }
  }

  // Upcoming visits are placed relative to the first seeding day, so re-seeding books nothing new.
  const appointments: Appointment[] = [];
  const bookable = [...slots.values()].filter((s) => {
    const start = Date.parse(s.start);
    return start > firstDay.getTime() + 86_400_000 && start < addDays(firstDay, BOOKING_HORIZON_DAYS).getTime();
  });
  for (const p of patients) {
    if (p.index % 3 === 2) continue;
    const own = bookable.filter((s) => s.schedule.reference === `Schedule/${scheduleId(p.practitionerId)}` && s.status === 'free');
    if (own.length === 0) continue;
    const slot = own[random.int(0, own.length - 1)]!;
    slot.status = 'busy';
    appointments.push({
      resourceType: 'Appointment',
      id: `demo-apt-${p.id.slice('demo-pat-'.length)}-next`,
      status: 'booked',
      serviceType: [{ coding: [{ system: SERVICE_TYPE, code: '124', display: 'General Practice' }] }],
      description: p.hypertensive ? 'Blood pressure review' : 'Routine follow-up',
      start: slot.start,
      end: slot.end,
      minutesDuration: SLOT_MINUTES,
      slot: [{ reference: `Slot/${slot.id}` }],
      participant: [
        { actor: { reference: `Patient/${p.id}` }, status: 'accepted', required: 'required' },
        { actor: { reference: `Practitioner/${p.practitionerId}` }, status: 'accepted', required: 'required' },
        { actor: { reference: `Location/${LOCATION_ID}` }, status: 'accepted', required: 'information-only' },
      ],
    });
  }
  return [...slots.values(), ...appointments];
}
