import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USERS } from '../../gateway/src/seed/demo-users.ts';

// The README's `npm start`, as a real process on a real port.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// Loading the FHIR definitions takes about a second and seeding a few more; on a busy machine much longer.
const PROCESS_TIMEOUT = 60_000;

interface Started {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves with the exit code once the process has exited and its output is read. */
  readonly closed: Promise<number | null>;
  /** Resolves with stdout once it matches `pattern`; rejects if the process exits first. */
  waitForStdout(pattern: RegExp): Promise<string>;
}

const running = new Set<ChildProcess>();
let dir: string;

function start(env: Record<string, string>): Started {
  // Building the portal (vite) is not what these tests are about, and would race between them.
  const childEnv: NodeJS.ProcessEnv = { ...process.env, PORTAL_BUILD: 'skip', ...env };
  for (const name of ['PORT', 'HOST', 'PUBLIC_URL', 'DATABASE_URL', 'SEED', 'FHIR_UPSTREAM_URL', 'LOG_REQUESTS']) {
    if (!(name in env)) delete childEnv[name];
  }
  const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/src/main.ts'], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let stdout = '';
  let stderr = '';
  const watchers = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    watchers.forEach((check) => check());
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const closed = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      running.delete(child);
      watchers.forEach((check) => check());
      resolve(code);
    }),
  );
  const waitForStdout = (pattern: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        if (pattern.test(stdout)) {
          watchers.delete(check);
          resolve(stdout);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          watchers.delete(check);
          reject(new Error(`exited (${child.exitCode ?? child.signalCode}) before ${pattern}:\n${stdout}\n${stderr}`));
        }
      };
      watchers.add(check);
      check();
    });
  return { child, stdout: () => stdout, stderr: () => stderr, closed, waitForStdout };
}

/** A port nobody listens on right now: the kernel picks one for a throwaway server. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Stops a started gateway the way a service manager does and returns its exit code. A clean shutdown
 * closes the database, which removes its write-ahead log; the 10 s fallback exit would leave it behind.
 */
async function terminate(started: Started, dbFile: string): Promise<number | null> {
  started.child.kill('SIGTERM');
  const code = await started.closed;
  expect(fs.existsSync(`${dbFile}-wal`), 'the database was closed').toBe(false);
  return code;
}

function countRows(file: string, table: 'fhir_resources' | 'users'): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

const BANNER_END = new RegExp(`${DEMO_USERS.at(-1)!.description}\\n`);

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-start-'));
});

afterEach(() => {
  for (const child of running) child.kill('SIGKILL');
});

afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('npm start with a bad configuration', () => {
  it.each([
    ['PORT', { PORT: 'abc' }],
    ['PUBLIC_URL', { PUBLIC_URL: 'http://localhost:8080/' }],
    ['PUBLIC_URL', { PUBLIC_URL: 'portico.example.org' }],
    ['DATABASE_URL', { DATABASE_URL: 'file:/proc/nope/x.db' }],
    ['SEED', { SEED: 'x' }],
  ])('exits 1 with one stderr line naming %s (%j)', async (variable, env) => {
    const started = start({ SEED: 'none', DATABASE_URL: `file:${dir}/unused.db`, ...env });
    expect(await started.closed).toBe(1);
    expect(started.stdout()).toBe('');
    const lines = started.stderr().trimEnd().split('\n');
    expect(lines, started.stderr()).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^Portico cannot start: ${variable}: `));
    expect(fs.existsSync(`${dir}/unused.db`)).toBe(false);
  }, PROCESS_TIMEOUT);
});

describe('npm start with the demo data', () => {
  let port: number;
  const dbFile = () => path.join(dir, 'demo', 'portico.db');
  const url = (p: string) => `http://127.0.0.1:${port}${p}`;
  let seededCount: number;

  beforeAll(async () => {
    port = await freePort();
  });

  it('seeds, prints the banner, serves the FHIR API, keys, portal and admin, and stops cleanly on SIGTERM', async () => {
    const started = start({ PORT: String(port), DATABASE_URL: `file:${dbFile()}`, SEED: 'demo' });
    const banner = await started.waitForStdout(BANNER_END);
    expect(banner).toContain(`is listening on http://127.0.0.1:${port}\n`);
    expect(banner).toMatch(new RegExp(`FHIR base +http://localhost:${port}/fhir\\n`));
    expect(banner).toMatch(new RegExp(`Portal +http://localhost:${port}/portal/\\n`));
    expect(banner).toMatch(new RegExp(`Admin console +http://localhost:${port}/admin/\\n`));
    expect(banner).toContain('Demo sign-ins');
    for (const user of DEMO_USERS) expect(banner).toMatch(new RegExp(`\\n +${user.username.replace('.', '\\.')} +${user.password} +${user.description}\\n`));

    const seeded = /Seeding demo data .*100% (\d+)\/\1 — \1 created, 0 already present in /.exec(started.stderr());
    expect(seeded, started.stderr()).not.toBeNull();
    seededCount = Number(seeded![1]);
    expect(seededCount).toBeGreaterThan(1000);

    const metadata = await fetch(url('/fhir/metadata'));
    expect(metadata.status).toBe(200);
    expect((await metadata.json()).resourceType).toBe('CapabilityStatement');

    const unauthorized = await fetch(url('/fhir/Patient'));
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('WWW-Authenticate')).toMatch(/^Bearer\b/);
    await unauthorized.arrayBuffer();

    const jwks = await fetch(url('/.well-known/jwks.json'));
    expect(jwks.status).toBe(200);
    const keys = (await jwks.json()).keys as { alg: string; kty: string; d?: string }[];
    expect(keys.map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
    expect(keys.every((k) => k.d === undefined)).toBe(true);

    for (const page of ['/portal/', '/admin/']) {
      const res = await fetch(url(page));
      // Without portal/dist (PORTAL_BUILD=skip above) the portal is a 503 page saying how to build it.
      expect(page === '/portal/' ? [200, 503] : [200], page).toContain(res.status);
      expect(res.headers.get('Content-Type'), page).toMatch(/^text\/html/);
      expect(await res.text(), page).toMatch(/^<!doctype html>/i);
    }

    expect(await terminate(started, dbFile())).toBe(0);
    expect(countRows(dbFile(), 'fhir_resources')).toBe(seededCount);
  }, PROCESS_TIMEOUT);

  it('creates nothing when started again on the same database', async () => {
    const started = start({ PORT: String(port), DATABASE_URL: `file:${dbFile()}`, SEED: 'demo' });
    await started.waitForStdout(BANNER_END);
    expect(started.stderr()).toContain(` — 0 created, ${seededCount} already present in `);
    expect(await terminate(started, dbFile())).toBe(0);
    expect(countRows(dbFile(), 'fhir_resources')).toBe(seededCount);
  }, PROCESS_TIMEOUT);
});

describe('npm start with SEED=none', () => {
  it('starts on an empty store, without demo sign-ins', async () => {
    const dbFile = path.join(dir, 'empty', 'portico.db');
    const port = await freePort();
    const started = start({ PORT: String(port), DATABASE_URL: `file:${dbFile}`, SEED: 'none' });
    const banner = await started.waitForStdout(/Database +.*\n\n/);
    expect(banner).toContain(`Database       ${dbFile}\n`);
    expect(banner).not.toContain('Demo sign-ins');
    expect(started.stderr()).not.toContain('Seeding');
    expect((await fetch(`http://127.0.0.1:${port}/fhir/metadata`)).status).toBe(200);
    expect(await terminate(started, dbFile)).toBe(0);
    expect(countRows(dbFile, 'fhir_resources')).toBe(0);
    expect(countRows(dbFile, 'users')).toBe(0);
  }, PROCESS_TIMEOUT);
});
