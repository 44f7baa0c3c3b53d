import { describe, expect, it } from 'vitest';
import { applyMigrations, openSqlite } from '../db/sqlite/connection.ts';
import { createSqliteAuditRepository } from '../db/sqlite/audit-store.ts';
import { auditEvent } from './record-audit.ts';

async function chainOfFive() {
  const sqlite = openSqlite(':memory:');
  applyMigrations(sqlite, 'sqlite');
  const audit = createSqliteAuditRepository(sqlite);
  // Both ways in: group-committed appends, and appends inside a caller's transaction.
  await Promise.all([1, 2, 3].map((n) => audit.append(auditEvent({ category: 'rest', action: 'read', outcome: 'success', resourceId: `o${n}` }))));
  sqlite.transaction(() => {
    audit.appendSync(auditEvent({ category: 'rest', action: 'create', outcome: 'success', resourceId: 'o4' }));
    audit.appendSync(auditEvent({ category: 'admin', action: 'client.disable', outcome: 'success', clientId: 'app' }));
  })();
  // The test plays an attacker with write access to the file: the append-only triggers go first.
  const tamper = (sql: string) => {
    sqlite.exec('DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;');
    sqlite.exec(sql);
  };
  return { sqlite, audit, tamper };
}

describe('audit hash chain (security checklist AU5)', () => {
  it('links every row to the one before it, whichever way it was appended', async () => {
    const { sqlite, audit } = await chainOfFive();
    expect(await audit.verifyChain()).toEqual({ ok: true, checked: 5 });
    const links = sqlite.prepare('SELECT prev_hash, hash FROM audit_events ORDER BY seq').all() as { prev_hash: string; hash: string }[];
    expect(links[0]!.prev_hash).toBe('0'.repeat(64));
    for (let i = 1; i < links.length; i++) expect(links[i]!.prev_hash).toBe(links[i - 1]!.hash);
  });

  it('finds an edited row', async () => {
    const { audit, tamper } = await chainOfFive();
    tamper("UPDATE audit_events SET outcome = 'denied' WHERE seq = 3");
    expect(await audit.verifyChain()).toEqual({ ok: false, checked: 3, brokenAt: 3 });
  });

  it('finds a row removed from the middle', async () => {
    const { audit, tamper } = await chainOfFive();
    tamper('DELETE FROM audit_events WHERE seq = 2');
    expect(await audit.verifyChain()).toMatchObject({ ok: false, brokenAt: 3 });
  });

  it('finds an edited row whose hash was recomputed without the chain behind it', async () => {
    const { audit, tamper } = await chainOfFive();
    tamper("UPDATE audit_events SET detail = 'x', hash = 'f' || substr(hash, 2) WHERE seq = 4");
    expect(await audit.verifyChain()).toMatchObject({ ok: false, brokenAt: 4 });
  });
});
