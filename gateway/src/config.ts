import path from 'node:path';

/**
 * The gateway's configuration, parsed once from the environment (see contract.md, "Configuration").
 * Every other module receives the values it needs from this object; nothing else reads `process.env`.
 */
export interface Config {
  readonly port: number;
  readonly host: string;
  /** Issuer and base of every URL the gateway hands out; never ends with a slash. */
  readonly publicUrl: string;
  /** `{publicUrl}/fhir`: the audience of access tokens. */
  readonly fhirBaseUrl: string;
  readonly database: DatabaseConfig;
  readonly seed: 'demo' | 'none';
  /** Longest life of any access token; signing keys are kept this long after rotation. */
  readonly maxAccessTokenSeconds: number;
  /** Largest request body accepted on the FHIR API, in bytes. */
  readonly fhirMaxBodyBytes: number;
  /** Which requests get a log line: all, only failed or slow ones, or none. */
  readonly logRequests: 'all' | 'errors' | 'none';
  /** Dynamic client registration without an initial access token (RFC 7591 §3). */
  readonly openRegistration: boolean;
  /** `auto`: `npm start` builds the patient portal when its build is missing or stale; `skip`: never. */
  readonly portalBuild: 'auto' | 'skip';
  readonly lifetimes: Lifetimes;
  /** Admins and practitioners must have TOTP on before they can finish signing in. */
  readonly requireStaffMfa: boolean;
  /** Anyone may register as a patient at /account/register (creating their Patient). */
  readonly selfRegistration: boolean;
  /** Where mail goes besides the outbox; null: the outbox only (the console shows it). */
  readonly smtp: SmtpConfig | null;
}

export interface SmtpConfig {
  /** `smtp://` or `smtps://`, possibly with credentials: never logged or echoed. */
  readonly url: string;
  /** The From header of every message. */
  readonly from: string;
}

/** How long each thing the authorization server hands out lives, in seconds. */
export interface Lifetimes {
  /** Access tokens of apps a person authorized (SMART: at most an hour). */
  readonly accessToken: number;
  /** Access tokens of backend services (SMART Backend Services: at most five minutes). */
  readonly backendAccessToken: number;
  readonly authorizationCode: number;
  /** An EHR launch id, from the Launch button to the app's /authorize. */
  readonly launch: number;
  /** From /authorize to the consent decision. */
  readonly authorizationFlow: number;
  /** A sign-in at the gateway. */
  readonly session: number;
}

export type DatabaseConfig =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string };

/** A configuration value that stops start-up; `message` is one line naming the variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`${variable}: ${reason}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Parses the environment into a frozen {@link Config}, or throws {@link ConfigError}. */
export function loadConfig(env: Env, cwd = process.cwd()): Config {
  const port = parsePort(env.PORT);
  const host = nonEmpty('HOST', env.HOST) ?? '127.0.0.1';
  const publicUrl = parsePublicUrl(env.PUBLIC_URL ?? `http://localhost:${port}`);
  const database = parseDatabaseUrl(env.DATABASE_URL ?? 'file:./data/portico.db', cwd);
  if (env.FHIR_UPSTREAM_URL !== undefined && env.FHIR_UPSTREAM_URL !== '') {
    throw new ConfigError('FHIR_UPSTREAM_URL', 'proxying to an upstream FHIR server is not available in this version; unset it to use the embedded store');
  }
  const seed = env.SEED ?? 'demo';
  if (seed !== 'demo' && seed !== 'none') {
    throw new ConfigError('SEED', `must be "demo" or "none", got ${JSON.stringify(seed)}`);
  }
  const logRequests = env.LOG_REQUESTS ?? 'errors';
  if (logRequests !== 'all' && logRequests !== 'errors' && logRequests !== 'none') {
    throw new ConfigError('LOG_REQUESTS', `must be "all", "errors" or "none", got ${JSON.stringify(logRequests)}`);
  }
  const portalBuild = env.PORTAL_BUILD || 'auto';
  if (portalBuild !== 'auto' && portalBuild !== 'skip') {
    throw new ConfigError('PORTAL_BUILD', `must be "auto" or "skip", got ${JSON.stringify(portalBuild)}`);
  }
  return Object.freeze({
    port,
    host,
    publicUrl,
    fhirBaseUrl: `${publicUrl}/fhir`,
    database: Object.freeze(database),
    seed,
    maxAccessTokenSeconds: 3600,
    fhirMaxBodyBytes: 5 * 1024 * 1024,
    logRequests,
    openRegistration: parseBoolean('OPEN_REGISTRATION', env.OPEN_REGISTRATION, false),
    portalBuild,
    requireStaffMfa: parseBoolean('REQUIRE_STAFF_MFA', env.REQUIRE_STAFF_MFA, seed !== 'demo'),
    selfRegistration: parseBoolean('SELF_REGISTRATION', env.SELF_REGISTRATION, false),
    smtp: parseSmtp(env.SMTP_URL, env.MAIL_FROM, publicUrl),
    lifetimes: Object.freeze({
      accessToken: 3600,
      backendAccessToken: 300,
      authorizationCode: 60,
      launch: 300,
      authorizationFlow: 900,
      session: 12 * 3600,
    }),
  });
}

function parseBoolean(variable: string, raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new ConfigError(variable, `must be "true" or "false", got ${JSON.stringify(raw)}`);
}

function parseSmtp(url: string | undefined, from: string | undefined, publicUrl: string): SmtpConfig | null {
  if (from !== undefined && from !== '' && (!/^[^\r\n]*@[^\r\n]*$/.test(from) || from.length > 200)) {
    throw new ConfigError('MAIL_FROM', 'must be an address such as "Portico <no-reply@clinic.example>"');
  }
  if (url === undefined || url === '') return null;
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  // The value is not echoed: it may hold the SMTP password.
  if (!parsed || (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') || !parsed.hostname) {
    throw new ConfigError('SMTP_URL', 'must be smtp://[user:pass@]host[:port] or smtps://…');
  }
  return Object.freeze({ url, from: from || `Portico <no-reply@${new URL(publicUrl).hostname}>` });
}

function nonEmpty(variable: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value.trim() === '') throw new ConfigError(variable, 'must not be empty');
  return value;
}

function parsePort(raw: string | undefined): number {
  if (raw === undefined) return 8080;
  if (!/^\d{1,5}$/.test(raw) || Number(raw) > 65535) {
    throw new ConfigError('PORT', `must be a whole number from 0 to 65535, got ${JSON.stringify(raw)}`);
  }
  return Number(raw);
}

function parsePublicUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('PUBLIC_URL', `must be an absolute URL with a scheme such as https://, got ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError('PUBLIC_URL', `must start with http:// or https://, got ${JSON.stringify(raw)}`);
  }
  if (raw.endsWith('/')) {
    throw new ConfigError('PUBLIC_URL', `must not end with a slash, got ${JSON.stringify(raw)}`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new ConfigError('PUBLIC_URL', 'must not hold credentials, a query or a fragment');
  }
  return raw;
}

function parseDatabaseUrl(raw: string, cwd: string): DatabaseConfig {
  if (raw.startsWith('file:')) {
    const file = raw.slice('file:'.length);
    if (file === '') throw new ConfigError('DATABASE_URL', 'file: needs a path, e.g. file:./data/portico.db');
    return { kind: 'sqlite', path: file === ':memory:' ? file : path.resolve(cwd, file) };
  }
  if (raw.startsWith('postgres://') || raw.startsWith('postgresql://')) {
    throw new ConfigError('DATABASE_URL', 'PostgreSQL is not available in this version; use file:PATH');
  }
  // The value is not echoed: a mistyped connection string may hold a password.
  throw new ConfigError('DATABASE_URL', 'must start with file: (SQLite) or postgres:// (PostgreSQL)');
}
