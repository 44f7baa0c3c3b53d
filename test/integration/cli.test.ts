import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../gateway/src/config.ts';
import { openGateway } from '../../gateway/src/gateway.ts';
import { silentLogger } from '../../gateway/src/log.ts';
import { DEMO_USERS } from '../../gateway/src/seed/demo-users.ts';
import { verifyPassword } from '../../gateway/src/users/password.ts';

// `npm run cli` as an operator runs it: a child process on a database file of its own.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

let dir: string;
let dbFile: string;
let publicJwksFile: string;
let publicJwks: { keys: JWK[] };
let firstSeed: CliResult;

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function cli(...args: string[]): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: `file:${dbFile}`, SEED: 'none' };
  for (const name of ['PORT', 'HOST', 'PUBLIC_URL', 'FHIR_UPSTREAM_URL', 'LOG_REQUESTS']) delete env[name];
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'gateway/src/cli/main.ts', ...args], { cwd: ROOT, env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout: string; stderr: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** The one JSON object a successful command prints on stdout. */
function output(result: CliResult): Record<string, any> {
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout.endsWith('\n')).toBe(true);
  expect(result.stdout.trimEnd().split('\n')).toHaveLength(1);
  const value = JSON.parse(result.stdout);
  expect(value).toBeTypeOf('object');
  expect(Array.isArray(value)).toBe(false);
  return value;
}

/** Checks a refusal of bad input: exit 2, nothing on stdout, one `error:` line on stderr; returns that line. */
function usageError(result: CliResult): string {
  expect(result.code, result.stdout + result.stderr).toBe(2);
  expect(result.stdout).toBe('');
  const errors = result.stderr.split('\n').filter((line) => line.startsWith('error:'));
  expect(errors, result.stderr).toHaveLength(1);
  return errors[0]!;
}

function query<T>(sql: string, ...params: unknown[]): T[] {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

const clientRow = (clientId: string) => query<Record<string, any>>('SELECT * FROM clients WHERE client_id = ?', clientId)[0];
const clientsNamed = (name: string) => query('SELECT client_id FROM clients WHERE name = ?', name).length;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-cli-'));
  // A folder that does not exist yet: the CLI creates it.
  dbFile = path.join(dir, 'data', 'portico.db');
  const { publicKey } = await generateKeyPair('ES384', { extractable: true });
  publicJwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'app-key-1', alg: 'ES384', use: 'sig' }] };
  publicJwksFile = path.join(dir, 'public.jwks.json');
  fs.writeFileSync(publicJwksFile, JSON.stringify(publicJwks));
  firstSeed = await cli('seed', 'demo');
});

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('client add', () => {
  it('registers a public app and prints only its client_id', async () => {
    const printed = output(await cli('client', 'add', '--name', 'CLI public app', '--redirect-uri', 'https://apps.example.org/cb'));
    expect(Object.keys(printed)).toEqual(['client_id']);
    expect(clientRow(printed.client_id)).toMatchObject({ name: 'CLI public app', type: 'public', secret_hash: null, redirect_uris: '["https://apps.example.org/cb"]' });
  });

  it('prints a confidential-symmetric secret once and stores only its SHA-256 hex', async () => {
    const printed = output(
      await cli('client', 'add', '--name', 'CLI symmetric app', '--type', 'confidential-symmetric', '--redirect-uri', 'https://apps.example.org/cb'),
    );
    expect(Object.keys(printed)).toEqual(['client_id', 'client_secret']);
    const row = clientRow(printed.client_id)!;
    expect(row.type).toBe('confidential-symmetric');
    expect(row.secret_hash).toBe(createHash('sha256').update(printed.client_secret).digest('hex'));
    expect(row.secret_hash).not.toBe(printed.client_secret);
    expect(JSON.stringify(row)).not.toContain(printed.client_secret);
  });

  it('registers a confidential-asymmetric app with the public keys of a JWKS file', async () => {
    const printed = output(
      await cli('client', 'add', '--name', 'CLI asymmetric app', '--type', 'confidential-asymmetric', '--jwks-file', publicJwksFile,
        '--redirect-uri', 'https://apps.example.org/cb', '--redirect-uri', 'http://localhost:3000/cb'),
    );
    expect(Object.keys(printed)).toEqual(['client_id']);
    const row = clientRow(printed.client_id)!;
    expect(row.type).toBe('confidential-asymmetric');
    expect(JSON.parse(row.jwks)).toEqual(publicJwks);
    expect(JSON.parse(row.redirect_uris)).toEqual(['https://apps.example.org/cb', 'http://localhost:3000/cb']);
  });

  it('registers a backend service for client_credentials with system/*.rs', async () => {
    const printed = output(await cli('client', 'add', '--name', 'CLI backend', '--grant-type', 'client_credentials', '--jwks-file', publicJwksFile));
    expect(Object.keys(printed)).toEqual(['client_id']);
    expect(clientRow(printed.client_id)).toMatchObject({
      type: 'confidential-asymmetric',
      grant_types: '["client_credentials"]',
      scope: 'system/*.rs',
      redirect_uris: '[]',
    });
  });
});

describe('client add refuses bad input with exit 2 and one error line naming the field', () => {
  const add = (name: string, ...args: string[]) => cli('client', 'add', '--name', name, ...args);

  it('a missing --name', async () => {
    expect(usageError(await cli('client', 'add', '--redirect-uri', 'https://apps.example.org/cb'))).toBe('error: --name is required');
  });

  it('an http redirect URI off loopback', async () => {
    expect(usageError(await add('bad-http', '--redirect-uri', 'http://apps.example.org/cb'))).toMatch(/^error: redirect-uri: must use https/);
    expect(clientsNamed('bad-http')).toBe(0);
  });

  it('a redirect URI with a fragment', async () => {
    expect(usageError(await add('bad-fragment', '--redirect-uri', 'https://apps.example.org/cb#top'))).toBe('error: redirect-uri: must not contain a fragment');
    expect(clientsNamed('bad-fragment')).toBe(0);
  });

  it('a confidential-asymmetric client without keys', async () => {
    const line = usageError(await add('bad-nokeys', '--type', 'confidential-asymmetric', '--redirect-uri', 'https://apps.example.org/cb'));
    expect(line).toMatch(/^error: jwks: /);
    expect(clientsNamed('bad-nokeys')).toBe(0);
  });

  it('a JWKS file holding a private key', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const file = path.join(dir, 'private.jwks.json');
    fs.writeFileSync(file, JSON.stringify({ keys: [await exportJWK(privateKey)] }));
    const line = usageError(await add('bad-private', '--grant-type', 'client_credentials', '--jwks-file', file));
    expect(line).toBe('error: jwks: must hold public keys only (a private key was given)');
    expect(clientsNamed('bad-private')).toBe(0);
  });

  it('a JWKS file that is not JSON', async () => {
    const file = path.join(dir, 'not-json.txt');
    fs.writeFileSync(file, 'not json');
    expect(usageError(await add('bad-file', '--grant-type', 'client_credentials', '--jwks-file', file))).toMatch(/^error: --jwks-file: /);
  });

  it('an unknown --type', async () => {
    const line = usageError(await add('bad-type', '--type', 'trusted', '--redirect-uri', 'https://apps.example.org/cb'));
    expect(line).toBe('error: --type must be one of public, confidential-symmetric, confidential-asymmetric');
  });

  it('an unknown option', async () => {
    expect(usageError(await add('bad-option', '--redirect', 'https://apps.example.org/cb'))).toMatch(/^error: .*'--redirect'/);
  });

  it('an unknown command, listing the commands', async () => {
    const result = await cli('frobnicate', 'now');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^Unknown command "frobnicate now"\. Commands:\n/);
    for (const command of ['client add', 'user add', 'seed demo', 'keys rotate']) expect(result.stderr).toContain(`\n  ${command} `);
  });
});

describe('user add', () => {
  it('creates a patient linked to an existing Patient, with a password that verifies', async () => {
    const printed = output(
      await cli('user', 'add', '--username', 'grace', '--password', 'grace-long-passphrase', '--role', 'patient', '--fhir-user', 'Patient/demo-pat-03'),
    );
    expect(printed).toEqual({ id: expect.any(String), username: 'grace', fhirUser: 'Patient/demo-pat-03' });
    const [row] = query<{ id: string; role: string; fhir_user: string; password_hash: string }>('SELECT * FROM users WHERE username = ?', 'grace');
    expect(row).toMatchObject({ id: printed.id, role: 'patient', fhir_user: 'Patient/demo-pat-03' });
    expect(await verifyPassword('grace-long-passphrase', row!.password_hash)).toBe(true);
  });
});

describe('user add refuses bad input with exit 2', () => {
  const add = (...args: string[]) => cli('user', 'add', ...args);

  it('a username that is taken', async () => {
    const line = usageError(await add('--username', 'amy', '--password', 'another-passphrase', '--role', 'admin'));
    expect(line).toBe('error: username already exists');
    expect(query('SELECT role FROM users WHERE username = ?', 'amy')).toEqual([{ role: 'patient' }]);
  });

  it('a password shorter than 10 characters', async () => {
    const line = usageError(await add('--username', 'shorty', '--password', 'short', '--role', 'patient', '--fhir-user', 'Patient/demo-pat-04'));
    expect(line).toBe('error: password: must be at least 10 characters');
  });

  it('a patient without --fhir-user', async () => {
    const line = usageError(await add('--username', 'unlinked', '--password', 'a long passphrase', '--role', 'patient'));
    expect(line).toBe('error: fhir-user: a patient must be linked to a Patient/ID');
  });

  it('a --fhir-user that does not exist', async () => {
    const line = usageError(await add('--username', 'ghost', '--password', 'a long passphrase', '--role', 'patient', '--fhir-user', 'Patient/demo-pat-99'));
    expect(line).toBe('error: fhir-user: Patient/demo-pat-99 does not exist');
    expect(query('SELECT id FROM users WHERE username = ?', 'ghost')).toEqual([]);
  });
});

describe('seed demo', () => {
  it('creates the demo practice and users on the first run and nothing on the second', async () => {
    const first = output(firstSeed);
    expect(first).toEqual({
      created: expect.any(Number),
      alreadyPresent: 0,
      usersCreated: DEMO_USERS.map((u) => u.username),
      anchor: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
    });
    expect(first.created).toBeGreaterThan(1000);
    expect(firstSeed.stderr).toContain(`${first.created} created, 0 already present`);

    const second = output(await cli('seed', 'demo'));
    expect(second).toEqual({ created: 0, alreadyPresent: first.created, usersCreated: [], anchor: first.anchor });
    expect(query('SELECT count(*) AS n FROM fhir_resources WHERE version_id <> 1')).toEqual([{ n: 0 }]);
  });
});

describe('keys rotate', () => {
  it('prints two new kids, which a gateway already open on the database publishes on its next request', async () => {
    const gateway = await openGateway(loadConfig({ DATABASE_URL: `file:${dbFile}`, SEED: 'none' }), { log: silentLogger });
    try {
      const jwks = async () => (await (await gateway.app.request('/.well-known/jwks.json')).json()) as { keys: JWK[] };
      const before = (await jwks()).keys.map((k) => k.kid);

      const printed = output(await cli('keys', 'rotate'));
      expect(printed.current.map((k: { alg: string }) => k.alg).sort()).toEqual(['ES256', 'RS256']);
      const kids: string[] = printed.current.map((k: { kid: string }) => k.kid);
      expect(kids.every((kid) => !before.includes(kid))).toBe(true);
      expect(Date.parse(printed.previousKeysVerifyUntil)).toBeGreaterThan(Date.now() + 3600_000);

      const after = (await jwks()).keys.map((k) => k.kid);
      expect(after.sort()).toEqual([...before, ...kids].sort());
    } finally {
      await gateway.close();
    }
  });
});

describe('client token, launch and grants revoke', () => {
  it('client token prints an initial access token that registers one client, once, at /auth/register', async () => {
    const { initial_access_token: token } = output(await cli('client', 'token'));
    expect(token).toMatch(/^[\w-]{43}$/);
    const gateway = await openGateway(loadConfig({ DATABASE_URL: `file:${dbFile}`, SEED: 'none' }), { log: silentLogger });
    try {
      const register = () =>
        gateway.app.request('/auth/register', {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ client_name: 'Registered by token', redirect_uris: ['https://reg.example/cb'], token_endpoint_auth_method: 'none' }),
        });
      const first = await register();
      expect(first.status).toBe(201);
      expect(clientRow(((await first.json()) as { client_id: string }).client_id)?.name).toBe('Registered by token');
      expect((await register()).status).toBe(401);
    } finally {
      await gateway.close();
    }
  });

  it('launch prints an EHR launch for a registered launch URI, bound to client, patient and user', async () => {
    const { client_id: clientId } = output(
      await cli('client', 'add', '--name', 'EHR app', '--redirect-uri', 'https://ehr-app.example/cb', '--launch-uri', 'https://ehr-app.example/launch?tenant=a'),
    );
    const printed = output(await cli('launch', '--client', clientId, '--patient', 'demo-pat-01', '--user', 'dr.chen'));
    expect(printed.iss).toBe('http://localhost:8080/fhir');
    const url = new URL(printed.url);
    expect(`${url.origin}${url.pathname}`).toBe('https://ehr-app.example/launch');
    expect(url.searchParams.get('tenant')).toBe('a');
    expect(url.searchParams.get('iss')).toBe(printed.iss);
    expect(url.searchParams.get('launch')).toBe(printed.launch);
    const [row] = query<Record<string, any>>('SELECT * FROM launches WHERE id_hash = ?', createHash('sha256').update(printed.launch).digest('hex'));
    expect(row).toMatchObject({ client_id: clientId, patient_id: 'demo-pat-01', consumed_at: null });
    expect(row!.user_id).toBe(query<{ id: string }>("SELECT id FROM users WHERE username = 'dr.chen'")[0]!.id);
    expect(JSON.stringify(query('SELECT * FROM launches'))).not.toContain(printed.launch);
  });

  it('launch refuses an unknown patient, an unknown user and an app without a launch URI, with exit 2', async () => {
    const { client_id: withLaunch } = output(
      await cli('client', 'add', '--name', 'EHR app 2', '--redirect-uri', 'https://ehr-app.example/cb', '--launch-uri', 'https://ehr-app.example/launch'),
    );
    const { client_id: withoutLaunch } = output(await cli('client', 'add', '--name', 'No launch', '--redirect-uri', 'https://x.example/cb'));
    expect(usageError(await cli('launch', '--client', withLaunch, '--patient', 'nobody'))).toMatch(/^error: patient: /);
    expect(usageError(await cli('launch', '--client', withLaunch, '--patient', 'demo-pat-01', '--user', 'nobody'))).toMatch(/--user/);
    expect(usageError(await cli('launch', '--client', withoutLaunch, '--patient', 'demo-pat-01'))).toMatch(/launch URI/);
  });

  it('grants revoke ends one patient\'s grants of an app, which a running gateway refuses on its next check', async () => {
    const gateway = await openGateway(loadConfig({ DATABASE_URL: `file:${dbFile}`, SEED: 'none' }), { log: silentLogger });
    try {
      const grant = (id: string, patientId: string) => ({
        id, clientId: 'revoke-app', kind: 'user' as const, userId: null, patientId, encounterId: null, scope: 'patient/*.rs',
        sessionId: null, createdAt: new Date(), expiresAt: null, revokedAt: null, revokedReason: null,
      });
      await gateway.store.grants.insert(grant('g-p1', 'demo-pat-01'));
      await gateway.store.grants.insert(grant('g-p2', 'demo-pat-02'));
      expect(await gateway.store.grants.isActive('g-p1', new Date())).toBe(true);
      expect(output(await cli('grants', 'revoke', '--client', 'revoke-app', '--patient', 'demo-pat-01'))).toEqual({ revoked: 1 });
      expect(await gateway.store.grants.isActive('g-p1', new Date())).toBe(false);
      expect(await gateway.store.grants.isActive('g-p2', new Date())).toBe(true);
      expect(output(await cli('grants', 'revoke', '--client', 'revoke-app'))).toEqual({ revoked: 1 });
      expect(await gateway.store.grants.isActive('g-p2', new Date())).toBe(false);
    } finally {
      await gateway.close();
    }
  });
});

describe('the database file', () => {
  it('and its folder are readable by their owner only', () => {
    expect(fs.statSync(path.dirname(dbFile)).mode & 0o777).toBe(0o700);
    const files = fs.readdirSync(path.dirname(dbFile));
    expect(files).toContain('portico.db');
    for (const file of files) expect(fs.statSync(path.join(path.dirname(dbFile), file)).mode & 0o777, file).toBe(0o600);
  });
});

describe('audit verify', () => {
  it('confirms an intact hash chain, and names the first row after someone edited the file', async () => {
    // Something to chain: an admin action recorded by the command line itself.
    output(await cli('grants', 'revoke', '--client', 'no-such-app'));
    const intact = output(await cli('audit', 'verify'));
    expect(intact.ok).toBe(true);
    expect(intact.checked).toBeGreaterThanOrEqual(1);

    const db = new Database(dbFile);
    try {
      db.exec('DROP TRIGGER audit_events_no_update');
      db.prepare("UPDATE audit_events SET outcome = 'failure' WHERE seq = (SELECT min(seq) FROM audit_events)").run();
    } finally {
      db.close();
    }
    const altered = await cli('audit', 'verify');
    expect(altered.code).toBe(1);
    expect(altered.stdout).toBe('');
    expect(altered.stderr).toMatch(/^error: the audit trail was altered: the chain breaks at row \d+/);
  });
});
