import { describe, expect, it } from 'vitest';
import { signOut } from './sign-out.ts';

describe('signOut', () => {
  it('revokes the refresh token, wipes storage and caches, then ends the gateway sign-in with id_token_hint', async () => {
    const order: string[] = [];
    const requests: Array<{ url: string; body?: string }> = [];
    sessionStorage.setItem('SMART_KEY', '"k"');
    localStorage.setItem('portico.notes-read.p1', '["n1"]');
    const deleted: string[] = [];
    const caches = {
      keys: async () => ['portico-data-p1', 'portico-sw-state', 'workbox-precache-v2-x'],
      delete: async (name: string) => (deleted.push(name), true),
    } as unknown as CacheStorage;
    let posted: { action: string; fields: Record<string, string> } | undefined;

    await signOut(
      { refreshToken: 'rt-1', idToken: 'id-1' },
      {
        origin: 'http://127.0.0.1:8080',
        fetch: async (input, init) => {
          requests.push({ url: String(input), body: init?.body as string | undefined });
          if (String(input).endsWith('/.well-known/openid-configuration')) {
            return Response.json({ revocation_endpoint: 'http://127.0.0.1:8080/auth/revoke', end_session_endpoint: 'http://127.0.0.1:8080/auth/logout' });
          }
          order.push('revoke');
          return new Response(null, { status: 200 });
        },
        forgetPatient: async () => void order.push('forget'),
        postForm: (action, fields) => {
          order.push('leave');
          posted = { action, fields };
        },
        navigate: () => order.push('navigate'),
        sessionStorage,
        localStorage,
        caches,
      },
    );

    expect(order).toEqual(['revoke', 'forget', 'leave']);
    expect(requests[1]).toEqual({ url: 'http://127.0.0.1:8080/auth/revoke', body: 'token=rt-1&token_type_hint=refresh_token&client_id=portico-portal' });
    expect(sessionStorage.length).toBe(0);
    expect(localStorage.length).toBe(0);
    expect(deleted).toEqual(['portico-data-p1', 'portico-sw-state']);
    expect(posted).toEqual({
      action: 'http://127.0.0.1:8080/auth/logout',
      fields: { id_token_hint: 'id-1', post_logout_redirect_uri: 'http://127.0.0.1:8080/portal/signed-out', client_id: 'portico-portal' },
    });
  });

  it('still wipes everything and lands on the signed-out page when the gateway cannot be reached', async () => {
    sessionStorage.setItem('SMART_KEY', '"k"');
    let landed = '';
    await signOut(
      { refreshToken: 'rt-1', idToken: 'id-1' },
      {
        origin: 'http://127.0.0.1:8080',
        fetch: () => Promise.reject(new TypeError('Failed to fetch')),
        forgetPatient: async () => undefined,
        postForm: () => {
          throw new Error('must not post without discovery');
        },
        navigate: (url) => (landed = url),
        sessionStorage,
        localStorage,
      },
    );
    expect(sessionStorage.length).toBe(0);
    expect(landed).toBe('http://127.0.0.1:8080/portal/signed-out');
  });
});
