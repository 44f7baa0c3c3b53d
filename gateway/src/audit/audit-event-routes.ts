import { parseScopes } from '@portico/shared/smart/scopes';
import type { Bundle } from 'fhir/r4';
import { Hono, type Context } from 'hono';
import type { GatewayStore } from '../db/store.ts';
import { FhirError, notFound } from '../fhir/errors.ts';
import type { FhirResponder } from '../fhir/http/respond.ts';
import type { FhirEnv } from '../fhir/http/require-token.ts';
import { checkId } from '../fhir/interaction.ts';
import type { AccessTokenClaims } from '../oauth/tokens/access-token.ts';
import { parseAuditSearch, type AuditSearch } from './audit-search.ts';
import { toAuditEvent } from './balp.ts';
import { interactionRecorder } from './interaction-audit.ts';
import { requestOrigin } from './record-audit.ts';

/** What the AuditEvent endpoint reads: the trail itself, and users and clients to tell who may read it. */
export type AuditEventStore = Pick<GatewayStore, 'audit' | 'users' | 'clients'>;

export interface AuditEventRoutesDeps {
  readonly store: AuditEventStore;
  readonly respond: FhirResponder;
  readonly fhirBaseUrl: string;
}

/**
 * `/fhir/AuditEvent`: the audit trail as BALP-shaped AuditEvents, read-only (search and read; any
 * write is 405). Only two kinds of token may read it: a practice admin's with `user/AuditEvent.rs`
 * (or `.read`) and a backend service's with `system/AuditEvent.rs` — named explicitly, since a
 * wildcard (`user/*.rs`) is not meant to reach the trail of everyone's access. Reading the trail is
 * itself audited.
 */
export function auditEventRoutes(deps: AuditEventRoutesDeps): Hono<FhirEnv> {
  const audited = (kind: 'search-type' | 'read', run: (c: Context<FhirEnv>) => Promise<Response>) => async (c: Context<FhirEnv>) => {
    const recorder = interactionRecorder(deps.store.audit, c.get('token'), requestOrigin(c), deps.fhirBaseUrl);
    const resourceId = kind === 'read' ? c.req.param('id') : undefined;
    try {
      const response = await run(c);
      recorder.hook.record({ kind, resourceType: 'AuditEvent', resourceId, status: response.status });
      await recorder.flush();
      return response;
    } catch (error) {
      if (error instanceof FhirError) recorder.hook.record({ kind, resourceType: 'AuditEvent', resourceId, status: error.status });
      await recorder.flush();
      throw error;
    }
  };

  return new Hono<FhirEnv>()
    .get(
      '/',
      audited('search-type', async (c) => {
        await requireAuditReader(c.get('token'), 's', deps.store);
        const search = parseAuditSearch([...new URL(c.req.url).searchParams], /handling=strict/i.test(c.req.header('prefer') ?? ''));
        return deps.respond.json(c, 200, await searchBundle(search, deps));
      }),
    )
    .get(
      '/:id',
      audited('read', async (c) => {
        await requireAuditReader(c.get('token'), 'r', deps.store);
        const record = await deps.store.audit.findById(checkId(c.req.param('id') ?? ''));
        if (!record) throw notFound('No such AuditEvent');
        return deps.respond.json(c, 200, toAuditEvent(record, deps), { 'Last-Modified': record.recordedAt.toUTCString() });
      }),
    )
    .all('*', (c) => {
      if (c.req.method === 'GET') throw notFound('Unknown path');
      throw new FhirError(405, 'not-supported', 'The audit trail is read-only: AuditEvent accepts only GET');
    });
}

/**
 * 403 unless the token may read the audit trail: `system/AuditEvent` held by a backend service (no
 * user behind it), or `user/AuditEvent` held by a user whose role is admin. Granular (`?…`) scopes do
 * not count.
 */
export async function requireAuditReader(claims: AccessTokenClaims, permission: 'r' | 's', store: AuditEventStore): Promise<void> {
  const scopes = parseScopes(claims.scope).scopes.filter(
    (s) => s.kind === 'resource' && s.resourceType === 'AuditEvent' && s.query.length === 0 && s.permissions.has(permission),
  );
  const isBackend = claims.sub === claims.client_id;
  if (isBackend && scopes.some((s) => s.kind === 'resource' && s.level === 'system')) return;
  if (!isBackend && scopes.some((s) => s.kind === 'resource' && s.level === 'user')) {
    const user = await store.users.findById(claims.sub);
    if (user && user.role === 'admin' && user.disabledAt === null) return;
  }
  const error = new FhirError(403, 'forbidden', 'Reading the audit trail needs user/AuditEvent.rs as a practice admin, or system/AuditEvent.rs');
  error.challenge = 'Bearer error="insufficient_scope", scope="system/AuditEvent.rs"';
  throw error;
}

async function searchBundle(search: AuditSearch, deps: AuditEventRoutesDeps): Promise<Bundle> {
  const filter = { ...search.filter, ...(search.agent === undefined ? {} : await agentFilter(search.agent, deps.store)) };
  const page = await deps.store.audit.list(filter, { limit: search.count, before: search.before });
  const url = (before?: number) => {
    const query = new URLSearchParams(search.used.map(([k, v]) => [k, v]));
    query.set('_count', String(search.count));
    if (before !== undefined) query.set('_before', String(before));
    return `${deps.fhirBaseUrl}/AuditEvent?${query}`;
  };
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    link: [{ relation: 'self', url: url(search.before) }, ...(page.nextBefore === undefined ? [] : [{ relation: 'next', url: url(page.nextBefore) }])],
    entry: page.events.map((record) => ({
      fullUrl: `${deps.fhirBaseUrl}/AuditEvent/${record.id}`,
      resource: toAuditEvent(record, deps),
      search: { mode: 'match' as const },
    })),
  };
}

/** `agent` names an app (client id) or a person (user id or username); a client id wins. */
async function agentFilter(agent: string, store: AuditEventStore): Promise<{ clientId: string } | { userId: string }> {
  if (await store.clients.findById(agent)) return { clientId: agent };
  const user = (await store.users.findById(agent)) ?? (await store.users.findByUsername(agent));
  return { userId: user?.id ?? agent };
}
