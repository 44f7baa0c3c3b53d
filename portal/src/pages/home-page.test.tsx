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
        [/^GET Appointment\?/, bundle([appointment])],
        [/^GET Practitioner\?/, bundle([practitioner])],
        [/^GET Observation\?/, bundle([heartRate])],
        [/^GET DocumentReference\?/, bundle([{ resourceType: 'DocumentReference', id: 'n1', status: 'current', content: [] }, { resourceType: 'DocumentReference', id: 'n2', status: 'current', content: [] }])],
      ]),
    );
    expect(await screen.findByRole('heading', { level: 1, name: 'Hello, Amy' })).toBeTruthy();
    expect(await screen.findByText('Thu, 5 Mar 2026, 10:30')).toBeTruthy();
    expect(screen.getByText(/with Dr\. Maya Chen/)).toBeTruthy();
    expect(await screen.findByText(/66 per minute/)).toBeTruthy();
    expect(await screen.findByText('1 unread note.')).toBeTruthy();
  });

  it('explains a failure in words instead of showing a blank card', async () => {
    renderPage(
      <HomePage />,
      fakeApi('p1', [
        [/^GET Patient\/p1$/, patient],
        [/^GET Appointment\?/, new ApiError('server', 503)],
        [/^GET Practitioner\?/, bundle([])],
        [/^GET Observation\?/, new ApiError('forbidden', 403)],
        [/^GET DocumentReference\?/, bundle([])],
      ]),
    );
    expect(await screen.findByText('The clinic’s system has a problem')).toBeTruthy();
    expect(await screen.findByText('Not allowed')).toBeTruthy();
    expect(screen.getAllByRole('button', { name: 'Try again' })).toHaveLength(2);
  });
});
