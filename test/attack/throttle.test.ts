/**
 * Throttles that parallel requests cannot beat, driven the way an attacker would: bursts of 100
 * at once, from one address and from many, on SQLite and (when the services run; always in CI)
 * on PostgreSQL + Redis. A 400 invalid_grant (or 401 for a password change) is the only answer
 * that means a password was hashed; a refused attempt is a 429 that hashed nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../support/server.js';
import { serverBackends } from '../support/services.js';

const BACKENDS = await serverBackends();

const EMAIL = 'victim@example.com';
const PASSWORD = 'the right password';
const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

describe.each(BACKENDS)('throttling on %s', (_name, backend) => {
  let server: TestServer;
  afterEach(async () => {
    await server?.close();
  });

  const start = async (env: Record<string, string> = {}) => {
    server = await createTestServer({ ...backend, env });
    const signup = await server.app.inject({
      method: 'POST',
      url: '/v1/signup',
      payload: { email: EMAIL, password: PASSWORD },
      remoteAddress: '198.51.100.1',
    });
    expect(signup.statusCode).toBe(201);
  };
  const login = (password: string, remoteAddress: string) =>
    server.app.inject({
      method: 'POST',
      url: '/v1/token',
      payload: { grant_type: 'password', username: EMAIL, password },
      remoteAddress,
    });
  const burst = async (n: number, address: (i: number) => string) =>
    (await Promise.all(Array.from({ length: n }, (_, i) => login(`wrong ${i}`, address(i))))).map(
      (r) => r.statusCode,
    );

  it('100 parallel guesses from one address: 6 are checked (5 free + the one that starts the block), 94 refused', async () => {
    await start();
    const statuses = await burst(100, () => '203.0.113.9');
    expect(count(statuses, 400)).toBe(6);
    expect(count(statuses, 429)).toBe(94);
    // The right password from that address waits too; the answer says how long.
    const right = await login(PASSWORD, '203.0.113.9');
    expect(right.statusCode).toBe(429);
    expect(Number(right.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    server.clock.advanceMs(1000);
    expect((await login(PASSWORD, '203.0.113.9')).statusCode).toBe(200);
  });

  it('100 parallel guesses from 100 addresses: 21 checked (the account budget over all addresses), 79 refused', async () => {
    await start();
    const statuses = await burst(100, (i) => `203.0.113.${i + 1}`);
    expect(count(statuses, 400)).toBe(21);
    expect(count(statuses, 429)).toBe(79);
  });

  it('strangers elsewhere cannot lock the owner out of an address where the owner signed in', async () => {
    await start();
    expect((await login(PASSWORD, '192.0.2.10')).statusCode).toBe(200);
    for (let round = 0; round < 3; round++) {
      await burst(100, (i) => `203.0.113.${i + 1}`);
      expect((await login(PASSWORD, '192.0.2.10')).statusCode).toBe(200);
    }
    // From an address it never used, the owner meets the account budget: a wait, of a minute at most.
    const fresh = await login(PASSWORD, '192.0.2.99');
    expect(fresh.statusCode).toBe(429);
    expect(Number(fresh.headers['retry-after'])).toBeLessThanOrEqual(60);
  });

  it('IPv6 addresses of one /64 share a budget, and an IPv4-mapped address is its IPv4 address', async () => {
    await start();
    const statuses = await burst(60, (i) => `2001:db8:0:7::${(i + 1).toString(16)}`);
    expect(count(statuses, 400)).toBe(6);
    const v4 = await burst(6, () => '203.0.113.77');
    expect(count(v4, 400)).toBe(6);
    expect((await login('again', '::ffff:203.0.113.77')).statusCode).toBe(429);
  });

  it('100 parallel wrong current passwords with a stolen token: 6 checked, 94 refused', async () => {
    await start();
    const pair = (await login(PASSWORD, '192.0.2.10')).json() as { access_token: string };
    const change = (current: string) =>
      server.app.inject({
        method: 'POST',
        url: '/v1/password',
        headers: { authorization: `Bearer ${pair.access_token}` },
        payload: { current_password: current, new_password: 'a new password' },
        remoteAddress: '203.0.113.66',
      });
    const statuses = (
      await Promise.all(Array.from({ length: 100 }, (_, i) => change(`guess ${i}`)))
    ).map((r) => r.statusCode);
    expect(count(statuses, 401)).toBe(6);
    expect(count(statuses, 429)).toBe(94);
    expect((await change(PASSWORD)).statusCode).toBe(429);
    server.clock.advanceMs(1000);
    expect((await change(PASSWORD)).statusCode).toBe(204);
  });

  it('sign-ups are throttled per address: of 100 parallel, 11 accounts are created', async () => {
    await start();
    const statuses = (
      await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          server.app.inject({
            method: 'POST',
            url: '/v1/signup',
            payload: { email: `bulk${i}@example.com`, password: 'bulk password' },
            remoteAddress: '203.0.113.200',
          }),
        ),
      )
    ).map((r) => r.statusCode);
    expect(count(statuses, 201)).toBe(11);
    expect(count(statuses, 429)).toBe(89);
  });

  it('sign-ups are throttled overall, and a full password queue answers 503 with Retry-After at once', async () => {
    await start({ GATEHOUSE_ARGON2_QUEUE: '2' });
    const responses = await Promise.all(
      Array.from({ length: 150 }, (_, i) =>
        server.app.inject({
          method: 'POST',
          url: '/v1/signup',
          payload: { email: `many${i}@example.com`, password: 'many password' },
          remoteAddress: `198.18.${Math.floor(i / 200)}.${(i % 200) + 1}`,
        }),
      ),
    );
    const statuses = responses.map((r) => r.statusCode);
    // 4 hash at once and 2 wait: everything else of the burst is refused without work, and
    // gives its throttle slots back (a busy server counts against nobody).
    // (A few more than 6 may be created: requests that reach the queue after the first hashes
    // finished find room. Without the bound, all 121 the sign-up budget allows would be.)
    expect(count(statuses, 201)).toBeGreaterThanOrEqual(1);
    expect(count(statuses, 201)).toBeLessThanOrEqual(20);
    expect(count(statuses, 503)).toBeGreaterThan(100);
    const busy = responses.find((r) => r.statusCode === 503);
    expect(busy?.headers['retry-after']).toBe('1');
    expect(busy?.json()).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'The server is busy checking passwords; retry shortly.',
    });
    // In a fresh minute, one by one from 130 addresses: the overall budget lets 120 + 1 through.
    server.clock.advanceMs(61_000);
    const spread: number[] = [];
    for (let i = 0; i < 130; i++) {
      const r = await server.app.inject({
        method: 'POST',
        url: '/v1/signup',
        payload: { email: `slow${i}@example.com`, password: 'slow password' },
        remoteAddress: `198.19.${Math.floor(i / 200)}.${(i % 200) + 1}`,
      });
      spread.push(r.statusCode);
    }
    expect(count(spread, 201)).toBe(121);
    expect(count(spread, 429)).toBe(9);
  });
});

describe('security events stay bounded while throttled (SQLite)', () => {
  it('a blocked client writes nothing: 1,000 refused logins add no row', async () => {
    const server = await createTestServer();
    try {
      await server.app.inject({
        method: 'POST',
        url: '/v1/signup',
        payload: { email: EMAIL, password: PASSWORD },
      });
      const attempt = () =>
        server.app.inject({
          method: 'POST',
          url: '/v1/token',
          payload: { grant_type: 'password', username: EMAIL, password: 'nope nope' },
          remoteAddress: '203.0.113.5',
        });
      for (let i = 0; i < 6; i++) expect((await attempt()).statusCode).toBe(400);
      const rows = () =>
        server.sqlite.raw
          .prepare('select type, count(*) as n from security_events group by type order by type')
          .all();
      const before = rows();
      expect(before).toEqual([
        { type: 'login_failed', n: 6 },
        { type: 'login_rate_limited', n: 1 },
        { type: 'signup', n: 1 },
      ]);
      for (let i = 0; i < 10; i++) {
        const statuses = await Promise.all(Array.from({ length: 100 }, attempt));
        expect(statuses.every((r) => r.statusCode === 429)).toBe(true);
      }
      expect(rows()).toEqual(before);
    } finally {
      await server.close();
    }
  });
});
