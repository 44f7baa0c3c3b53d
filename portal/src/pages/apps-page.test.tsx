import { fireEvent, screen, within } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectedApp } from '@portico/shared/portal/connected-apps';
import { connectivity } from '../offline/connectivity.ts';
import { fakeApi } from '../test-support/fake-api.ts';
import { renderPage } from '../test-support/render-page.tsx';
import AppsPage from './apps-page.tsx';

const pillPal: ConnectedApp = {
  clientId: 'pill-pal',
  name: 'Pill Pal',
  logoUri: null,
  policyUri: 'https://pillpal.example/privacy',
  status: 'active',
  disabledAt: null,
  scopes: [
    { scope: 'launch/patient', description: 'Know which patient you are' },
    { scope: 'patient/Observation.rs', description: 'See your health measurements and test results' },
    { scope: 'patient/Appointment.rs', description: 'See your appointments' },
  ],
  grantedAt: '2026-02-01T08:00:00Z',
  expiresAt: null,
  untilSignOut: false,
  lastUsedAt: '2026-03-02T08:15:00Z',
  revokedAt: null,
  refusedSince: 0,
  access: [{ resourceType: 'Observation', action: 'search', count: 4, firstAt: '2026-02-01T08:00:00Z', lastAt: '2026-03-02T08:15:00Z' }],
};
const stepCounter: ConnectedApp = { ...pillPal, clientId: 'steps', name: 'Step Counter', status: 'disabled', disabledAt: '2026-02-20T10:00:00Z', refusedSince: 2, access: [] };

function setup() {
  const api = fakeApi('p1', [
    [/^GET \/api\/me\/apps$/, { apps: [pillPal, stepCounter] }],
    [/^POST \/api\/me\/apps\/pill-pal\/revoke$/, { ...pillPal, status: 'revoked', scopes: [], revokedAt: '2026-03-02T08:42:00Z', refusedSince: 3 }],
    [/^POST \/api\/me\/apps\/pill-pal\/remove-scope$/, { ...pillPal, scopes: pillPal.scopes.filter((s) => s.scope !== 'patient/Observation.rs') }],
  ]);
  renderPage(<AppsPage />, api);
  return api;
}

afterEach(() => connectivity.set({ offline: false, lastUpdated: null }));

describe('AppsPage', () => {
  it('shows each app’s permissions, dates and history in plain language', async () => {
    setup();
    const card = await screen.findByRole('region', { name: 'Pill Pal' });
    expect(within(card).getByText('See your health measurements and test results')).toBeTruthy();
    expect(within(card).getByText('Until you revoke it')).toBeTruthy();
    expect(within(card).getByText('Mon, 2 Mar 2026, 08:15')).toBeTruthy();
    expect(within(card).getByText(/^Looked through your health measurements and test results — 4 times/)).toBeTruthy();
    // Sign-in plumbing cannot be removed one by one; data permissions can.
    expect(within(card).getAllByRole('button', { name: /^Remove this permission/ })).toHaveLength(2);
    const disabled = screen.getByRole('region', { name: 'Step Counter' });
    expect(within(disabled).getByText(/Your practice has turned this app off on Fri, 20 Feb 2026/)).toBeTruthy();
    expect(within(disabled).queryByRole('button', { name: /Revoke/ })).toBeNull();
  });

  it('revokes an app after confirmation and shows the effect', async () => {
    const api = setup();
    const card = await screen.findByRole('region', { name: 'Pill Pal' });
    fireEvent.click(within(card).getByRole('button', { name: 'Revoke access for Pill Pal' }));
    fireEvent.click(within(card).getByRole('button', { name: 'Yes, revoke access' }));
    expect(await within(card).findByText('Revoked at 08:42 — access and refresh tokens no longer work — 3 requests refused since')).toBeTruthy();
    expect(api.calls.filter((c) => c.method === 'POST').map((c) => c.path)).toEqual(['/api/me/apps/pill-pal/revoke']);
    expect(within(card).queryByRole('button', { name: /Revoke access/ })).toBeNull();
  });

  it('removes one permission after confirmation', async () => {
    const api = setup();
    const card = await screen.findByRole('region', { name: 'Pill Pal' });
    fireEvent.click(within(card).getByRole('button', { name: 'Remove this permission: See your health measurements and test results' }));
    fireEvent.click(within(card).getByRole('button', { name: 'Yes, remove it' }));
    await within(card).findByText('See your appointments');
    expect(within(card).queryByText('See your health measurements and test results')).toBeNull();
    expect(api.calls.find((c) => c.method === 'POST')).toEqual({ method: 'POST', path: '/api/me/apps/pill-pal/remove-scope', body: { scope: 'patient/Observation.rs' } });
  });

  it('disables revoking while offline', async () => {
    connectivity.set({ offline: true, lastUpdated: null });
    setup();
    const card = await screen.findByRole('region', { name: 'Pill Pal' });
    expect((within(card).getByRole('button', { name: 'Revoke access for Pill Pal' }) as HTMLButtonElement).disabled).toBe(true);
  });
});
