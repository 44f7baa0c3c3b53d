import { Hono } from 'hono';
import { auditCsv } from '../../audit/audit-csv.ts';
import { recordAudit, requestOrigin } from '../../audit/record-audit.ts';
import type { AuditEventRecord, AuditFilter } from '../../db/audit-records.ts';
import { ValidationError } from '../../validation-error.ts';
import { consoleAuth, type ConsoleDeps, type ConsoleEnv } from '../console-auth.ts';
import { consolePage } from '../console-pages.tsx';
import { readAuditForm, toAuditFilter } from './audit-filter.ts';
import { AuditPage } from './audit-page.tsx';

const PAGE_SIZE = 50;
/** A CSV download holds at most this many events; narrow the filter for more. */
const MAX_EXPORT = 100_000;

/**
 * `/admin/audit`: the audit trail filtered by patient, app, user, category, action, outcome and
 * date range (ONC §170.315(d)(3) reports), paged newest first, and the same filter as CSV. Admins only.
 */
export function auditRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();
  app.use('*', consoleAuth(deps, { roles: ['admin'] }));

  app.get('/', async (c) => {
    const values = readAuditForm((name) => c.req.query(name));
    const before = Number(c.req.query('before'));
    const clients = await deps.store.clients.list();
    let filter: AuditFilter | undefined;
    let problem: string | undefined;
    try {
      filter = await toAuditFilter(values, deps.store.users);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      problem = error.message.replace(/^(\w+): /, (_, field: string) => `${field[0]!.toUpperCase()}${field.slice(1)}: `);
    }
    const page = filter ? await deps.store.audit.list(filter, { limit: PAGE_SIZE, ...(Number.isSafeInteger(before) && before > 0 ? { before } : {}) }) : { events: [] };
    const total = filter ? await deps.store.audit.count(filter) : 0;
    const usernames = new Map<string, string>();
    for (const id of new Set(page.events.map((e) => e.userId).filter((id): id is string => id !== null))) {
      const user = await deps.store.users.findById(id);
      if (user) usernames.set(id, user.username);
    }
    return consolePage(
      c,
      <AuditPage user={c.get('user')} csrf={c.get('csrf')} values={values} events={page.events} total={total} nextBefore={page.nextBefore} clients={clients} usernames={usernames} problem={problem} />,
      problem ? 400 : 200,
    );
  });

  app.get('/export.csv', async (c) => {
    let filter: AuditFilter;
    try {
      filter = await toAuditFilter(readAuditForm((name) => c.req.query(name)), deps.store.users);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return c.text(`${error.message}\n`, 400);
    }
    const events: AuditEventRecord[] = [];
    let before: number | undefined;
    do {
      const page = await deps.store.audit.list(filter, { limit: 1000, ...(before !== undefined ? { before } : {}) });
      events.push(...page.events);
      before = page.nextBefore;
    } while (before !== undefined && events.length < MAX_EXPORT);
    // Reading the trail in bulk is itself recorded.
    await recordAudit(deps.store.audit, { category: 'admin', action: 'audit.export', outcome: 'success', userId: c.get('user').id, detail: `${events.length} events`, ...requestOrigin(c) });
    const stamp = deps.now().toISOString().slice(0, 10);
    return c.body(auditCsv(events.slice(0, MAX_EXPORT)), 200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="portico-audit-${stamp}.csv"`,
      'Cache-Control': 'no-store',
    });
  });

  return app;
}
