import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerApp, serveGateway } from '../helpers/oauth.ts';

// Token requests behind a real Node server read the request stream directly (http/read-body.ts);
// these run the same checks as the in-process tests over a socket.
describe('token endpoint bodies over a real socket', () => {
  let served: Awaited<ReturnType<typeof serveGateway>>;
  beforeAll(async () => {
    served = await serveGateway();
  });
  afterAll(async () => {
    await served.close();
  });

  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${served.base}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });

  it('refuses a body over 64 KiB with 413 invalid_request, no-store and CORS, and keeps serving', async () => {
    const huge = await post(`grant_type=refresh_token&refresh_token=${'x'.repeat(70 * 1024)}`);
    expect(huge.status).toBe(413);
    expect(await huge.json()).toEqual({ error: 'invalid_request', error_description: 'The request body is too large' });
    expect(huge.headers.get('cache-control')).toBe('no-store');
    expect(huge.headers.get('access-control-allow-origin')).toBe('*');
    const next = await post('grant_type=refresh_token&refresh_token=nope&client_id=nobody');
    expect(next.status).toBe(401);
    expect((await next.json()).error).toBe('invalid_client');
  });

  it('reads a chunked body without Content-Length', async () => {
    const app = await registerApp(served.gw, { redirectUris: ['https://app.example/cb'] });
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('grant_type=refresh_token&'));
        controller.enqueue(new TextEncoder().encode(`refresh_token=unknown&client_id=${app.clientId}`));
        controller.close();
      },
    });
    const res = await fetch(`${served.base}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_grant' });
  });
});
