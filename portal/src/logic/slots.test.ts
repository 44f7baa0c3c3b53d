import { describe, expect, it } from 'vitest';
import type { Slot } from 'fhir/r4';
import { bookingWindow, groupSlotsByDay } from './slots.ts';

const slot = (id: string, start: string): Slot => ({ resourceType: 'Slot', id, schedule: { reference: 'Schedule/s' }, status: 'free', start, end: start });

describe('groupSlotsByDay', () => {
  const slots = [
    slot('c', '2026-03-03T09:00:00Z'),
    slot('a', '2026-03-02T13:30:00Z'),
    slot('b', '2026-03-02T09:00:00Z'),
    slot('d', '2026-03-03T23:30:00Z'),
  ];

  it('groups by calendar day in UTC, days and times in order', () => {
    const days = groupSlotsByDay(slots, 'UTC');
    expect(days.map((d) => d.day)).toEqual(['2026-03-02', '2026-03-03']);
    expect(days[0]!.slots.map((s) => s.id)).toEqual(['b', 'a']);
    expect(days[1]!.slots.map((s) => s.id)).toEqual(['c', 'd']);
  });

  it('uses the patient’s time zone for the day boundary', () => {
    const days = groupSlotsByDay(slots, 'Pacific/Auckland');
    // 13:30 UTC on the 2nd is the 3rd in Auckland (UTC+13 in March); 23:30 UTC on the 3rd is the 4th.
    expect(days.map((d) => [d.day, d.slots.map((s) => s.id)])).toEqual([
      ['2026-03-02', ['b']],
      ['2026-03-03', ['a', 'c']],
      ['2026-03-04', ['d']],
    ]);
  });

  it('returns nothing for no slots', () => {
    expect(groupSlotsByDay([], 'UTC')).toEqual([]);
  });
});

describe('bookingWindow', () => {
  it('spans the next 14 days from now', () => {
    const now = new Date('2026-03-02T09:00:00Z');
    expect(bookingWindow(now)).toEqual({ from: now, to: new Date('2026-03-16T09:00:00Z') });
  });
});
