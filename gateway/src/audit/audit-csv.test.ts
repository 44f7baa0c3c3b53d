import { describe, expect, it } from 'vitest';
import type { AuditEventRecord } from '../db/audit-records.ts';
import { auditCsv, csvField } from './audit-csv.ts';

const event = (changes: Partial<AuditEventRecord> = {}): AuditEventRecord => ({
  id: 'e1',
  recordedAt: new Date('2026-03-01T10:00:00.123Z'),
  category: 'rest',
  action: 'read',
  outcome: 'success',
  userId: 'u1',
  fhirUser: 'Practitioner/p1',
  clientId: 'app',
  grantId: 'g1',
  patientId: 'pat1',
  resourceType: 'Observation',
  resourceId: 'o1',
  sourceAddress: '127.0.0.1',
  requestId: 'r1',
  detail: null,
  ...changes,
});

describe('auditCsv', () => {
  it('writes a header row and one CRLF-terminated row per event, with ISO times and empty nulls', () => {
    expect(auditCsv([event()])).toBe(
      'recorded,id,category,action,outcome,user,fhir_user,client,grant,patient,resource_type,resource_id,source_address,request_id,detail\r\n' +
        '2026-03-01T10:00:00.123Z,e1,rest,read,success,u1,Practitioner/p1,app,g1,pat1,Observation,o1,127.0.0.1,r1,\r\n',
    );
  });

  it('quotes fields holding commas, quotes or line breaks and doubles the quotes (RFC 4180)', () => {
    const [, row] = auditCsv([event({ detail: 'a "b", c\nd' })]).split('\r\n');
    expect(row!.endsWith(',"a ""b"", c\nd"')).toBe(true);
  });

  it('defuses spreadsheet formulas by prefixing a quote', () => {
    expect(csvField('=HYPERLINK("http://evil")')).toBe(`"'=HYPERLINK(""http://evil"")"`);
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('-2+3')).toBe("'-2+3");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('\tcmd')).toBe("'\tcmd");
    expect(csvField('plain')).toBe('plain');
    expect(csvField(null)).toBe('');
  });

  it('is only a header for no events', () => {
    expect(auditCsv([]).split('\r\n')).toHaveLength(2);
  });
});
