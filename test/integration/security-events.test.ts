/**
 * The audit trail over HTTP (issue 14): a sign-up, a login and a logout each leave exactly one
 * security event naming the user, the session where there is one, the address and the User-Agent.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeJwtUnverified } from '../../src/jwt/decode.js';
import { createTestServer, T0, type TestServer, type TokenPairBody } from '../support/server.js';

let server: TestServer;
beforeEach(async () => {
  server = await createTestServer();
});
afterEach(async () => {
  await server.close();
});

const EMAIL = 'audit@example.com';
const PASSWORD = 'audit password';
const ORIGIN = 'https://auth.test';

/** The events of the trail, oldest first, as the store reads them back. */
const trail = async () => (await server.context.stores.events.listEvents({ limit: 100 })).reverse();

describe('security events over HTTP', () => {
  it('sign-up, token login and logout: one event each, with ip and user agent', async () => {
    const signup = await server.app.inject({
      method: 'POST',
      url: '/v1/signup',
      payload: { email: EMAIL, password: PASSWORD },
      headers: { 'user-agent': 'signup-agent/1' },
      remoteAddress: '198.51.100.1',
    });
    expect(signup.statusCode).toBe(201);
    const userId = (signup.json() as { id: string }).id;
    expect(await trail()).toEqual([
      {
        type: 'signup',
        userId,
        sessionId: null,
        ip: '198.51.100.1',
        userAgent: 'signup-agent/1',
        atMs: T0,
      },
    ]);

    // A second apart: the trail is ordered by time.
    server.clock.advanceMs(1000);
    const login = await server.app.inject({
      method: 'POST',
      url: '/v1/token',
      payload: { grant_type: 'password', username: EMAIL, password: PASSWORD },
      headers: { 'user-agent': 'login-agent/2' },
      remoteAddress: '198.51.100.2',
    });
    expect(login.statusCode).toBe(200);
    const pair = login.json() as TokenPairBody;
    const sessionId = decodeJwtUnverified(pair.access_token).payload.sid;
    expect(typeof sessionId).toBe('string');
    expect((await trail()).slice(1)).toEqual([
      {
        type: 'login',
        userId,
        sessionId,
        ip: '198.51.100.2',
        userAgent: 'login-agent/2',
        atMs: T0 + 1000,
      },
    ]);

    server.clock.advanceMs(1000);
    const logout = await server.app.inject({
      method: 'POST',
      url: '/v1/logout',
      headers: { authorization: `Bearer ${pair.access_token}`, 'user-agent': 'logout-agent/3' },
      remoteAddress: '198.51.100.3',
    });
    expect(logout.statusCode).toBe(204);
    expect((await trail()).slice(2)).toEqual([
      {
        type: 'logout',
        userId,
        sessionId,
        ip: '198.51.100.3',
        userAgent: 'logout-agent/3',
        atMs: T0 + 2000,
      },
    ]);
    // Nothing secret reached the table: no token, no password.
    const rows = JSON.stringify(server.sqlite.raw.prepare('select * from security_events').all());
    for (const secret of [pair.access_token, pair.refresh_token, PASSWORD])
      expect(rows).not.toContain(secret);
  });

  it('a cookie login and its logout are recorded the same way; a failed login is no login', async () => {
    await server.app.inject({
      method: 'POST',
      url: '/v1/signup',
      payload: { email: EMAIL, password: PASSWORD },
    });
    server.clock.advanceMs(1000);
    const wrong = await server.app.inject({
      method: 'POST',
      url: '/v1/session',
      payload: { email: EMAIL, password: 'not the password' },
      headers: { origin: ORIGIN },
    });
    expect(wrong.statusCode).toBe(401);
    server.clock.advanceMs(1000);
    const login = await server.app.inject({
      method: 'POST',
      url: '/v1/session',
      payload: { email: EMAIL, password: PASSWORD },
      headers: { origin: ORIGIN, 'user-agent': 'browser/1' },
      remoteAddress: '203.0.113.9',
    });
    expect(login.statusCode).toBe(204);
    const cookie = String(login.headers['set-cookie']).split(';')[0] as string;
    server.clock.advanceMs(1000);
    const out = await server.app.inject({
      method: 'DELETE',
      url: '/v1/session',
      headers: { cookie, origin: ORIGIN, 'user-agent': 'browser/1' },
      remoteAddress: '203.0.113.9',
    });
    expect(out.statusCode).toBe(204);
    const events = await trail();
    expect(events.map((e) => e.type)).toEqual(['signup', 'login_failed', 'login', 'logout']);
    const [, , loginEvent, logoutEvent] = events;
    expect(loginEvent).toMatchObject({ ip: '203.0.113.9', userAgent: 'browser/1' });
    expect(loginEvent?.sessionId).toEqual(expect.any(String));
    expect(logoutEvent).toMatchObject({
      ip: '203.0.113.9',
      userAgent: 'browser/1',
      sessionId: loginEvent?.sessionId,
      userId: loginEvent?.userId,
    });
  });
});
