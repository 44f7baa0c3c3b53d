import { describe, expect, it } from 'vitest';
import type { GrantRecord } from '../db/oauth-records.ts';
import { REVOKED_SHOWN_MS, summarizeGrants } from './grant-summary.ts';

const now = new Date('2026-06-01T12:00:00Z');
const at = (offsetMs: number) => new Date(now.getTime() + offsetMs);
const DAY = 86_400_000;
const enabled = { disabledAt: null };

let n = 0;
function grant(changes: Partial<GrantRecord> = {}): GrantRecord {
  return {
    id: `g${++n}`,
    clientId: 'app',
    kind: 'user',
    userId: 'u1',
    patientId: 'p1',
    encounterId: null,
    scope: 'openid patient/Observation.rs',
    sessionId: null,
    createdAt: at(-DAY),
    expiresAt: null,
    revokedAt: null,
    revokedReason: null,
    ...changes,
  };
}

describe('summarizeGrants', () => {
  it('merges live grants: union of scopes in order, earliest start, latest end', () => {
    const summary = summarizeGrants(
      [
        grant({ scope: 'openid patient/Observation.rs', createdAt: at(-3 * DAY), expiresAt: at(5 * DAY) }),
        grant({ scope: 'patient/Condition.rs openid', createdAt: at(-DAY), expiresAt: at(29 * DAY) }),
      ],
      enabled,
      now,
    )!;
    expect(summary.status).toBe('active');
    expect(summary.scopes).toEqual(['openid', 'patient/Observation.rs', 'patient/Condition.rs']);
    expect(summary.grantedAt).toEqual(at(-3 * DAY));
    expect(summary.expiresAt).toEqual(at(29 * DAY));
    expect(summary.untilSignOut).toBe(false);
    expect(summary.refusedFrom).toBeNull();
  });

  it('lasts until revoked when any live grant does', () => {
    expect(summarizeGrants([grant({ expiresAt: at(DAY) }), grant()], enabled, now)!.expiresAt).toBeNull();
  });

  it('lasts until sign-out only when every live grant is bound to a sign-in session', () => {
    const session = grant({ sessionId: 's1', expiresAt: at(3_600_000) });
    expect(summarizeGrants([session], enabled, now)).toMatchObject({ untilSignOut: true, expiresAt: null });
    expect(summarizeGrants([session, grant({ expiresAt: at(DAY) })], enabled, now)).toMatchObject({ untilSignOut: false, expiresAt: at(DAY) });
  });

  it('leaves out expired and revoked grants while a live one remains, and backend grants always', () => {
    const summary = summarizeGrants(
      [grant({ scope: 'patient/Condition.rs', expiresAt: at(-1) }), grant({ scope: 'patient/Slot.rs', revokedAt: at(-1) }), grant({ kind: 'backend', scope: 'system/*.rs' }), grant()],
      enabled,
      now,
    )!;
    expect(summary.scopes).toEqual(['openid', 'patient/Observation.rs']);
    expect(summary.grants).toHaveLength(1);
  });

  it('is disabled when a practice admin turned the app off, counting refusals from then', () => {
    const disabledAt = at(-60_000);
    expect(summarizeGrants([grant()], { disabledAt }, now)).toMatchObject({ status: 'disabled', refusedFrom: disabledAt, scopes: ['openid', 'patient/Observation.rs'] });
  });

  it('is revoked, without scopes, for 90 days after the last grant was revoked', () => {
    const revokedAt = at(-10 * DAY);
    const summary = summarizeGrants([grant({ revokedAt: at(-20 * DAY) }), grant({ revokedAt })], enabled, now)!;
    expect(summary).toMatchObject({ status: 'revoked', scopes: [], revokedAt, refusedFrom: revokedAt });
    expect(summarizeGrants([grant({ revokedAt: at(-REVOKED_SHOWN_MS - 1) })], enabled, now)).toBeUndefined();
  });

  it('shows nothing for grants that merely ran out, even if swept by a later revocation', () => {
    expect(summarizeGrants([grant({ expiresAt: at(-DAY) })], enabled, now)).toBeUndefined();
    expect(summarizeGrants([grant({ expiresAt: at(-DAY), revokedAt: at(-1) })], enabled, now)).toBeUndefined();
    expect(summarizeGrants([grant({ kind: 'backend' })], enabled, now)).toBeUndefined();
  });
});
