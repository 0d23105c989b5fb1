/**
 * The server with Redis: cookie sessions and the limiter in Redis; and a Redis outage (a Redis
 * server of this test's own, on its own port, stopped and started again): requests that need it
 * fail closed with 503, the rest keep working, and service returns without a restart.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestServer, type TestServer } from '../support/server.js';
import { IN_CI, REDIS_URL, redisReachable, serviceGate } from '../support/services.js';

const enabled = serviceGate('Redis', await redisReachable());
const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;
if (!hasRedisServer && IN_CI)
  throw new Error('redis-server is not installed: the outage test cannot run under CI=true');

const ORIGIN = 'https://auth.test';
const credentials = { email: 'r@example.com', password: 'redis password' };

async function cookieLogin(server: TestServer) {
  const response = await server.app.inject({
    method: 'POST',
    url: '/v1/session',
    payload: credentials,
    headers: { origin: ORIGIN },
  });
  expect(response.statusCode).toBe(204);
  return String(response.headers['set-cookie']).split(';')[0] as string;
}

describe.runIf(enabled)('server with Redis', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await createTestServer({ redisUrl: REDIS_URL });
    await server.app.inject({ method: 'POST', url: '/v1/signup', payload: credentials });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('keeps cookie sessions in Redis (not SQL); logout deletes them', async () => {
    const cookie = await cookieLogin(server);
    const id = cookie.split('=')[1]?.split('.')[0] as string;
    const prefix = server.redis?.prefix as string;
    expect(await server.redis?.redis.exists(`${prefix}s:${id}`)).toBe(1);
    expect(server.sqlite.raw.prepare('select count(*) as n from sessions').get()).toEqual({ n: 0 });
    expect(
      (await server.app.inject({ method: 'GET', url: '/v1/me', headers: { cookie } })).statusCode,
    ).toBe(200);
    expect(
      (
        await server.app.inject({
          method: 'DELETE',
          url: '/v1/session',
          headers: { cookie, origin: ORIGIN },
        })
      ).statusCode,
    ).toBe(204);
    expect(await server.redis?.redis.exists(`${prefix}s:${id}`)).toBe(0);
    expect(
      (await server.app.inject({ method: 'GET', url: '/v1/me', headers: { cookie } })).statusCode,
    ).toBe(401);
  });

  it('counts failed logins in Redis', async () => {
    const attempt = () =>
      server.app.inject({
        method: 'POST',
        url: '/v1/token',
        payload: {
          grant_type: 'password',
          username: credentials.email,
          password: 'wrong password',
        },
      });
    for (let i = 0; i < 6; i++) expect((await attempt()).statusCode).toBe(400);
    expect((await attempt()).statusCode).toBe(429);
    const keys = await server.redis?.redis.keys(`${server.redis?.prefix}l:*`);
    const kinds = (keys ?? []).map(
      (k) => k.slice(`${server.redis?.prefix}l:`.length).split(':')[0],
    );
    // The three login budgets, the two sign-up ones, and the mark of the earlier cookie login.
    expect(kinds.sort()).toEqual([
      'account',
      'account-address',
      'address',
      'known',
      'signup',
      'signup',
    ]);
  });

  it('reports both backends in /readyz', async () => {
    expect((await server.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({
      status: 'ready',
      checks: { database: 'up', redis: 'up' },
    });
  });
});

describe.runIf(hasRedisServer)('Redis outage', () => {
  const port = 20_000 + (process.pid % 20_000);
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;

  const startRedis = async () => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    await vi.waitFor(async () => expect(await redisReachable(url)).toBe(true), {
      timeout: 5000,
      interval: 50,
    });
  };
  const stopRedis = async () => {
    const running = child;
    child = null;
    if (running === null || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };

  afterAll(async () => {
    await stopRedis();
  });

  it('fails closed with 503 while Redis is down, keeps bearer tokens working, and recovers by itself', async () => {
    await startRedis();
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    const server = await createTestServer({ redisUrl: url, logger: { stream } });
    try {
      await server.app.inject({ method: 'POST', url: '/v1/signup', payload: credentials });
      const cookie = await cookieLogin(server);
      const pair = (
        await server.app.inject({
          method: 'POST',
          url: '/v1/token',
          payload: {
            grant_type: 'password',
            username: credentials.email,
            password: credentials.password,
          },
        })
      ).json();

      await stopRedis();
      const me = await server.app.inject({ method: 'GET', url: '/v1/me', headers: { cookie } });
      expect(me.statusCode).toBe(503);
      expect(me.json()).toMatchObject({ error: 'temporarily_unavailable' });
      const ready = await server.app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ checks: { database: 'up', redis: 'down' } });
      // Logins need the limiter: refused, not waved through.
      const login = await server.app.inject({
        method: 'POST',
        url: '/v1/token',
        payload: {
          grant_type: 'password',
          username: credentials.email,
          password: credentials.password,
        },
      });
      expect(login.statusCode).toBe(503);
      for (let i = 0; i < 5; i++)
        expect(
          (await server.app.inject({ method: 'GET', url: '/v1/me', headers: { cookie } }))
            .statusCode,
        ).toBe(503);
      // The cause is logged once for the outage, not once per request.
      const outageLines = lines
        .map((l) => JSON.parse(l) as { msg: string; backend?: string; cause?: string })
        .filter((l) => l.msg.startsWith('storage unavailable'));
      expect(outageLines).toHaveLength(1);
      expect(outageLines[0]).toMatchObject({ backend: 'redis', cause: expect.any(String) });
      // Access and refresh tokens need no Redis: the API keeps serving them, refresh keeps rotating.
      expect(
        (
          await server.app.inject({
            method: 'GET',
            url: '/v1/me',
            headers: { authorization: `Bearer ${pair.access_token}` },
          })
        ).statusCode,
      ).toBe(200);
      const rotated = await server.app.inject({
        method: 'POST',
        url: '/v1/token',
        payload: { grant_type: 'refresh_token', refresh_token: pair.refresh_token },
      });
      expect(rotated.statusCode).toBe(200);

      await startRedis();
      await vi.waitFor(
        async () =>
          expect((await server.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200),
        { timeout: 10_000, interval: 100 },
      );
      // This Redis kept nothing on disk, so the old cookie session is gone; a new login works.
      expect(
        (await server.app.inject({ method: 'GET', url: '/v1/me', headers: { cookie } })).statusCode,
      ).toBe(401);
      const again = await cookieLogin(server);
      expect(
        (await server.app.inject({ method: 'GET', url: '/v1/me', headers: { cookie: again } }))
          .statusCode,
      ).toBe(200);
    } finally {
      await server.close();
    }
  });
});
