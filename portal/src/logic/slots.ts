import type { Slot } from 'fhir/r4';
import { dayKey } from '../lib/format.ts';

/** Slots of one calendar day. */
export interface SlotDay {
  /** `YYYY-MM-DD` in the time zone the slots were grouped in. */
  readonly day: string;
  readonly slots: Slot[];
}

/** Groups slots by calendar day (in `timeZone`, the browser's by default), days and slots in time order. */
export function groupSlotsByDay(slots: readonly Slot[], timeZone?: string): SlotDay[] {
  const byDay = new Map<string, Slot[]>();
  const sorted = [...slots].sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  for (const slot of sorted) {
    const key = dayKey(slot.start, timeZone);
    const list = byDay.get(key);
    if (list) list.push(slot);
    else byDay.set(key, [slot]);
  }
  return [...byDay].map(([day, daySlots]) => ({ day, slots: daySlots }));
}

/** The booking window: from now to the same time 14 days later. */
export function bookingWindow(now: Date, days = 14): { from: Date; to: Date } {
  return { from: now, to: new Date(now.getTime() + days * 86_400_000) };
}
