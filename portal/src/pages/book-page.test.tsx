import { fireEvent, screen, waitFor, within } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../fhir/api-error.ts';
import { bundle, fakeApi } from '../test-support/fake-api.ts';
import { renderPage } from '../test-support/render-page.tsx';
import BookPage, { JUST_TAKEN } from './book-page.tsx';

const practitioner = { resourceType: 'Practitioner', id: 'chen', name: [{ prefix: ['Dr.'], given: ['Maya'], family: 'Chen' }] };
const schedule = { resourceType: 'Schedule', id: 'sch-chen', actor: [{ reference: 'Practitioner/chen' }] };
const slot = (id: string, start: string) => ({ resourceType: 'Slot', id, schedule: { reference: 'Schedule/sch-chen' }, status: 'free', start, end: start });

function setup(book: () => unknown) {
  let free = [slot('s1', '2026-03-03T09:00:00Z'), slot('s2', '2026-03-03T09:30:00Z'), slot('s3', '2026-03-04T13:00:00Z')];
  const api = fakeApi('p1', [
    [/^GET Practitioner\?/, bundle([practitioner])],
    [/^GET Schedule\?actor=Practitioner%2Fchen$/, bundle([schedule])],
    [/^GET Slot\?/, () => bundle(free)],
    [
      /^POST Appointment\/\$book$/,
      () => {
        const answer = book();
        free = free.filter((s) => s.id !== 's1');
        return answer;
      },
    ],
  ]);
  renderPage(<BookPage />, api);
  return api;
}

async function chooseDoctor() {
  fireEvent.change(await screen.findByLabelText('Care provider'), { target: { value: 'chen' } });
  return screen.findByRole('heading', { name: 'Free times with Dr. Maya Chen' });
}

describe('BookPage', () => {
  it('lists the free times of the next 14 days grouped by day', async () => {
    const api = setup(() => ({ resourceType: 'Appointment' }));
    await chooseDoctor();
    const tuesday = await screen.findByRole('region', { name: 'Tuesday 3 March' });
    expect(within(tuesday).getAllByRole('button').map((b) => b.textContent)).toEqual(['09:00', '09:30']);
    const wednesday = screen.getByRole('region', { name: 'Wednesday 4 March' });
    expect(within(wednesday).getAllByRole('button').map((b) => b.textContent)).toEqual(['13:00']);
    const slotQuery = api.calls.find((c) => c.path.startsWith('Slot?'))!.path;
    expect(slotQuery).toContain('schedule=Schedule%2Fsch-chen');
    expect(slotQuery).toContain('status=free');
    expect(slotQuery).toContain('start=ge2026-03-02T09%3A00%3A00.000Z');
    expect(slotQuery).toContain('start=lt2026-03-16T09%3A00%3A00.000Z');
    expect(slotQuery).toContain('_sort=start');
  });

  it('books the chosen time after confirmation', async () => {
    const api = setup(() => ({ resourceType: 'Appointment', id: 'a1', status: 'booked' }));
    await chooseDoctor();
    fireEvent.click(await screen.findByRole('button', { name: '09:00 on Tuesday 3 March' }));
    fireEvent.input(screen.getByLabelText('Reason for the visit (optional)'), { target: { value: 'Knee pain' } });
    fireEvent.click(screen.getByRole('button', { name: 'Book this time' }));
    expect(await screen.findByText('Appointment booked')).toBeTruthy();
    expect(api.calls.find((c) => c.method === 'POST')!.body).toEqual({
      resourceType: 'Parameters',
      parameter: [
        { name: 'slot', valueReference: { reference: 'Slot/s1' } },
        { name: 'comment', valueString: 'Knee pain' },
      ],
    });
  });

  it('says the time was just taken on a 409 and shows the refreshed free times', async () => {
    setup(() => new ApiError('conflict', 409, 'This time was just taken; please choose another'));
    await chooseDoctor();
    fireEvent.click(await screen.findByRole('button', { name: '09:00 on Tuesday 3 March' }));
    fireEvent.click(screen.getByRole('button', { name: 'Book this time' }));
    expect((await screen.findByRole('alert')).textContent).toBe(JUST_TAKEN);
    await waitFor(() => expect(screen.queryByRole('button', { name: '09:00 on Tuesday 3 March' })).toBeNull());
    expect(screen.getByRole('button', { name: '09:30 on Tuesday 3 March' })).toBeTruthy();
  });
});
