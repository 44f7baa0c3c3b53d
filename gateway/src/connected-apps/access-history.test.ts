import { describe, expect, it } from 'vitest';
import { accessHistory } from './access-history.ts';

const t = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));

describe('accessHistory', () => {
  it('folds version and history reads into reads, operations into changes, and drops unknown actions', () => {
    const rows = [
      { resourceType: 'Patient', action: 'vread', count: 1, firstAt: t(5), lastAt: t(5) },
      { resourceType: 'Patient', action: 'read', count: 2, firstAt: t(1), lastAt: t(3) },
      { resourceType: 'Appointment', action: 'operation', count: 1, firstAt: t(2), lastAt: t(2) },
      { resourceType: 'Appointment', action: 'search', count: 4, firstAt: t(1), lastAt: t(9) },
      { resourceType: 'Observation', action: 'refused', count: 3, firstAt: t(1), lastAt: t(2) },
    ];
    expect(accessHistory(rows)).toEqual([
      { resourceType: 'Appointment', action: 'search', count: 4, firstAt: t(1).toISOString(), lastAt: t(9).toISOString() },
      { resourceType: 'Appointment', action: 'update', count: 1, firstAt: t(2).toISOString(), lastAt: t(2).toISOString() },
      { resourceType: 'Patient', action: 'read', count: 3, firstAt: t(1).toISOString(), lastAt: t(5).toISOString() },
    ]);
  });
});
