import { describe, expect, it } from 'vitest';
import { applyMigrations, openSqlite } from '../db/sqlite/connection.ts';
import { createSqliteAuditRepository } from '../db/sqlite/audit-store.ts';
import { auditEvent } from './record-audit.ts';

function repository() {
  const sqlite = openSqlite(':memory:');
  applyMigrations(sqlite, 'sqlite');
  return { sqlite, audit: createSqliteAuditRepository(sqlite) };
}

const at = (iso: string) => new Date(iso);

describe('SQLite audit repository', () => {
  it('joins the caller transaction: a rolled-back transaction takes its row with it', async () => {
    const { sqlite, audit } = repository();
    expect(() =>
      sqlite.transaction(() => {
        void audit.append(auditEvent({ category: 'rest', action: 'create', outcome: 'success' }));
        throw new Error('the write failed');
      })(),
    ).toThrow('the write failed');
    expect(await audit.count({})).toBe(0);
  });

  it('group-commits appends made outside a transaction; a refused row fails only its own caller', async () => {
    const { sqlite, audit } = repository();
    sqlite.exec("CREATE TRIGGER refuse_bad BEFORE INSERT ON audit_events WHEN NEW.detail = 'bad' BEGIN SELECT RAISE(ABORT, 'refused'); END");
    const results = await Promise.allSettled(
      ['ok', 'bad', 'ok'].map((detail) => audit.append(auditEvent({ category: 'rest', action: 'read', outcome: 'success', detail }))),
    );
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await audit.count({})).toBe(2);
  });

  it('lists newest first with filters and a cursor, and summarises one app’s access to one patient', async () => {
    const { audit } = repository();
    const base = { category: 'rest', outcome: 'success', clientId: 'app', patientId: 'p1', resourceType: 'Observation' } as const;
    await audit.append(auditEvent({ ...base, action: 'read', recordedAt: at('2026-01-01T10:00:00Z') }));
    await audit.append(auditEvent({ ...base, action: 'read', recordedAt: at('2026-01-02T10:00:00Z') }));
    await audit.append(auditEvent({ ...base, action: 'search', recordedAt: at('2026-01-03T10:00:00Z') }));
    await audit.append(auditEvent({ ...base, action: 'refused', outcome: 'denied', recordedAt: at('2026-01-04T10:00:00Z') }));
    await audit.append(auditEvent({ ...base, action: 'read', patientId: 'p2', recordedAt: at('2026-01-05T10:00:00Z') }));

    const first = await audit.list({ patientId: 'p1' }, { limit: 2 });
    expect(first.events.map((e) => e.action)).toEqual(['refused', 'search']);
    const second = await audit.list({ patientId: 'p1' }, { limit: 2, before: first.nextBefore });
    expect(second.events.map((e) => e.recordedAt.toISOString().slice(0, 10))).toEqual(['2026-01-02', '2026-01-01']);
    expect(second.nextBefore).toBeUndefined();
    expect(await audit.count({ patientId: 'p1', from: at('2026-01-02T00:00:00Z'), to: at('2026-01-04T00:00:00Z') })).toBe(2);
    expect(await audit.findById(first.events[0]!.id)).toEqual(first.events[0]);

    expect(await audit.accessSummary('app', 'p1')).toEqual([
      { resourceType: 'Observation', action: 'read', count: 2, firstAt: at('2026-01-01T10:00:00Z'), lastAt: at('2026-01-02T10:00:00Z') },
      { resourceType: 'Observation', action: 'search', count: 1, firstAt: at('2026-01-03T10:00:00Z'), lastAt: at('2026-01-03T10:00:00Z') },
    ]);
    expect(await audit.lastUsed('app', ['p1', 'p2', 'p3'])).toEqual(
      new Map([
        ['p1', at('2026-01-03T10:00:00Z')],
        ['p2', at('2026-01-05T10:00:00Z')],
      ]),
    );
    expect(await audit.lastUsed('app', ['p2'])).toEqual(new Map([['p2', at('2026-01-05T10:00:00Z')]]));
    expect(await audit.lastUsed('other', ['p1'])).toEqual(new Map());
    expect(await audit.refusedSince('app', 'p1', at('2026-01-04T00:00:00Z'))).toBe(1);
    expect(await audit.refusedSince('app', 'p1', at('2026-01-05T00:00:00Z'))).toBe(0);
  });
});
