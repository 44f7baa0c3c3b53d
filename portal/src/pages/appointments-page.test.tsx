import { fireEvent, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { connectivity } from '../offline/connectivity.ts';
import { bundle, fakeApi } from '../test-support/fake-api.ts';
import { renderPage } from '../test-support/render-page.tsx';
import AppointmentsPage from './appointments-page.tsx';

const practitioner = { resourceType: 'Practitioner', id: 'chen', name: [{ prefix: ['Dr.'], given: ['Maya'], family: 'Chen' }] };
const appointment = (id: string, start: string, status: string) => ({
  resourceType: 'Appointment',
  id,
  status,
  start,
  end: start,
  description: `Visit ${id}`,
  participant: [{ actor: { reference: 'Patient/p1' }, status: 'accepted' }, { actor: { reference: 'Practitioner/chen' }, status: 'accepted' }],
});

function setup() {
  let appointments = [appointment('past', '2026-01-10T09:00:00Z', 'fulfilled'), appointment('next', '2026-03-05T10:30:00Z', 'booked')];
  const api = fakeApi('p1', [
    [/^GET Appointment\?patient=p1/, () => bundle(appointments)],
    [/^GET Practitioner\?/, bundle([practitioner])],
    [
      /^POST Appointment\/next\/\$cancel$/,
      () => {
        appointments = appointments.map((a) => (a.id === 'next' ? { ...a, status: 'cancelled' } : a));
        return appointments[1];
      },
    ],
  ]);
  renderPage(<AppointmentsPage />, api);
  return api;
}

afterEach(() => connectivity.set({ offline: false, lastUpdated: null }));

describe('AppointmentsPage', () => {
  it('shows upcoming and past appointments with the care provider', async () => {
    setup();
    expect(await screen.findByText('Thu, 5 Mar 2026, 10:30 with Dr. Maya Chen')).toBeTruthy();
    expect(screen.getByText('Sat, 10 Jan 2026, 09:00 with Dr. Maya Chen')).toBeTruthy();
    expect(screen.getByText('Attended')).toBeTruthy();
  });

  it('cancels an upcoming appointment only after confirmation', async () => {
    const api = setup();
    fireEvent.click(await screen.findByRole('button', { name: 'Cancel appointment on Thu, 5 Mar 2026, 10:30 with Dr. Maya Chen' }));
    expect(screen.getByRole('heading', { name: 'Cancel this appointment?' })).toBe(document.activeElement);
    expect(api.calls.some((c) => c.method === 'POST')).toBe(false);
    fireEvent.click(screen.getByRole('button', { name: 'Yes, cancel it' }));
    expect(await screen.findByText('Your appointment on Thu, 5 Mar 2026, 10:30 with Dr. Maya Chen is cancelled.')).toBeTruthy();
    expect(api.calls.filter((c) => c.method === 'POST').map((c) => c.path)).toEqual(['Appointment/next/$cancel']);
    await waitFor(() => expect(screen.queryByText('You have no upcoming appointments.')).toBeTruthy());
  });

  it('disables cancelling and booking while offline', async () => {
    connectivity.set({ offline: true, lastUpdated: new Date('2026-03-01T08:00:00Z') });
    setup();
    const cancel = await screen.findByRole('button', { name: /^Cancel appointment on/ });
    expect((cancel as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByRole('link', { name: 'Book an appointment' }).getAttribute('aria-disabled')).toBe('true');
  });
});
