import { beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { Browser, authorizeUrl, pkce, registerApp } from '../helpers/oauth.ts';

describe('response headers', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });

  const expectApiHeaders = (res: Response) => {
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-expose-headers')).toContain('Location');
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  };

  it('gives FHIR successes, 401s, 404s and 413s the same security, CORS and request-id headers', async () => {
    const created = await gw.fhir('/fhir/Patient', { method: 'POST', body: JSON.stringify({ resourceType: 'Patient' }) });
    expect(created.status).toBe(201);
    expectApiHeaders(created);
    expectApiHeaders(await gw.fhir('/fhir/metadata', { token: null }));
    expectApiHeaders(await gw.fhir('/fhir/Patient', { token: null }));
    expectApiHeaders(await gw.fhir('/fhir/Patient/nope'));
    expectApiHeaders(await gw.fhir('/fhir/Patient', { method: 'POST', body: 'x'.repeat(6 * 1024 * 1024) }));
  });

  it('echoes a well-formed caller X-Request-Id and replaces a malformed one', async () => {
    const mine = await gw.fhir('/fhir/metadata', { token: null, headers: { 'X-Request-Id': 'trace-1234567' } });
    expect(mine.headers.get('x-request-id')).toBe('trace-1234567');
    const bad = await gw.fhir('/fhir/metadata', { token: null, headers: { 'X-Request-Id': 'no spaces allowed' } });
    expect(bad.headers.get('x-request-id')).not.toBe('no spaces allowed');
  });

  it('answers a CORS preflight on the FHIR API without a token', async () => {
    const res = await gw.app.request('/fhir/Observation', {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-headers')).toContain('Authorization');
    expect(res.headers.get('access-control-allow-methods')).toContain('PUT');
  });

  it('never lets pages be framed and serves the JWKS to any origin', async () => {
    for (const path of ['/portal/', '/admin/sign-in']) {
      const page = await gw.app.request(path);
      // The portal answers 503 (a page saying how to build it) in a checkout without portal/dist.
      expect(path === '/portal/' ? [200, 503] : [200], path).toContain(page.status);
      expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(page.headers.get('x-frame-options')).toBe('DENY');
      expect(page.headers.get('x-request-id')).toBeTruthy();
    }
    const jwks = await gw.app.request('/.well-known/jwks.json');
    expect(jwks.headers.get('access-control-allow-origin')).toBe('*');
    expect(jwks.headers.get('cache-control')).toBe('public, max-age=300');
    expect(((await jwks.json()) as { keys: { alg: string }[] }).keys.map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
  });

  it('starts every server-rendered page with one doctype (no quirks mode) and names the gateway\'s icon', async () => {
    const app = await registerApp(gw);
    const browser = new Browser(gw);
    const authorize = await browser.get(authorizeUrl(gw, { client_id: app.clientId, code_challenge: pkce().challenge }));
    expect(authorize.status).toBe(303);
    const pages: [string, Response][] = [
      ['sign-in (Layout)', await browser.get(authorize.headers.get('location')!)],
      ['error (Layout)', await gw.app.request('/auth/authorize?client_id=nobody')],
      ['signed out (Layout, logout routes)', await gw.app.request('/auth/logout')],
      ['console sign-in (ConsoleLayout)', await gw.app.request('/admin/sign-in')],
    ];
    for (const [name, res] of pages) {
      expect(res.headers.get('content-type'), name).toMatch(/^text\/html/);
      const html = await res.text();
      expect(html.startsWith('<!doctype html><html lang="en">'), `${name}: ${html.slice(0, 80)}`).toBe(true);
      expect(html.match(/<!doctype/gi), name).toHaveLength(1);
      expect(html, name).toContain('<link rel="icon" href="/ui/favicon.svg" type="image/svg+xml"/>');
    }
    const icon = await gw.app.request('/ui/favicon.svg');
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    expect(await icon.text()).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  });

  it('sends HSTS only when the public URL is https', async () => {
    expect((await gw.fhir('/fhir/metadata', { token: null })).headers.get('strict-transport-security')).toBeNull();
    const secure = await startTestGateway({ PUBLIC_URL: 'https://portico.example' });
    const res = await secure.app.request('/fhir/metadata');
    expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
  });
});

describe('public paths under /fhir', () => {
  it('serves SMART discovery without a token, and answers other /fhir/.well-known paths with 404, not 401', async () => {
    const gw = await startTestGateway();
    const discovery = await gw.fhir('/fhir/.well-known/smart-configuration', { token: null, headers: { Accept: 'text/html' } });
    expect(discovery.status).toBe(200);
    expect(discovery.headers.get('content-type')).toMatch(/^application\/json/);
    expect(discovery.headers.get('access-control-allow-origin')).toBe('*');
    const missing = await gw.fhir('/fhir/.well-known/udap', { token: null });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('www-authenticate')).toBeNull();
    expect(((await missing.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
  });
});
