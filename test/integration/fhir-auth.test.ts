import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { create, outcome, rowCount } from '../helpers/fhir.ts';

let gw: TestGateway;
let patientId: string;

beforeAll(async () => {
  gw = await startTestGateway();
  patientId = (await create(gw, { resourceType: 'Patient' })).id;
});

const REALM = 'Bearer realm="http://localhost/fhir"';

/** Claims the gateway's verifier accepts, for tokens the tests sign themselves. */
function goodClaims(): Record<string, unknown> {
  return { sub: 'test', client_id: 'test', scope: 'system/*.*', jti: crypto.randomUUID() };
}

async function signWithGatewayKey(claims: Record<string, unknown>, options: { iss?: string; aud?: string; typ?: string; exp?: string } = {}) {
  const { kid, key } = await gw.keys.signingKey('ES256');
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid, typ: options.typ ?? 'at+jwt' })
    .setIssuer(options.iss ?? gw.tokenSettings.issuer)
    .setAudience(options.aud ?? gw.tokenSettings.audience)
    .setIssuedAt()
    .setExpirationTime(options.exp ?? '5m')
    .sign(key);
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

async function expectInvalidToken(res: Response): Promise<void> {
  expect(res.status).toBe(401);
  const challenge = res.headers.get('WWW-Authenticate')!;
  expect(challenge.startsWith(`${REALM}, error="invalid_token"`)).toBe(true);
  expect((await outcome(res)).first.code).toBe('login');
}

describe('without a token', () => {
  it.each([
    ['GET', '/fhir/Patient'],
    ['GET', '/fhir/Patient/some-id'],
    ['GET', '/fhir/Patient/some-id/_history'],
    ['GET', '/fhir/Patient/some-id/_history/1'],
    ['POST', '/fhir/Patient'],
    ['POST', '/fhir/Patient/_search'],
    ['PUT', '/fhir/Patient/some-id'],
    ['DELETE', '/fhir/Patient/some-id'],
    ['POST', '/fhir'],
    ['GET', '/fhir/NoSuchType'],
    ['PATCH', '/fhir/Patient/some-id'],
  ])('%s %s answers 401 with a bare Bearer challenge and an OperationOutcome', async (method, path) => {
    const hasBody = method === 'POST' || method === 'PUT' || method === 'PATCH';
    const res = await gw.fhir(path, { method, token: null, ...(hasBody ? { body: '{"resourceType":"Patient"}' } : {}) });
    expect(res.status).toBe(401);
    expect(res.headers.get('WWW-Authenticate')).toBe(REALM);
    const { first } = await outcome(res);
    expect(first.code).toBe('login');
  });

  it('writes nothing when a create arrives without a token', async () => {
    const before = rowCount(gw, 'fhir_resources');
    const res = await gw.fhir('/fhir/Patient', { method: 'POST', token: null, body: '{"resourceType":"Patient"}' });
    expect(res.status).toBe(401);
    expect(rowCount(gw, 'fhir_resources')).toBe(before);
  });

  it('serves /fhir/metadata', async () => {
    const res = await gw.fhir('/fhir/metadata', { token: null });
    expect(res.status).toBe(200);
    expect((await json(res)).resourceType).toBe('CapabilityStatement');
  });

  it('ignores ?access_token= in the query string (RFC 6750 §2.3 is not offered)', async () => {
    const token = await gw.mintToken();
    const res = await gw.fhir(`/fhir/Patient/${patientId}?access_token=${token}`, { token: null });
    expect(res.status).toBe(401);
    expect(res.headers.get('WWW-Authenticate')).toBe(REALM);
  });
});

describe('with a bad token', () => {
  it('refuses a garbage token with error="invalid_token"', async () => {
    await expectInvalidToken(await gw.fhir('/fhir/Patient', { token: 'not-a-jwt' }));
  });

  it('refuses an Authorization header that is not Bearer <token>', async () => {
    for (const header of ['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer two tokens', 'Bearer tok"en']) {
      const res = await gw.fhir('/fhir/Patient', { token: null, headers: { Authorization: header } });
      expect(res.status, header).toBe(401);
      expect(res.headers.get('WWW-Authenticate')!.startsWith(REALM), header).toBe(true);
    }
  });

  it('refuses a valid token whose payload was edited', async () => {
    const [header, , signature] = (await gw.mintToken()).split('.');
    const claims = { ...goodClaims(), iss: gw.tokenSettings.issuer, aud: gw.tokenSettings.audience, scope: 'system/*.* admin', exp: 9_999_999_999, iat: 1 };
    await expectInvalidToken(await gw.fhir('/fhir/Patient', { token: `${header}.${b64url(claims)}.${signature}` }));
  });

  it('refuses an unsigned alg:none token', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { ...goodClaims(), iss: gw.tokenSettings.issuer, aud: gw.tokenSettings.audience, iat: now, exp: now + 300 };
    const token = `${b64url({ alg: 'none', typ: 'at+jwt' })}.${b64url(claims)}.`;
    await expectInvalidToken(await gw.fhir('/fhir/Patient', { token }));
  });

  it('refuses an expired token', async () => {
    await expectInvalidToken(await gw.fhir('/fhir/Patient', { token: await gw.mintToken({}, -60) }));
  });

  it('refuses a token signed with our key for another audience', async () => {
    await expectInvalidToken(await gw.fhir('/fhir/Patient', { token: await signWithGatewayKey(goodClaims(), { aud: 'https://other.example/fhir' }) }));
  });

  it('refuses a token signed with our key by another issuer', async () => {
    await expectInvalidToken(await gw.fhir('/fhir/Patient', { token: await signWithGatewayKey(goodClaims(), { iss: 'https://evil.example' }) }));
  });

  it('refuses a token of the wrong type (an id_token-like typ JWT)', async () => {
    await expectInvalidToken(await gw.fhir('/fhir/Patient', { token: await signWithGatewayKey(goodClaims(), { typ: 'JWT' }) }));
  });

  it('refuses a token without the client_id and scope claims', async () => {
    await expectInvalidToken(await gw.fhir('/fhir/Patient', { token: await signWithGatewayKey({ sub: 'x', jti: 'j' }) }));
  });

  it('refuses a token signed by a freshly generated ES256 key, even when it claims our kid', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const { kid } = await gw.keys.signingKey('ES256');
    const sign = (headerKid: string, jwk?: unknown) =>
      new SignJWT(goodClaims())
        .setProtectedHeader({ alg: 'ES256', kid: headerKid, typ: 'at+jwt', ...(jwk ? { jwk: jwk as any } : {}) })
        .setIssuer(gw.tokenSettings.issuer)
        .setAudience(gw.tokenSettings.audience)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
    await expectInvalidToken(await gw.fhir('/fhir/Patient', { token: await sign('attacker-key') }));
    await expectInvalidToken(await gw.fhir('/fhir/Patient', { token: await sign(kid) }));
    // An embedded jwk header must not be trusted either.
    await expectInvalidToken(await gw.fhir('/fhir/Patient', { token: await sign('attacker-key', await exportJWK(publicKey)) }));
  });
});

describe('with a good token', () => {
  it('accepts the scheme name in lower case', async () => {
    const token = await gw.mintToken();
    const res = await gw.fhir(`/fhir/Patient/${patientId}`, { token: null, headers: { Authorization: `bearer ${token}` } });
    expect(res.status).toBe(200);
    expect((await json(res)).id).toBe(patientId);
  });

  it('accepts a token signed by a key that was rotated out, for the retention period', async () => {
    const token = await gw.mintToken();
    await gw.keys.rotate();
    const res = await gw.fhir(`/fhir/Patient/${patientId}`, { token });
    expect(res.status).toBe(200);
    // New tokens are signed by the new key and verify too.
    expect((await gw.fhir(`/fhir/Patient/${patientId}`, { token: await gw.mintToken() })).status).toBe(200);
  });
});

describe('key retention', () => {
  it('stops accepting tokens of a rotated-out key once its retention has passed', async () => {
    let clock = Date.parse('2025-01-01T00:00:00Z');
    const timed = await startTestGateway({}, () => new Date(clock));
    const id = (await create(timed, { resourceType: 'Patient' })).id;
    // Long-lived tokens, so that only the key's retention (max token life 3600 s + 300 s) can end them.
    const usedEarly = await timed.mintToken({}, 24 * 3600);
    const usedLate = await timed.mintToken({}, 24 * 3600);
    await timed.keys.rotate();

    clock += 3000 * 1000;
    expect((await timed.fhir(`/fhir/Patient/${id}`, { token: usedEarly })).status).toBe(200);

    clock += 1000 * 1000; // 4000 s after the rotation
    await expectRetired(await timed.fhir(`/fhir/Patient/${id}`, { token: usedLate }));
    expect((await timed.fhir(`/fhir/Patient/${id}`, { token: await timed.mintToken() })).status).toBe(200);
  });
});

async function expectRetired(res: Response): Promise<void> {
  expect(res.status).toBe(401);
  expect(res.headers.get('WWW-Authenticate')).toContain('error="invalid_token"');
}

describe('CORS', () => {
  it('puts Access-Control-Allow-Origin and the exposed WWW-Authenticate on a 401', async () => {
    const res = await gw.fhir('/fhir/Patient', { token: null, headers: { Origin: 'https://app.example' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe('*');
    expect(res.headers.get('Access-Control-Expose-Headers')).toContain('WWW-Authenticate');
  });

  it('answers an OPTIONS preflight without a token', async () => {
    const res = await gw.fhir('/fhir/Patient', {
      method: 'OPTIONS',
      token: null,
      headers: {
        Origin: 'https://app.example',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization, content-type, if-none-exist',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe('*');
    expect(res.headers.get('Access-Control-Allow-Methods')).toContain('POST');
    expect(res.headers.get('Access-Control-Allow-Headers')!.toLowerCase()).toContain('authorization');
    expect(res.headers.get('Access-Control-Allow-Headers')!.toLowerCase()).toContain('if-none-exist');
  });

  it('exposes Location and ETag to browser apps on a successful create', async () => {
    const res = await gw.fhir('/fhir/Patient', { method: 'POST', body: '{"resourceType":"Patient"}', headers: { Origin: 'https://app.example' } });
    expect(res.status).toBe(201);
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe('*');
    expect(res.headers.get('Access-Control-Expose-Headers')).toContain('Location');
    expect(res.headers.get('Access-Control-Expose-Headers')).toContain('ETag');
  });
});
