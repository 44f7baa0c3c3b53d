import { screen } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../fhir/api-error.ts';
import { bundle, fakeApi } from '../test-support/fake-api.ts';
import { renderPage } from '../test-support/render-page.tsx';
import HomePage from './home-page.tsx';

const patient = { resourceType: 'Patient', id: 'p1', name: [{ use: 'official', given: ['Amy'], family: 'Rivera' }], birthDate: '1980-05-04' };
const practitioner = { resourceType: 'Practitioner', id: 'chen', name: [{ prefix: ['Dr.'], given: ['Maya'], family: 'Chen' }] };
const appointment = {
  resourceType: 'Appointment',
  id: 'a1',
  status: 'booked',
  start: '2026-03-05T10:30:00Z',
  end: '2026-03-05T11:00:00Z',
  participant: [{ actor: { reference: 'Practitioner/chen' }, status: 'accepted' }],
};
const heartRate = {
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
  effectiveDateTime: '2026-02-27T08:00:00Z',
  valueQuantity: { value: 66, unit: '/min' },
};

describe('HomePage', () => {
  it('greets the patient and shows the next appointment, latest vitals and unread notes', async () => {
    localStorage.setItem('portico.notes-read.p1', '["n1"]');
    renderPage(
      <HomePage />,
      fakeApi('p1', [
        [/^GET Patient\/p1$/, patient],
        [/^GET Appointment\?/, bundle([appointment, practitioner])],
        [/^GET Observation\?.*8867-4/, bundle([heartRate])],
        [/^GET Observation\?/, bundle([])],
        [/^GET DocumentReference\?/, bundle([{ resourceType: 'DocumentReference', id: 'n1', status: 'current', content: [] }, { resourceType: 'DocumentReference', id: 'n2', status: 'current', content: [] }])],
      ]),
    );
    expect(await screen.findByRole('heading', { level: 1, name: 'Hello, Amy' })).toBeTruthy();
    expect(await screen.findByText('Thu, 5 Mar 2026, 10:30')).toBeTruthy();
    expect(screen.getByText(/with Dr\. Maya Chen/)).toBeTruthy();
    expect(await screen.findByText(/66 per minute/)).toBeTruthy();
    expect(await screen.findByText('1 unread note.')).toBeTruthy();
  });

  it('asks only for what it shows: the next open appointment with its care provider, the newest readings per vital sign', async () => {
    const api = fakeApi('p1', [
      [/^GET Patient\/p1$/, patient],
      [/^GET Appointment\?/, bundle([{ ...appointment, id: 'over', start: '2026-03-01T10:00:00Z', end: '2026-03-01T10:30:00Z' }, appointment, practitioner])],
      [/^GET Observation\?/, bundle([])],
      [/^GET DocumentReference\?/, bundle([])],
    ]);
    renderPage(<HomePage />, api);
    // The day-old one (still "booked") is over: the next is the one ahead.
    expect(await screen.findByText('Thu, 5 Mar 2026, 10:30')).toBeTruthy();
    const paths = api.calls.map((c) => decodeURIComponent(c.path));
    expect(paths.filter((p) => p.startsWith('Appointment?'))).toEqual([
      'Appointment?patient=p1&status:not=cancelled,noshow,entered-in-error,fulfilled,checked-in,arrived&date=ge2026-03-01&_sort=date&_count=10&_include=Appointment:practitioner',
    ]);
    expect(paths.filter((p) => p.startsWith('Observation?')).sort()).toEqual([
      'Observation?patient=p1&category=vital-signs&code=http://loinc.org|29463-7&status:not=entered-in-error,cancelled&date=ge2025-03-01&_sort=-date&_count=1',
      'Observation?patient=p1&category=vital-signs&code=http://loinc.org|85354-9,http://loinc.org|8480-6,http://loinc.org|8462-4&status:not=entered-in-error,cancelled&date=ge2025-03-01&_sort=-date&_count=6',
      'Observation?patient=p1&category=vital-signs&code=http://loinc.org|8867-4&status:not=entered-in-error,cancelled&date=ge2025-03-01&_sort=-date&_count=1',
    ]);
    expect(paths.some((p) => p.startsWith('Practitioner'))).toBe(false);
  });

  it('keeps the lead line in place while the patient loads', async () => {
    const { container } = renderPage(
      <HomePage />,
      fakeApi('p1', [
        [/^GET Patient\/p1$/, patient],
        [/^GET Appointment\?/, bundle([])],
        [/^GET Observation\?/, bundle([])],
        [/^GET DocumentReference\?/, bundle([])],
      ]),
    );
    // First render, before any answer: the line is there, empty.
    const lead = container.querySelector('p.lead');
    expect(lead?.textContent).toBe('');
    expect(await screen.findByText('Amy Rivera')).toBeTruthy();
    expect(container.querySelector('p.lead')).toBe(lead);
  });

  it('explains a failure in words instead of showing a blank card', async () => {
    renderPage(
      <HomePage />,
      fakeApi('p1', [
        [/^GET Patient\/p1$/, patient],
        [/^GET Appointment\?/, new ApiError('server', 503)],
        [/^GET Observation\?/, new ApiError('forbidden', 403)],
        [/^GET DocumentReference\?/, bundle([])],
      ]),
    );
    expect(await screen.findByText('The clinic’s system has a problem')).toBeTruthy();
    expect(await screen.findByText('Not allowed')).toBeTruthy();
    expect(screen.getAllByRole('button', { name: 'Try again' })).toHaveLength(2);
  });
});
