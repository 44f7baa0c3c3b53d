import fs from 'node:fs';
import type { Hono } from 'hono';
import { createApp } from './app.ts';
import { ConfigError, type Config } from './config.ts';
import { applyMigrations, openSqlite, type SqliteDatabase } from './db/sqlite/connection.ts';
import { createSqliteStore } from './db/sqlite/store.ts';
import type { GatewayStore } from './db/store.ts';
import { capabilityStatement } from './fhir/capability-statement.ts';
import { loadFhirDefinitions } from './fhir/definitions.ts';
import { LocalFhir } from './fhir/local/local-fhir.ts';
import { ResourceStore } from './fhir/local/resource-store.ts';
import { KeyRing } from './keys/key-ring.ts';
import { createLogger, type Logger } from './log.ts';
import { endpointsOf } from './oauth/discovery.ts';
import { createAccessTokenVerifier, type TokenSettings } from './oauth/tokens/access-token.ts';
import { upsertPortalClient } from './portal/portal-client.ts';

/** Everything but the HTTP app: what the CLI needs. */
export interface GatewayCore {
  readonly config: Config;
  readonly store: GatewayStore;
  readonly keys: KeyRing;
  readonly fhir: LocalFhir;
  readonly resources: ResourceStore;
  readonly now: () => Date;
  readonly tokenSettings: TokenSettings;
  readonly sqlite: SqliteDatabase;
  close(): Promise<void>;
}

export interface Gateway extends GatewayCore {
  readonly app: Hono;
}

export interface GatewayOptions {
  readonly now?: () => Date;
  readonly log?: Logger;
  /** Where the built portal is served from (tests give a folder of their own). */
  readonly portalDistDir?: string;
}

export const SOFTWARE_VERSION: string = JSON.parse(
  fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
).version;

/**
 * Opens the database, applies migrations and makes sure signing keys exist. The FHIR definitions
 * (about a second to load) are loaded on first use, so CLI commands that need none stay quick.
 */
export async function openCore(config: Config, options: GatewayOptions = {}): Promise<GatewayCore> {
  const now = options.now ?? (() => new Date());
  if (config.database.kind !== 'sqlite') throw new Error('Only SQLite is available in this version');

  const sqlite = openDatabase(config.database.path);
  applyMigrations(sqlite, 'sqlite');
  applyMigrations(sqlite, 'fhir-sqlite');

  const store = createSqliteStore(sqlite);
  const keys = new KeyRing(store.signingKeys, { now, retentionSeconds: config.maxAccessTokenSeconds + 300 });
  await keys.ensureCurrentKeys();
  const resources = new ResourceStore(sqlite);
  const fhir = new LocalFhir({ store: resources, fhirBaseUrl: config.fhirBaseUrl, now });
  const tokenSettings: TokenSettings = { issuer: config.publicUrl, audience: config.fhirBaseUrl, now };
  return { config, store, keys, fhir, resources, now, tokenSettings, sqlite, close: () => store.close() };
}

/** The composition root of the server: the core wired into the HTTP app, definitions loaded up front. */
export async function openGateway(config: Config, options: GatewayOptions = {}): Promise<Gateway> {
  const core = await openCore(config, options);
  loadFhirDefinitions();
  await upsertPortalClient(core.store, config.publicUrl, core.now);
  const endpoints = endpointsOf(config.publicUrl);
  const app = createApp({
    config,
    endpoints,
    store: core.store,
    keys: core.keys,
    fhir: core.fhir,
    tokenSettings: core.tokenSettings,
    verifyAccessToken: createAccessTokenVerifier(core.keys, core.tokenSettings, (id, now) => core.store.grants.liveness(id, now)),
    capabilityStatement: capabilityStatement({ fhirBaseUrl: config.fhirBaseUrl, softwareVersion: SOFTWARE_VERSION, date: core.now(), endpoints }),
    log: options.log ?? createLogger(),
    now: core.now,
    portalDistDir: options.portalDistDir,
  });
  return { ...core, app };
}

function openDatabase(path: string): SqliteDatabase {
  try {
    return openSqlite(path);
  } catch (error) {
    const reason = (error as { code?: string }).code ?? (error as Error).message;
    throw new ConfigError('DATABASE_URL', `cannot open the SQLite database at ${path} (${reason})`);
  }
}
