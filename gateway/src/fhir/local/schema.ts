import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

// The embedded FHIR R4 store. Resources are kept as JSON text; search parameters are extracted at
// write time into one narrow table per parameter type, keyed by the resource's integer `rid`, so a
// search is a handful of index lookups. Each table has a lookup index ending in `rid` (a search
// driven by that parameter reads the index alone) and one starting with it (checking a candidate).
// Migrations: gateway/migrations/fhir-sqlite (drizzle-kit).

/** Current version of every resource (a deleted one keeps its row, with `content` null). */
export const resources = sqliteTable(
  'fhir_resources',
  {
    rid: integer('rid').primaryKey({ autoIncrement: true }),
    resourceType: text('resource_type').notNull(),
    id: text('id').notNull(),
    versionId: integer('version_id').notNull(),
    lastUpdated: integer('last_updated').notNull(),
    deleted: integer('deleted', { mode: 'boolean' }).notNull(),
    content: text('content'),
  },
  (t) => [
    uniqueIndex('fhir_resources_type_id').on(t.resourceType, t.id),
    index('fhir_resources_type_updated').on(t.resourceType, t.lastUpdated),
  ],
);

/** Every version but the current one. */
export const history = sqliteTable(
  'fhir_history',
  {
    rid: integer('rid')
      .notNull()
      .references(() => resources.rid),
    versionId: integer('version_id').notNull(),
    lastUpdated: integer('last_updated').notNull(),
    deleted: integer('deleted', { mode: 'boolean' }).notNull(),
    content: text('content'),
  },
  (t) => [primaryKey({ columns: [t.rid, t.versionId] })],
);

export const tokenIndex = sqliteTable(
  'fhir_token_index',
  {
    rid: integer('rid').notNull(),
    resourceType: text('resource_type').notNull(),
    param: text('param').notNull(),
    system: text('system'),
    code: text('code').notNull(),
  },
  (t) => [
    index('fhir_token_lookup').on(t.resourceType, t.param, t.code, t.system, t.rid),
    index('fhir_token_rid').on(t.rid, t.param, t.code, t.system),
  ],
);

export const stringIndex = sqliteTable(
  'fhir_string_index',
  {
    rid: integer('rid').notNull(),
    resourceType: text('resource_type').notNull(),
    param: text('param').notNull(),
    /** Lower-cased, accents removed: what default and `:contains` searches compare. */
    normalized: text('normalized').notNull(),
    /** As written: what `:exact` compares. */
    exact: text('exact').notNull(),
  },
  (t) => [
    index('fhir_string_lookup').on(t.resourceType, t.param, t.normalized, t.rid),
    index('fhir_string_rid').on(t.rid, t.param, t.normalized),
  ],
);

/** Dates as half-open ranges [low, high) in epoch milliseconds, UTC. */
export const dateIndex = sqliteTable(
  'fhir_date_index',
  {
    rid: integer('rid').notNull(),
    resourceType: text('resource_type').notNull(),
    param: text('param').notNull(),
    low: integer('low').notNull(),
    high: integer('high').notNull(),
  },
  (t) => [
    index('fhir_date_lookup').on(t.resourceType, t.param, t.low, t.high, t.rid),
    index('fhir_date_rid').on(t.rid, t.param, t.low, t.high),
  ],
);

export const referenceIndex = sqliteTable(
  'fhir_reference_index',
  {
    rid: integer('rid').notNull(),
    resourceType: text('resource_type').notNull(),
    param: text('param').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id').notNull(),
  },
  (t) => [
    index('fhir_reference_lookup').on(t.resourceType, t.param, t.targetId, t.targetType, t.rid),
    index('fhir_reference_target').on(t.targetType, t.targetId),
    index('fhir_reference_rid').on(t.rid, t.param),
  ],
);
