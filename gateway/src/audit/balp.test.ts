import { describe, expect, it } from 'vitest';
import type { AuditEventRecord } from '../db/audit-records.ts';
import { parseAuditSearch } from './audit-search.ts';
import { toAuditEvent } from './balp.ts';

const base = 'https://portico.example/fhir';
const record = (changes: Partial<AuditEventRecord>): AuditEventRecord => ({
  id: 'e1',
  recordedAt: new Date('2026-03-01T10:00:00Z'),
  category: 'rest',
  action: 'read',
  outcome: 'success',
  userId: null,
  fhirUser: null,
  clientId: 'svc',
  grantId: 'g1',
  patientId: null,
  resourceType: null,
  resourceId: null,
  sourceAddress: '10.0.0.7',
  requestId: null,
  detail: null,
  ...changes,
});

describe('toAuditEvent', () => {
  it('makes a backend service the requestor when no person is behind the request', () => {
    const event = toAuditEvent(record({ action: 'search', resourceType: 'Observation' }), { fhirBaseUrl: base });
    expect(event.action).toBe('E');
    expect(event.subtype).toEqual([{ system: 'http://hl7.org/fhir/restful-interaction', code: 'search-type' }, { system: 'urn:portico:audit-action', code: 'search' }]);
    expect(event.agent).toEqual([
      expect.objectContaining({ requestor: true, who: { identifier: { system: 'urn:ietf:params:oauth:client-id', value: 'svc' } }, network: { address: '10.0.0.7', type: '2' } }),
    ]);
    expect(event.entity).toContainEqual(expect.objectContaining({ what: { type: 'Observation' }, role: expect.objectContaining({ code: '4' }) }));
  });

  it('maps outcomes: denied is 4, a client error 8, a server error 12', () => {
    expect(toAuditEvent(record({ outcome: 'denied', detail: '403' }), { fhirBaseUrl: base }).outcome).toBe('4');
    expect(toAuditEvent(record({ outcome: 'failure', detail: '404' }), { fhirBaseUrl: base }).outcome).toBe('8');
    expect(toAuditEvent(record({ outcome: 'failure', detail: '$book 500' }), { fhirBaseUrl: base }).outcome).toBe('12');
  });

  it('types sign-ins as DICOM user authentication, login', () => {
    const event = toAuditEvent(record({ category: 'login', action: 'sign-in', userId: 'u1', clientId: 'app' }), { fhirBaseUrl: base });
    expect(event.type).toMatchObject({ code: '110114' });
    expect(event.subtype?.[0]).toMatchObject({ code: '110122' });
    expect(event.agent?.[0]).toMatchObject({ requestor: true, who: { identifier: { value: 'u1' } } });
  });
});

describe('parseAuditSearch', () => {
  it('reads filters, dates as half-open bounds, count and cursor', () => {
    const search = parseAuditSearch(
      [
        ['patient', 'Patient/p1'],
        ['subtype', 'http://hl7.org/fhir/restful-interaction|search-type'],
        ['outcome', '4'],
        ['date', 'ge2026-03-01'],
        ['date', 'lt2026-04'],
        ['_count', '5000'],
        ['_before', '42'],
      ],
      false,
    );
    expect(search.filter).toEqual({ patientId: 'p1', action: 'search', outcome: 'denied', from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-04-01T00:00:00Z') });
    expect(search.count).toBe(1000);
    expect(search.before).toBe(42);
    expect(search.used.map(([k]) => k)).not.toContain('_before');
  });

  it('refuses ambiguous or malformed values with 400', () => {
    expect(() => parseAuditSearch([['action', 'R']], false)).toThrow(/subtype/);
    expect(() => parseAuditSearch([['outcome', 'maybe']], false)).toThrow(/outcome/);
    expect(() => parseAuditSearch([['date', 'yesterday']], false)).toThrow(/date/i);
    expect(() => parseAuditSearch([['bogus', '1']], true)).toThrow(/Unknown/);
    expect(parseAuditSearch([['bogus', '1']], false).used).toEqual([]);
  });
});
