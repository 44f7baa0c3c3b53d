import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { PORTAL_CLIENT_ID, PORTAL_SCOPES } from '@portico/shared/portal/portal-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../gateway/src/config.ts';
import { openGateway } from '../../gateway/src/gateway.ts';
import { silentLogger } from '../../gateway/src/log.ts';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { createPatientUser, launch, postForm } from '../helpers/oauth.ts';

let dir: string;
let dist: string;
let gw: TestGateway;

const INDEX = '<!doctype html><html><head><script type="module" src="/portal/assets/index-Ab12Cd34.js"></script></head><body>portal</body></html>';

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-portal-'));
  dist = path.join(dir, 'dist');
  fs.mkdirSync(path.join(dist, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(dist, 'index.html'), INDEX);
  fs.writeFileSync(path.join(dist, 'sw.js'), 'self.addEventListener("fetch", () => {});');
  fs.writeFileSync(path.join(dist, 'manifest.webmanifest'), '{"name":"Portico"}');
  fs.writeFileSync(path.join(dist, 'assets', 'index-Ab12Cd34.js'), 'console.log("portal");');
  fs.writeFileSync(path.join(dist, 'icon-192.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  const config = loadConfig({ PUBLIC_URL: 'http://localhost', DATABASE_URL: 'file::memory:', SEED: 'none' });
  const opened = await openGateway(config, { log: silentLogger, portalDistDir: dist });
  gw = { ...opened, localFhir: opened.fhir } as unknown as TestGateway;
});

afterAll(async () => {
  await gw?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const get = (p: string, init?: RequestInit) => gw.app.request(p, init);

describe('the built portal at /portal/', () => {
  it('serves index.html at /portal/ with the portal CSP, revalidated on every load', async () => {
    const res = await get('/portal/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toBe(INDEX);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const csp = res.headers.get('content-security-policy') ?? '';
    for (const directive of ["script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "worker-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:"]) {
      expect(csp).toContain(directive);
    }
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });

  it('serves hashed assets as immutable, with their content type', async () => {
    const res = await get('/portal/assets/index-Ab12Cd34.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await res.text()).toBe('console.log("portal");');
  });

  it('serves the service worker for the /portal/ scope and the manifest, both revalidated', async () => {
    const sw = await get('/portal/sw.js');
    expect(sw.status).toBe(200);
    expect(sw.headers.get('content-type')).toMatch(/javascript/);
    expect(sw.headers.get('service-worker-allowed')).toBe('/portal/');
    expect(sw.headers.get('cache-control')).toBe('no-cache');
    const manifest = await get('/portal/manifest.webmanifest');
    expect(manifest.status).toBe(200);
    expect(manifest.headers.get('cache-control')).toBe('no-cache');
    expect(await manifest.text()).toBe('{"name":"Portico"}');
  });

  it.each(['/portal/apps', '/portal/signed-out', '/portal/appointments/book', '/portal/index.html'])('answers %s with the app shell', async (p) => {
    const res = await get(p);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(await res.text()).toBe(INDEX);
  });

  it('answers 404 for a missing file instead of the app shell', async () => {
    for (const p of ['/portal/assets/missing-123.js', '/portal/favicon.ico']) {
      const res = await get(p);
      expect(res.status, p).toBe(404);
      expect(res.headers.get('cache-control'), p).toBe('no-store');
    }
  });

  it('serves nothing outside the build folder', async () => {
    fs.writeFileSync(path.join(dir, 'secret.txt'), 'outside');
    for (const p of ['/portal/../secret.txt', '/portal/%2e%2e/secret.txt', '/portal/..%2fsecret.txt']) {
      const res = await get(p);
      expect(await res.text(), p).not.toContain('outside');
    }
  });

  it('redirects /portal and / to /portal/', async () => {
    expect((await get('/portal')).headers.get('location')).toBe('/portal/');
    expect((await get('/')).headers.get('location')).toBe('/portal/');
  });
});

describe('compressed copies of the build (portal/vite.config.ts writes .br and .gz beside text files)', () => {
  const SCRIPT = `export const greeting = ${JSON.stringify('hello '.repeat(200))};`;
  const SW = `self.addEventListener('install', () => ${JSON.stringify('x'.repeat(500))});`;
  const CHROMIUM = 'gzip, deflate, br, zstd';

  beforeAll(() => {
    // Distinct marker bytes in each copy: the test sees which file went out, not just that it decodes.
    const write = (relative: string, content: string) => {
      fs.writeFileSync(path.join(dist, relative), content);
      fs.writeFileSync(path.join(dist, `${relative}.br`), zlib.brotliCompressSync(`${content}/*br*/`));
      fs.writeFileSync(path.join(dist, `${relative}.gz`), zlib.gzipSync(`${content}/*gz*/`));
    };
    write('assets/app-Zz99Yy88.js', SCRIPT);
    write('sw.js', SW);
    fs.writeFileSync(path.join(dist, 'index.html.br'), zlib.brotliCompressSync(`${INDEX}<!--br-->`));
    fs.writeFileSync(path.join(dist, 'index.html.gz'), zlib.gzipSync(`${INDEX}<!--gz-->`));
    fs.writeFileSync(path.join(dist, 'icon-192.png.gz'), zlib.gzipSync('not to be sent'));
  });

  afterAll(() => {
    for (const file of ['assets/app-Zz99Yy88.js', 'sw.js', 'index.html', 'icon-192.png']) {
      for (const suffix of ['.br', '.gz']) fs.rmSync(path.join(dist, file + suffix), { force: true });
    }
  });

  const decoded = async (res: Response) => {
    const body = Buffer.from(await res.arrayBuffer());
    const encoding = res.headers.get('content-encoding');
    if (encoding === 'br') return zlib.brotliDecompressSync(body).toString();
    if (encoding === 'gzip') return zlib.gunzipSync(body).toString();
    return body.toString();
  };

  it('sends the Brotli copy of an asset to a browser that accepts it, with the asset\'s type and caching', async () => {
    const res = await get('/portal/assets/app-Zz99Yy88.js', { headers: { 'Accept-Encoding': CHROMIUM } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe('br');
    expect(res.headers.get('vary')).toMatch(/accept-encoding/i);
    expect(res.headers.get('content-type')).toMatch(/^text\/javascript|^application\/javascript/);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(Number(res.headers.get('content-length'))).toBe(fs.statSync(path.join(dist, 'assets/app-Zz99Yy88.js.br')).size);
    expect(await decoded(res)).toBe(`${SCRIPT}/*br*/`);
  });

  it('sends the gzip copy when only gzip is accepted', async () => {
    const res = await get('/portal/assets/app-Zz99Yy88.js', { headers: { 'Accept-Encoding': 'gzip' } });
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(res.headers.get('vary')).toMatch(/accept-encoding/i);
    expect(await decoded(res)).toBe(`${SCRIPT}/*gz*/`);
  });

  it.each([undefined, 'identity', 'deflate'])('sends the file itself for Accept-Encoding %s, still saying it varies', async (acceptEncoding) => {
    const res = await get('/portal/assets/app-Zz99Yy88.js', acceptEncoding ? { headers: { 'Accept-Encoding': acceptEncoding } } : undefined);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(res.headers.get('vary')).toBe('Accept-Encoding');
    expect(await res.text()).toBe(SCRIPT);
  });

  it.each(['/portal/', '/portal/apps', '/portal/notes/n-1'])('sends the app shell at %s compressed, as HTML with the portal CSP', async (p) => {
    const res = await get(p, { headers: { 'Accept-Encoding': CHROMIUM } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe('br');
    expect(res.headers.get('vary')).toMatch(/accept-encoding/i);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await decoded(res)).toBe(`${INDEX}<!--br-->`);
  });

  it('sends the service worker compressed with its scope header and revalidation (browsers compare the decoded script)', async () => {
    const res = await get('/portal/sw.js', { headers: { 'Accept-Encoding': CHROMIUM } });
    expect(res.headers.get('content-encoding')).toBe('br');
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    expect(res.headers.get('service-worker-allowed')).toBe('/portal/');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(await decoded(res)).toBe(`${SW}/*br*/`);
  });

  it('never sends a compressed copy of an image, which is compressed already', async () => {
    const res = await get('/portal/icon-192.png', { headers: { 'Accept-Encoding': CHROMIUM } });
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await res.arrayBuffer())).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  });

  it('does not serve the compressed copies as files of their own type to a browser asking for them by name', async () => {
    // Asking for app.js.gz by name gets that file as it is (application/gzip), never decoded as JavaScript.
    const res = await get('/portal/assets/app-Zz99Yy88.js.gz', { headers: { 'Accept-Encoding': CHROMIUM } });
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(res.headers.get('content-type')).not.toMatch(/javascript/);
  });
});

describe('a gateway without a portal build', () => {
  it('answers 503 with a page saying how to build it', async () => {
    const bare = await openGateway(loadConfig({ PUBLIC_URL: 'http://localhost', DATABASE_URL: 'file::memory:', SEED: 'none' }), {
      log: silentLogger,
      portalDistDir: path.join(dir, 'no-such-dist'),
    });
    try {
      for (const p of ['/portal/', '/portal/apps', '/portal/assets/index-Ab12Cd34.js']) {
        const res = await bare.app.request(p);
        expect(res.status, p).toBe(503);
        expect(res.headers.get('content-type')).toMatch(/^text\/html/);
        expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
        const html = await res.text();
        expect(html).toMatch(/^<!doctype html>/i);
        expect(html).toContain('npm run build -w portal');
      }
    } finally {
      await bare.close();
    }
  });
});

describe('the portal client', () => {
  it('is registered at start exactly as the contract says, and follows PUBLIC_URL across restarts', async () => {
    const dbFile = path.join(dir, 'restart.db');
    const open = (publicUrl: string) =>
      openGateway(loadConfig({ PUBLIC_URL: publicUrl, DATABASE_URL: `file:${dbFile}`, SEED: 'none' }), { log: silentLogger, portalDistDir: dist });
    const first = await open('http://localhost:8080');
    const client = await first.store.clients.findById(PORTAL_CLIENT_ID);
    expect(client).toMatchObject({
      name: 'Portico patient portal',
      type: 'public',
      redirectUris: ['http://localhost:8080/portal/'],
      postLogoutRedirectUris: ['http://localhost:8080/portal/signed-out'],
      scope: PORTAL_SCOPES,
      grantTypes: ['authorization_code'],
      secretHash: null,
      disabledAt: null,
    });
    await first.close();
    const second = await open('https://portal.example');
    expect(await second.store.clients.findById(PORTAL_CLIENT_ID)).toMatchObject({
      redirectUris: ['https://portal.example/portal/'],
      postLogoutRedirectUris: ['https://portal.example/portal/signed-out'],
      createdAt: client!.createdAt,
    });
    expect((await second.store.clients.list()).filter((c) => c.clientId === PORTAL_CLIENT_ID)).toHaveLength(1);
    await second.close();
  });

  it('signs a patient in with its scopes and gets a refresh token that refreshes without client authentication', async () => {
    const local = await startTestGateway();
    try {
      const { patientId } = await createPatientUser(local, 'amy');
      const app = { clientId: PORTAL_CLIENT_ID, redirectUri: 'http://localhost/portal/' };
      const tokens = await launch(local, app, { username: 'amy', scope: PORTAL_SCOPES });
      expect(tokens.patient).toBe(patientId);
      expect(tokens.scope.split(' ').sort()).toEqual(PORTAL_SCOPES.split(' ').sort());
      expect(tokens.id_token).toBeTruthy();
      expect(tokens.refresh_token).toBeTruthy();
      // fhirclient refreshes a public client's token with grant_type and refresh_token only.
      const refreshed = await postForm(local, '/auth/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
      const body = await json(refreshed);
      expect(refreshed.status, JSON.stringify(body)).toBe(200);
      expect(body.refresh_token).toBeTruthy();
      const appointments = await local.fhir(`/fhir/Appointment?patient=${patientId}`, { token: body.access_token });
      expect(appointments.status).toBe(200);
    } finally {
      await local.close();
    }
  });
});
