import { describe, expect, it } from 'vitest';
import type { ConnectedApp } from '@portico/shared/portal/connected-apps';
import { accessDuration, describeAccess, isRemovableScope, revocationEffect } from './access-wording.ts';

const app = (over: Partial<ConnectedApp>): ConnectedApp => ({
  clientId: 'c1',
  name: 'Pill Pal',
  logoUri: null,
  policyUri: null,
  status: 'active',
  disabledAt: null,
  scopes: [],
  grantedAt: '2026-01-01T10:00:00Z',
  expiresAt: null,
  untilSignOut: false,
  lastUsedAt: null,
  revokedAt: null,
  refusedSince: 0,
  access: [],
  ...over,
});
const now = new Date('2026-03-02T12:00:00Z');

describe('revocationEffect', () => {
  it('says when access ended and how many requests were refused since', () => {
    expect(revocationEffect(app({ status: 'revoked', revokedAt: '2026-03-02T10:42:00Z', refusedSince: 3 }), now, 'UTC')).toBe(
      'Revoked at 10:42 — access and refresh tokens no longer work — 3 requests refused since',
    );
    expect(revocationEffect(app({ status: 'revoked', revokedAt: '2026-02-27T08:05:00Z', refusedSince: 1 }), now, 'UTC')).toBe(
      'Revoked on Fri, 27 Feb 2026, 08:05 — access and refresh tokens no longer work — 1 request refused since',
    );
    expect(revocationEffect(app({ status: 'disabled', disabledAt: '2026-03-02T09:00:00Z' }), now, 'UTC')).toBe(
      'Turned off by your practice at 09:00 — access and refresh tokens no longer work — 0 requests refused since',
    );
    expect(revocationEffect(app({}), now, 'UTC')).toBeNull();
  });
});

describe('describeAccess', () => {
  it('names the kind of data, the action and how often', () => {
    expect(describeAccess({ resourceType: 'Observation', action: 'search', count: 12, firstAt: '2026-02-01T08:00:00Z', lastAt: '2026-03-01T18:30:00Z' }, 'UTC')).toBe(
      'Looked through your health measurements and test results — 12 times, first on Sun, 1 Feb 2026, last on Sun, 1 Mar 2026, 18:30',
    );
    expect(describeAccess({ resourceType: 'Appointment', action: 'create', count: 1, firstAt: '2026-03-01T18:30:00Z', lastAt: '2026-03-01T18:30:00Z' }, 'UTC')).toBe(
      'Added to your appointments — once, on Sun, 1 Mar 2026, 18:30',
    );
  });
});

describe('scopes and duration', () => {
  it('lets data permissions be removed, not sign-in plumbing', () => {
    expect(isRemovableScope('patient/Observation.rs')).toBe(true);
    expect(['openid', 'fhirUser', 'launch/patient', 'offline_access'].some(isRemovableScope)).toBe(false);
  });

  it('words how long access lasts', () => {
    expect(accessDuration(app({ untilSignOut: true }), 'UTC')).toBe('Until you sign out of the app');
    expect(accessDuration(app({ expiresAt: '2026-04-01T10:00:00Z' }), 'UTC')).toBe('Until Wed, 1 Apr 2026');
    expect(accessDuration(app({}), 'UTC')).toBe('Until you revoke it');
    expect(accessDuration(app({ status: 'revoked' }), 'UTC')).toBe('No access now');
  });
});
