/**
 * The HTTP contract, through Fastify's inject (the real router, hooks, validation and error
 * mapping) over a real SQLite database.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeJwtUnverified } from '../../src/jwt/decode.js';
import {
  createTestServer,
  signupAndLogin,
  type TestServer,
  type TokenPairBody,
} from '../support/server.js';

let server: TestServer;
beforeEach(async () => {
  server = await createTestServer();
});
afterEach(async () => {
  await server.close();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const me = (headers: Record<string, string>) =>
  server.app.inject({ method: 'GET', url: '/v1/me', headers });
const refresh = (token: string, headers: Record<string, string> = {}) =>
  server.app.inject({
    method: 'POST',
    url: '/v1/token',
    payload: { grant_type: 'refresh_token', refresh_token: token },
    headers,
  });
const countRows = (table: string) =>
  (server.sqlite.raw.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;

describe('discovery', () => {
  it('serves RFC 8414 metadata and a JWKS of public keys only', async () => {
    const meta = await server.app.inject({
      method: 'GET',
      url: '/.well-known/oauth-authorization-server',
    });
    expect(meta.json()).toMatchObject({
      issuer: 'https://auth.test',
      token_endpoint: 'https://auth.test/v1/token',
      jwks_uri: 'https://auth.test/.well-known/jwks.json',
      revocation_endpoint: 'https://auth.test/v1/revoke',
      authorization_endpoint: 'https://auth.test/authorize',
      grant_types_supported: ['authorization_code', 'refresh_token', 'password'],
      response_types_supported: ['code'],
      authorization_response_iss_parameter_supported: true,
    });
    const jwksResponse = await server.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    // Cached briefly on purpose (key rotation counts on it); every other answer is no-store.
    expect(jwksResponse.headers['cache-control']).toBe('public, max-age=15');
    expect(jwksResponse.headers['x-content-type-options']).toBe('nosniff');
    const jwks = jwksResponse.json() as { keys: Record<string, string>[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', alg: 'ES256', use: 'sig' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('health and readiness', async () => {
    expect((await server.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await server.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({
      status: 'ready',
      checks: { database: 'up' },
    });
  });

  it('publishes an OpenAPI document of every route', async () => {
    const doc = (await server.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(doc.openapi).toMatch(/^3\./);
    for (const path of [
      '/v1/signup',
      '/v1/token',
      '/v1/me',
      '/v1/logout',
      '/v1/sessions',
      '/v1/sessions/{id}',
      '/v1/password',
      '/v1/revoke',
      '/v1/session',
      '/.well-known/jwks.json',
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
  });
});

describe('signup and bad input', () => {
  const signup = (payload: unknown, headers: Record<string, string> = {}) =>
    server.app.inject({ method: 'POST', url: '/v1/signup', payload: payload as string, headers });

  it('creates an account once', async () => {
    const created = await signup({ email: 'Ann@Example.com', password: 'eight ch' });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ email: 'ann@example.com' });
    const again = await signup({ email: 'ann@example.com', password: 'another password' });
    expect(again.statusCode).toBe(400);
    expect(again.json()).toEqual({ error: 'email_taken', error_description: expect.any(String) });
    expect(countRows('users')).toBe(1);
  });

  it('enforces 8 to 256 characters and nothing else', async () => {
    expect((await signup({ email: 'a@x.io', password: 'seven c' })).statusCode).toBe(400);
    expect((await signup({ email: 'b@x.io', password: 'x'.repeat(257) })).statusCode).toBe(400);
    expect((await signup({ email: 'c@x.io', password: 'x'.repeat(256) })).statusCode).toBe(201);
    expect((await signup({ email: 'd@x.io', password: 'aaaaaaaa' })).statusCode).toBe(201);
    expect((await signup({ email: 'e@x.io', password: '🔐🔐🔐🔐🔐🔐🔐🔐' })).statusCode).toBe(201);
  });

  it.each([
    ['an unknown field', { email: 'x@y.io', password: 'password1', admin: true }, {}, 400],
    ['a missing field', { email: 'x@y.io' }, {}, 400],
    ['a number for the email', { email: 5, password: 'password1' }, {}, 400],
    ['malformed JSON', '{"email": "x@y.io", ', { 'content-type': 'application/json' }, 400],
    ['a text/plain body', 'email=x', { 'content-type': 'text/plain' }, 415],
    [
      'a form body where JSON is expected',
      'email=x%40y.io&password=password1',
      { 'content-type': 'application/x-www-form-urlencoded' },
      415,
    ],
    ['a body over 16 KiB', { email: 'x@y.io', password: 'p'.repeat(17_000) }, {}, 413],
    ['an absurd email', { email: `${'a'.repeat(300)}@x.io`, password: 'password1' }, {}, 400],
    ['an email that is not one', { email: 'not an email', password: 'password1' }, {}, 400],
  ])('refuses %s with a JSON error and writes nothing', async (_name, payload, headers, status) => {
    const response = await signup(typeof payload === 'string' ? payload : JSON.stringify(payload), {
      'content-type': 'application/json',
      ...headers,
    });
    expect(response.statusCode).toBe(status);
    expect(response.json()).toEqual({
      error: expect.any(String),
      error_description: expect.any(String),
    });
    expect(countRows('users')).toBe(0);
  });
});

describe('password grant', () => {
  it('issues an RFC 9068 access token and an opaque refresh token, JSON or form', async () => {
    const { user, pair } = await signupAndLogin(server);
    expect(pair).toMatchObject({
      token_type: 'Bearer',
      expires_in: 3600,
      refresh_token_expires_in: 14 * 86_400,
    });
    expect(pair.refresh_token).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    const { header, payload } = decodeJwtUnverified(pair.access_token);
    expect(header).toMatchObject({
      alg: 'ES256',
      typ: 'at+jwt',
      kid: server.context.keyRing.signingKey()?.kid,
    });
    expect(payload).toMatchObject({
      iss: 'https://auth.test',
      sub: user.id,
      aud: 'https://auth.test',
      client_id: 'gatehouse',
    });
    expect(payload.exp).toBe((payload.iat as number) + 3600);
    expect(typeof payload.jti).toBe('string');
    expect(typeof payload.sid).toBe('string');

    const form = await server.app.inject({
      method: 'POST',
      url: '/v1/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload:
        'grant_type=password&username=user%40example.com&password=correct+horse+battery&client_id=gatehouse-client&unknown=ignored',
    });
    expect(form.statusCode).toBe(200);
    expect(form.headers['cache-control']).toBe('no-store');
    expect(decodeJwtUnverified((form.json() as TokenPairBody).access_token).payload.client_id).toBe(
      'gatehouse-client',
    );
  });

  it('wrong email and wrong password look the same, in body and roughly in time', async () => {
    await signupAndLogin(server);
    const attempt = async (username: string) => {
      const start = process.hrtime.bigint();
      const response = await server.app.inject({
        method: 'POST',
        url: '/v1/token',
        payload: { grant_type: 'password', username, password: 'wrong password' },
      });
      return { response, ms: Number(process.hrtime.bigint() - start) / 1e6 };
    };
    const known = await attempt('user@example.com');
    const unknown = await attempt('nobody@example.com');
    expect(known.response.statusCode).toBe(400);
    expect(unknown.response.statusCode).toBe(400);
    expect(unknown.response.body).toBe(known.response.body);
    expect(known.response.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'Invalid email or password.',
    });
    // Both paths run one argon2id verification; without the dummy hash the unknown email would
    // answer in well under a millisecond instead of tens of milliseconds.
    const times = { known: [] as number[], unknown: [] as number[] };
    for (let i = 0; i < 3; i++) {
      times.known.push((await attempt('user@example.com')).ms);
      times.unknown.push((await attempt(`nobody${i}@example.com`)).ms);
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[1] as number;
    expect(median(times.unknown)).toBeGreaterThan(median(times.known) / 3);
  });

  it.each([
    [{ grant_type: 'password', username: 'user@example.com' }, 'invalid_request'],
    [{ username: 'x', password: 'y' }, 'invalid_request'],
    [{ grant_type: 'client_credentials' }, 'unsupported_grant_type'],
    [{ grant_type: 'refresh_token' }, 'invalid_request'],
  ])('answers %j with 400 %s', async (payload, error) => {
    const response = await server.app.inject({ method: 'POST', url: '/v1/token', payload });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error });
  });

  it('refuses a repeated form parameter (RFC 6749 3.2)', async () => {
    const response = await server.app.inject({
      method: 'POST',
      url: '/v1/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'grant_type=password&grant_type=refresh_token',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: 'invalid_request' });
  });
});

describe('bearer access tokens', () => {
  it('authenticate /v1/me; one tampered byte gets 401 invalid_token and never a 500', async () => {
    const { user, pair } = await signupAndLogin(server);
    const ok = await me(bearer(pair.access_token));
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ id: user.id, email: 'user@example.com', email_verified: false });

    const token = pair.access_token;
    for (const position of [5, token.indexOf('.') + 10, token.length - 5]) {
      const c = token[position] === 'A' ? 'B' : 'A';
      const tampered = token.slice(0, position) + c + token.slice(position + 1);
      const response = await me(bearer(tampered));
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toMatch(
        /^Bearer realm="gatehouse", error="invalid_token"/,
      );
      expect(response.json()).toMatchObject({ error: 'invalid_token' });
    }
  });

  it('no credential: 401 with a bare challenge; garbage: 401 invalid_token', async () => {
    const none = await me({});
    expect(none.statusCode).toBe(401);
    // GATEHOUSE_DPOP=allowed (the default): DPoP is offered beside Bearer (RFC 9449 section 7.2).
    expect(none.headers['www-authenticate']).toBe(
      'Bearer realm="gatehouse", DPoP algs="ES256 ES384 ES512 EdDSA PS256 PS384 PS512 RS256 RS384 RS512"',
    );
    for (const value of [
      'Bearer',
      'Bearer x.y.z',
      `Bearer ${'a'.repeat(10_000)}`,
      'Token abc',
      'Basic dXNlcjpwYXNz',
    ]) {
      const response = await me({ authorization: value });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ error: 'invalid_token' });
    }
  });

  it('an expired token gets 401, and the refresh flow recovers', async () => {
    const { pair } = await signupAndLogin(server);
    server.clock.advanceMs(3600 * 1000);
    expect((await me(bearer(pair.access_token))).statusCode).toBe(401);
    const refreshed = await refresh(pair.refresh_token);
    expect(refreshed.statusCode).toBe(200);
    const next = refreshed.json() as TokenPairBody;
    expect(next.refresh_token).not.toBe(pair.refresh_token);
    expect((await me(bearer(next.access_token))).statusCode).toBe(200);
  });

  it('a refresh token is not a bearer token, and an access token is not a refresh token', async () => {
    const { pair } = await signupAndLogin(server);
    expect((await me(bearer(pair.refresh_token))).statusCode).toBe(401);
    const response = await refresh(pair.access_token);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: 'invalid_grant' });
  });
});

describe('refresh rotation', () => {
  it('rotates: a successor in the same family, the old one consumed', async () => {
    const { pair } = await signupAndLogin(server);
    const first = (await refresh(pair.refresh_token)).json() as TokenPairBody;
    const sid = decodeJwtUnverified(pair.access_token).payload.sid;
    expect(decodeJwtUnverified(first.access_token).payload.sid).toBe(sid);
    const rows = server.sqlite.raw
      .prepare('select session_id, consumed_at from refresh_tokens order by created_at')
      .all() as Array<{ session_id: string; consumed_at: number | null }>;
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.session_id === sid)).toBe(true);
    expect(rows.filter((r) => r.consumed_at === null)).toHaveLength(1);
  });

  it('a repeat inside the grace window gets the same pair again', async () => {
    const { pair } = await signupAndLogin(server);
    const first = (await refresh(pair.refresh_token)).json();
    server.clock.advanceMs(9_000);
    const again = await refresh(pair.refresh_token);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(first);
    expect(countRows('refresh_tokens')).toBe(2);
  });

  it('reuse after the grace window revokes the family; its access tokens stop working at once', async () => {
    const { pair } = await signupAndLogin(server);
    const next = (await refresh(pair.refresh_token)).json() as TokenPairBody;
    server.clock.advanceMs(10_000);
    expect((await me(bearer(next.access_token))).statusCode).toBe(200);

    const reuse = await refresh(pair.refresh_token);
    expect(reuse.statusCode).toBe(400);
    expect(reuse.json()).toMatchObject({ error: 'invalid_grant' });
    // The whole family is dead: the successor too, and every access token of the session.
    expect((await refresh(next.refresh_token)).statusCode).toBe(400);
    expect((await me(bearer(next.access_token))).statusCode).toBe(401);
    expect((await me(bearer(pair.access_token))).statusCode).toBe(401);
    const events = server.sqlite.raw
      .prepare("select type, session_id from security_events where type = 'refresh_reuse'")
      .all();
    expect(events).toEqual([
      { type: 'refresh_reuse', session_id: decodeJwtUnverified(pair.access_token).payload.sid },
    ]);
  });

  it('50 concurrent refreshes with one token leave exactly one successor, and all get the same pair', async () => {
    const { pair } = await signupAndLogin(server);
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => refresh(pair.refresh_token)),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(Array(50).fill(200));
    const bodies = new Set(responses.map((r) => r.body));
    expect(bodies.size).toBe(1);
    expect(countRows('refresh_tokens')).toBe(2);
    const successor = ((responses[0] as (typeof responses)[number]).json() as TokenPairBody)
      .refresh_token;
    expect((await refresh(successor)).statusCode).toBe(200);
  });

  it('with the old access token: same session passes (expired is fine), another session or a forgery fails', async () => {
    const a = await signupAndLogin(server);
    const b = await server.app.inject({
      method: 'POST',
      url: '/v1/token',
      payload: { grant_type: 'password', username: a.email, password: a.password },
    });
    const other = b.json() as TokenPairBody;
    server.clock.advanceMs(3601 * 1000);
    expect((await refresh(a.pair.refresh_token, bearer(other.access_token))).json()).toMatchObject({
      error: 'invalid_grant',
    });
    const at = a.pair.access_token.length - 10;
    const forged = `${a.pair.access_token.slice(0, at)}${a.pair.access_token[at] === 'A' ? 'B' : 'A'}${a.pair.access_token.slice(at + 1)}`;
    expect((await refresh(a.pair.refresh_token, bearer(forged))).statusCode).toBe(400);
    const ok = await refresh(a.pair.refresh_token, bearer(a.pair.access_token));
    expect(ok.statusCode).toBe(200);
  });

  it('a family cannot outlive its login: the absolute lifetime holds through rotations', async () => {
    const { pair } = await signupAndLogin(server);
    let current = pair;
    for (let day = 13; day < 30; day += 13) {
      server.clock.advanceMs(13 * 86_400_000);
      const response = await refresh(current.refresh_token);
      expect(response.statusCode).toBe(200);
      current = response.json() as TokenPairBody;
      expect(current.refresh_token_expires_in).toBeLessThanOrEqual(30 * 86_400 - day * 86_400);
    }
    server.clock.setMs(Date.UTC(2026, 10, 1, 12) + 30 * 86_400_000);
    expect((await refresh(current.refresh_token)).statusCode).toBe(400);
  });

  it('an expired refresh token fails', async () => {
    const { pair } = await signupAndLogin(server);
    server.clock.advanceMs(14 * 86_400_000);
    expect((await refresh(pair.refresh_token)).json()).toMatchObject({ error: 'invalid_grant' });
  });
});

describe('logout, sessions, password change, revocation', () => {
  it('logout ends this session and its refresh tokens; global ends every session', async () => {
    const a = await signupAndLogin(server);
    const second = (
      await server.app.inject({
        method: 'POST',
        url: '/v1/token',
        payload: { grant_type: 'password', username: a.email, password: a.password },
      })
    ).json() as TokenPairBody;
    const out = await server.app.inject({
      method: 'POST',
      url: '/v1/logout',
      headers: bearer(a.pair.access_token),
    });
    expect(out.statusCode).toBe(204);
    expect((await me(bearer(a.pair.access_token))).statusCode).toBe(401);
    expect((await refresh(a.pair.refresh_token)).statusCode).toBe(400);
    expect((await me(bearer(second.access_token))).statusCode).toBe(200);

    const global = await server.app.inject({
      method: 'POST',
      url: '/v1/logout',
      headers: bearer(second.access_token),
      payload: { scope: 'global' },
    });
    expect(global.statusCode).toBe(204);
    expect((await me(bearer(second.access_token))).statusCode).toBe(401);
  });

  it('lists sessions by id (never by secret) and revokes one; another user cannot touch it', async () => {
    const a = await signupAndLogin(server);
    const list = await server.app.inject({
      method: 'GET',
      url: '/v1/sessions',
      headers: bearer(a.pair.access_token),
    });
    const sessions = (
      list.json() as { sessions: Array<{ id: string; current: boolean; kind: string }> }
    ).sessions;
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({
      current: true,
      kind: 'token',
      id: decodeJwtUnverified(a.pair.access_token).payload.sid,
    });
    expect(list.body).not.toContain(a.pair.refresh_token.split('.')[1]);

    const b = await signupAndLogin(server, 'other@example.com');
    const foreign = await server.app.inject({
      method: 'DELETE',
      url: `/v1/sessions/${sessions[0]?.id}`,
      headers: bearer(b.pair.access_token),
    });
    expect(foreign.statusCode).toBe(404);
    expect((await me(bearer(a.pair.access_token))).statusCode).toBe(200);

    const own = await server.app.inject({
      method: 'DELETE',
      url: `/v1/sessions/${sessions[0]?.id}`,
      headers: bearer(a.pair.access_token),
    });
    expect(own.statusCode).toBe(204);
    expect((await me(bearer(a.pair.access_token))).statusCode).toBe(401);
  });

  it('a password change revokes every other session and refresh token, and keeps this one', async () => {
    const a = await signupAndLogin(server);
    const other = (
      await server.app.inject({
        method: 'POST',
        url: '/v1/token',
        payload: { grant_type: 'password', username: a.email, password: a.password },
      })
    ).json() as TokenPairBody;
    const wrong = await server.app.inject({
      method: 'POST',
      url: '/v1/password',
      headers: bearer(a.pair.access_token),
      payload: { current_password: 'not it at all', new_password: 'a new password' },
    });
    expect(wrong.statusCode).toBe(401);
    const changed = await server.app.inject({
      method: 'POST',
      url: '/v1/password',
      headers: bearer(a.pair.access_token),
      payload: { current_password: a.password, new_password: 'a new password' },
    });
    expect(changed.statusCode).toBe(204);
    expect((await me(bearer(other.access_token))).statusCode).toBe(401);
    expect((await refresh(other.refresh_token)).statusCode).toBe(400);
    expect((await me(bearer(a.pair.access_token))).statusCode).toBe(200);
    const oldLogin = await server.app.inject({
      method: 'POST',
      url: '/v1/token',
      payload: { grant_type: 'password', username: a.email, password: a.password },
    });
    expect(oldLogin.statusCode).toBe(400);
    const newLogin = await server.app.inject({
      method: 'POST',
      url: '/v1/token',
      payload: { grant_type: 'password', username: a.email, password: 'a new password' },
    });
    expect(newLogin.statusCode).toBe(200);
  });

  it('RFC 7009 revocation: 200 for anything well-formed; a revoked refresh token is dead', async () => {
    const a = await signupAndLogin(server);
    for (const token of ['garbage', 'x.y', a.pair.refresh_token]) {
      const response = await server.app.inject({
        method: 'POST',
        url: '/v1/revoke',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `token=${encodeURIComponent(token)}`,
      });
      expect(response.statusCode).toBe(200);
    }
    expect((await refresh(a.pair.refresh_token)).statusCode).toBe(400);
    expect((await me(bearer(a.pair.access_token))).statusCode).toBe(401);
    expect(
      (await server.app.inject({ method: 'POST', url: '/v1/revoke', payload: {} })).statusCode,
    ).toBe(400);
  });
});

describe('cookie sessions', () => {
  const ORIGIN = 'https://auth.test';
  async function cookieLogin() {
    await server.app.inject({
      method: 'POST',
      url: '/v1/signup',
      payload: { email: 'c@example.com', password: 'cookie password' },
    });
    const response = await server.app.inject({
      method: 'POST',
      url: '/v1/session',
      payload: { email: 'c@example.com', password: 'cookie password' },
      headers: { origin: ORIGIN },
    });
    expect(response.statusCode).toBe(204);
    const setCookie = String(response.headers['set-cookie']);
    return { setCookie, cookie: setCookie.split(';')[0] as string };
  }

  it('sets an opaque __Host- cookie with HttpOnly, Secure, SameSite=Lax, Path=/', async () => {
    const { setCookie } = await cookieLogin();
    expect(setCookie).toMatch(/^__Host-gatehouse_session=[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}; /);
    for (const flag of ['Path=/', 'HttpOnly', 'Secure', 'SameSite=Lax'])
      expect(setCookie).toContain(flag);
    expect(setCookie).not.toMatch(/Domain=/i);
  });

  it('authenticates /v1/me; refuses a cross-origin state change; logs out same-origin', async () => {
    const { cookie } = await cookieLogin();
    expect((await me({ cookie })).statusCode).toBe(200);
    const crossSite = await server.app.inject({
      method: 'POST',
      url: '/v1/logout',
      headers: { cookie, origin: 'https://evil.example' },
    });
    expect(crossSite.statusCode).toBe(403);
    expect(crossSite.json()).toMatchObject({ error: 'csrf_rejected' });
    const noHeaders = await server.app.inject({
      method: 'POST',
      url: '/v1/logout',
      headers: { cookie },
    });
    expect(noHeaders.statusCode).toBe(403);
    const crossSiteFetch = await server.app.inject({
      method: 'POST',
      url: '/v1/logout',
      headers: { cookie, 'sec-fetch-site': 'cross-site' },
    });
    expect(crossSiteFetch.statusCode).toBe(403);
    expect((await me({ cookie })).statusCode).toBe(200);

    const out = await server.app.inject({
      method: 'DELETE',
      url: '/v1/session',
      headers: { cookie, origin: ORIGIN },
    });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
    expect((await me({ cookie })).statusCode).toBe(401);
  });

  it('idle and absolute timeouts end the session', async () => {
    const { cookie } = await cookieLogin();
    server.clock.advanceMs(23 * 3600_000);
    expect((await me({ cookie })).statusCode).toBe(200);
    server.clock.advanceMs(23 * 3600_000);
    expect((await me({ cookie })).statusCode).toBe(200);
    server.clock.advanceMs(24 * 3600_000);
    expect((await me({ cookie })).statusCode).toBe(401);
  });

  it('a forged or repeated cookie is refused', async () => {
    const { cookie } = await cookieLogin();
    const [name, value] = cookie.split('=') as [string, string];
    const forged = `${name}=${value.split('.')[0]}.${'A'.repeat(43)}`;
    expect((await me({ cookie: forged })).statusCode).toBe(401);
    expect((await me({ cookie: `${cookie}; ${forged}` })).statusCode).toBe(401);
  });

  it('refuses a login posted from another origin (login CSRF)', async () => {
    await server.app.inject({
      method: 'POST',
      url: '/v1/signup',
      payload: { email: 'd@example.com', password: 'cookie password' },
    });
    const response = await server.app.inject({
      method: 'POST',
      url: '/v1/session',
      payload: { email: 'd@example.com', password: 'cookie password' },
      headers: { origin: 'https://evil.example' },
    });
    expect(response.statusCode).toBe(403);
    expect(response.headers['set-cookie']).toBeUndefined();
  });
});

describe('brute force', () => {
  it('limits failed logins per account with growing delays and Retry-After', async () => {
    const a = await signupAndLogin(server);
    const attempt = (password: string) =>
      server.app.inject({
        method: 'POST',
        url: '/v1/token',
        payload: { grant_type: 'password', username: a.email, password },
      });
    for (let i = 0; i < 5; i++) expect((await attempt('wrong password')).statusCode).toBe(400);
    expect((await attempt('wrong password')).statusCode).toBe(400);
    const limited = await attempt(a.password);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('1');
    expect(limited.json()).toMatchObject({ error: 'rate_limited' });
    server.clock.advanceMs(1000);
    expect((await attempt('wrong password')).statusCode).toBe(400);
    expect((await attempt(a.password)).headers['retry-after']).toBe('2');
    server.clock.advanceMs(2000);
    expect((await attempt(a.password)).statusCode).toBe(200);
  });
});

describe('brute force across accounts', () => {
  it('limits failed logins per client address too', async () => {
    const attempt = (n: number) =>
      server.app.inject({
        method: 'POST',
        url: '/v1/token',
        payload: {
          grant_type: 'password',
          username: `nobody${n}@example.com`,
          password: 'wrong password',
        },
      });
    for (let i = 0; i < 20; i++) expect((await attempt(i)).statusCode).toBe(400);
    expect((await attempt(20)).statusCode).toBe(400);
    const limited = await attempt(21);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('password hash upgrades', () => {
  it('rehashes at login when the configured argon2id parameters were raised', async () => {
    await signupAndLogin(server);
    const before = (
      server.sqlite.raw.prepare('select password_hash from users').get() as {
        password_hash: string;
      }
    ).password_hash;
    expect(before).toContain('m=19456,t=2,p=1');
    const stronger = await createTestServer({ env: { GATEHOUSE_ARGON2_ITERATIONS: '3' } });
    try {
      // Same database contents in a server with stronger parameters: copy the user across.
      const row = server.sqlite.raw.prepare('select * from users').get() as Record<string, unknown>;
      stronger.sqlite.raw
        .prepare(
          'insert into users (id, email, password_hash, created_at, updated_at) values (@id, @email, @password_hash, @created_at, @updated_at)',
        )
        .run(row);
      const login = await stronger.app.inject({
        method: 'POST',
        url: '/v1/token',
        payload: {
          grant_type: 'password',
          username: 'user@example.com',
          password: 'correct horse battery',
        },
      });
      expect(login.statusCode).toBe(200);
      const after = (
        stronger.sqlite.raw.prepare('select password_hash from users').get() as {
          password_hash: string;
        }
      ).password_hash;
      expect(after).toContain('m=19456,t=3,p=1');
      const again = await stronger.app.inject({
        method: 'POST',
        url: '/v1/token',
        payload: {
          grant_type: 'password',
          username: 'user@example.com',
          password: 'correct horse battery',
        },
      });
      expect(again.statusCode).toBe(200);
    } finally {
      await stronger.close();
    }
  });
});

describe('storage failures', () => {
  it('answers 503 with a JSON body when the database is gone, and never crashes', async () => {
    const a = await signupAndLogin(server);
    server.sqlite.raw.close();
    const ready = await server.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    const login = await server.app.inject({
      method: 'POST',
      url: '/v1/token',
      payload: { grant_type: 'password', username: a.email, password: a.password },
    });
    expect(login.statusCode).toBe(503);
    expect(login.json()).toMatchObject({ error: 'temporarily_unavailable' });
    expect((await me(bearer(a.pair.access_token))).statusCode).toBe(503);
    expect((await server.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });
});
