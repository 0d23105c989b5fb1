/**
 * Bounded storage: a user's sessions are capped (a login beyond the cap ends the oldest), and
 * the retention job deletes what nothing needs any more, on SQLite and PostgreSQL + Redis.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../support/server.js';
import { serverBackends } from '../support/services.js';

const BACKENDS = await serverBackends();

const EMAIL = 'many@example.com';
const PASSWORD = 'many sessions password';
const DAY = 86_400_000;

describe.each(BACKENDS)('bounded storage on %s', (name, backend) => {
  let server: TestServer;
  afterEach(async () => {
    await server?.close();
  });

  const login = async () => {
    const r = await server.app.inject({
      method: 'POST',
      url: '/v1/token',
      payload: { grant_type: 'password', username: EMAIL, password: PASSWORD },
    });
    expect(r.statusCode).toBe(200);
    return r.json() as { access_token: string; refresh_token: string };
  };
  const me = (token: string) =>
    server.app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: { authorization: `Bearer ${token}` },
    });

  it('a login beyond GATEHOUSE_MAX_SESSIONS_PER_USER ends the oldest session, and its tokens stop at once', async () => {
    server = await createTestServer({ ...backend, env: { GATEHOUSE_MAX_SESSIONS_PER_USER: '3' } });
    await server.app.inject({
      method: 'POST',
      url: '/v1/signup',
      payload: { email: EMAIL, password: PASSWORD },
    });
    const pairs = [];
    for (let i = 0; i < 5; i++) {
      pairs.push(await login());
      server.clock.advanceMs(1000);
    }
    const list = await server.app.inject({
      method: 'GET',
      url: '/v1/sessions',
      headers: { authorization: `Bearer ${pairs[4]?.access_token}` },
    });
    expect((list.json() as { sessions: unknown[] }).sessions).toHaveLength(3);
    expect((await me(pairs[0]?.access_token as string)).statusCode).toBe(401);
    expect((await me(pairs[1]?.access_token as string)).statusCode).toBe(401);
    expect((await me(pairs[2]?.access_token as string)).statusCode).toBe(200);
    const refresh = await server.app.inject({
      method: 'POST',
      url: '/v1/token',
      payload: { grant_type: 'refresh_token', refresh_token: pairs[0]?.refresh_token },
    });
    expect(refresh.statusCode).toBe(400);
  });

  it('the retention job keeps what is live and deletes what ended', async () => {
    server = await createTestServer({ ...backend, env: { GATEHOUSE_EVENT_RETENTION: '30d' } });
    await server.app.inject({
      method: 'POST',
      url: '/v1/signup',
      payload: { email: EMAIL, password: PASSWORD },
    });
    const kept = await login();
    const ended = await login();
    await server.app.inject({
      method: 'POST',
      url: '/v1/logout',
      headers: { authorization: `Bearer ${ended.access_token}` },
    });
    // A failed login leaves a throttle row and a security event behind.
    await server.app.inject({
      method: 'POST',
      url: '/v1/token',
      payload: { grant_type: 'password', username: EMAIL, password: 'wrong password' },
    });
    await server.jobs.prune();
    // Right after: the logged-out session must stay (its revocation guards its access token).
    expect((await me(ended.access_token)).statusCode).toBe(401);
    expect((await me(kept.access_token)).statusCode).toBe(200);

    const sqlite = name === 'SQLite';
    const count = (table: string) =>
      (server.sqlite.raw.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
    // Events: the sign-up, two logins, the logout, the failed login.
    if (sqlite) {
      expect(count('sessions')).toBe(2);
      expect(count('security_events')).toBe(5);
    }

    // Two hours on: the ended session is past every token it could have had; throttle windows
    // are over. The owner's known-address mark (30 days) and the events (30 days) stay.
    server.clock.advanceMs(2 * 3_600_000);
    await server.jobs.prune();
    if (sqlite) {
      expect(count('sessions')).toBe(1);
      expect(count('refresh_tokens')).toBe(1);
      expect(count('security_events')).toBe(5);
      const keys = server.sqlite.raw.prepare('select key from rate_limits').all() as {
        key: string;
      }[];
      expect(keys.map((k) => k.key.split(':')[0])).toEqual(['known']);
    }
    expect((await me(kept.access_token)).statusCode).toBe(401); // expired by now, not deleted
    const refreshed = await server.app.inject({
      method: 'POST',
      url: '/v1/token',
      payload: { grant_type: 'refresh_token', refresh_token: kept.refresh_token },
    });
    expect(refreshed.statusCode).toBe(200);

    // Past the session's absolute end (30 days) and the event retention: nothing is left.
    server.clock.advanceMs(31 * DAY);
    await server.jobs.prune();
    if (sqlite) {
      for (const table of ['sessions', 'refresh_tokens', 'security_events', 'rate_limits'])
        expect(count(table), table).toBe(0);
      expect(count('users')).toBe(1);
    }
  });
});
