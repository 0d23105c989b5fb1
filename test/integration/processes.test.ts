/**
 * Two real server processes on different ports sharing PostgreSQL and Redis, as an operator runs
 * them: shared keys, login on A and use on B, logout and reuse seen across instances within the
 * revocation bound, and a clean exit on SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { call } from '../support/http.js';
import {
  deleteRedisPrefix,
  dropSchema,
  POSTGRES_URL,
  postgresReachable,
  REDIS_URL,
  redisReachable,
  serviceGate,
  uniqueSchema,
} from '../support/services.js';

const enabled =
  serviceGate('PostgreSQL', await postgresReachable()) &&
  serviceGate('Redis', await redisReachable());

interface Proc {
  child: ChildProcess;
  base: string;
}

async function startInstance(env: Record<string, string>): Promise<Proc> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/support/serve-entry.ts', 'serve'],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const base = await new Promise<string>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`instance did not start: ${text}`)), 20_000);
    child.stderr?.on('data', (chunk) => {
      text += String(chunk);
      const match = /listening on (http:\/\/\S+)/.exec(text);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    child.once('exit', (code) => reject(new Error(`instance exited with ${code}: ${text}`)));
  });
  return { child, base };
}

describe.runIf(enabled)('two server processes on PostgreSQL and Redis', () => {
  const schema = uniqueSchema('gh_procs');
  const prefix = `gh:test:procs:${process.pid}:`;
  const procs: Proc[] = [];

  beforeAll(async () => {
    const pg = await import('pg');
    const client = new pg.default.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    await client.query(`create schema ${schema}`);
    await client.end();
    const url = new URL(POSTGRES_URL);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const env = {
      GATEHOUSE_PORT: '0',
      GATEHOUSE_DATABASE_URL: url.toString(),
      GATEHOUSE_REDIS_URL: REDIS_URL,
      GATEHOUSE_REDIS_PREFIX: prefix,
      GATEHOUSE_ISSUER: 'http://localhost:3000',
      GATEHOUSE_REFRESH_REUSE_GRACE: '0',
      GATEHOUSE_LOG_LEVEL: 'silent',
      // The storage poll is slowed down so that only the Redis push can meet the bound below
      // (the poll path is tested in instances.test.ts).
      GATEHOUSE_REVOCATION_SYNC_INTERVAL: '3600',
    };
    // Started together: migrations and the initial key must still happen exactly once.
    procs.push(...(await Promise.all([startInstance(env), startInstance(env)])));
  }, 60_000);

  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await dropSchema(schema);
    await deleteRedisPrefix(prefix);
  });

  const a = () => procs[0] as Proc;
  const b = () => procs[1] as Proc;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it('serve the same keys', async () => {
    const jwksA = await call(a().base, 'GET', '/.well-known/jwks.json');
    const jwksB = await call(b().base, 'GET', '/.well-known/jwks.json');
    expect(jwksA.body).toEqual(jwksB.body);
    expect((jwksA.body as unknown as { keys: unknown[] }).keys).toHaveLength(1);
  });

  it('login on A, /v1/me and refresh on B; logout on B is refused by A within the bound', async () => {
    expect(
      (
        await call(a().base, 'POST', '/v1/signup', {
          email: 'p@example.com',
          password: 'process password',
        })
      ).status,
    ).toBe(201);
    const login = await call(a().base, 'POST', '/v1/token', {
      grant_type: 'password',
      username: 'p@example.com',
      password: 'process password',
    });
    const pair = login.body as Record<string, string>;
    expect(
      (await call(b().base, 'GET', '/v1/me', undefined, bearer(pair.access_token as string)))
        .status,
    ).toBe(200);
    const next = (
      await call(b().base, 'POST', '/v1/token', {
        grant_type: 'refresh_token',
        refresh_token: pair.refresh_token,
      })
    ).body as Record<string, string>;
    expect(
      (await call(a().base, 'GET', '/v1/me', undefined, bearer(next.access_token as string)))
        .status,
    ).toBe(200);

    expect(
      (await call(b().base, 'POST', '/v1/logout', {}, bearer(next.access_token as string))).status,
    ).toBe(204);
    // Pushed through Redis: well under a second (the storage poll would bound it at 2 s by default).
    await vi.waitFor(
      async () =>
        expect(
          (await call(a().base, 'GET', '/v1/me', undefined, bearer(next.access_token as string)))
            .status,
        ).toBe(401),
      {
        timeout: 1000,
        interval: 25,
      },
    );
  });

  it('a refresh-token reuse detected on A revokes the session on B', async () => {
    const pair = (
      await call(a().base, 'POST', '/v1/token', {
        grant_type: 'password',
        username: 'p@example.com',
        password: 'process password',
      })
    ).body as Record<string, string>;
    const next = (
      await call(a().base, 'POST', '/v1/token', {
        grant_type: 'refresh_token',
        refresh_token: pair.refresh_token,
      })
    ).body as Record<string, string>;
    expect(
      (await call(b().base, 'GET', '/v1/me', undefined, bearer(next.access_token as string)))
        .status,
    ).toBe(200);
    expect(
      (
        await call(a().base, 'POST', '/v1/token', {
          grant_type: 'refresh_token',
          refresh_token: pair.refresh_token,
        })
      ).status,
    ).toBe(400);
    await vi.waitFor(
      async () =>
        expect(
          (await call(b().base, 'GET', '/v1/me', undefined, bearer(next.access_token as string)))
            .status,
        ).toBe(401),
      {
        timeout: 1000,
        interval: 25,
      },
    );
  });

  it('exit cleanly on SIGTERM', async () => {
    const exits = procs.map(
      (p) => new Promise<number | null>((resolve) => p.child.once('exit', (code) => resolve(code))),
    );
    for (const p of procs) p.child.kill('SIGTERM');
    expect(await Promise.all(exits)).toEqual([0, 0]);
  });
});
