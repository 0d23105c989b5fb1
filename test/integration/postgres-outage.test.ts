/**
 * A PostgreSQL outage, on a throwaway cluster this test creates (initdb as the postgres user,
 * its own port and directory), so the shared server is never touched: requests fail closed with
 * 503, /readyz names the database, and service returns by itself when PostgreSQL is back.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createTestServer } from '../support/server.js';
import { IN_CI } from '../support/services.js';

const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql') : [];
const bin = versions.length > 0 ? `/usr/lib/postgresql/${versions.sort().at(-1)}/bin` : null;
const isRoot = process.getuid?.() === 0;
const canRun = bin !== null && isRoot && spawnSync('id', ['postgres']).status === 0;
if (!canRun) {
  if (IN_CI)
    throw new Error(
      'the PostgreSQL outage test needs the PostgreSQL binaries, root and a postgres user',
    );
  console.warn(
    '\n*** PostgreSQL binaries, root or the postgres user missing: the PostgreSQL outage test is SKIPPED. ***\n',
  );
}

describe.runIf(canRun)('PostgreSQL outage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-pg-'));
  const port = 30_000 + (process.pid % 20_000);
  const asPostgres = (cmd: string, args: string[]) =>
    execFileSync('runuser', ['-u', 'postgres', '--', `${bin}/${cmd}`, ...args], {
      stdio: 'pipe',
      timeout: 60_000,
    });
  const start = () =>
    asPostgres('pg_ctl', [
      '-D',
      join(dir, 'data'),
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`,
      '-l',
      join(dir, 'log'),
      '-w',
      'start',
    ]);
  const stop = () =>
    asPostgres('pg_ctl', ['-D', join(dir, 'data'), '-m', 'immediate', '-w', 'stop']);

  afterAll(() => {
    try {
      stop();
    } catch {
      // Already stopped.
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails closed with 503 and recovers without a restart', async () => {
    execFileSync('chown', ['postgres:postgres', dir]);
    asPostgres('initdb', ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync']);
    start();
    const server = await createTestServer({
      postgres: { url: `postgres://postgres@127.0.0.1:${port}/postgres` },
    });
    try {
      await server.app.inject({
        method: 'POST',
        url: '/v1/signup',
        payload: { email: 'o@example.com', password: 'outage password' },
      });
      const pair = (
        await server.app.inject({
          method: 'POST',
          url: '/v1/token',
          payload: {
            grant_type: 'password',
            username: 'o@example.com',
            password: 'outage password',
          },
        })
      ).json();

      stop();
      const login = await server.app.inject({
        method: 'POST',
        url: '/v1/token',
        payload: { grant_type: 'password', username: 'o@example.com', password: 'outage password' },
      });
      expect(login.statusCode).toBe(503);
      expect(login.json()).toMatchObject({ error: 'temporarily_unavailable' });
      expect(
        (
          await server.app.inject({
            method: 'POST',
            url: '/v1/token',
            payload: { grant_type: 'refresh_token', refresh_token: pair.refresh_token },
          })
        ).statusCode,
      ).toBe(503);
      const ready = await server.app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ checks: { database: 'down' } });
      expect((await server.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);

      start();
      await vi.waitFor(
        async () =>
          expect((await server.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200),
        { timeout: 15_000, interval: 100 },
      );
      // Nothing was lost: the refresh token issued before the outage still rotates.
      const refreshed = await server.app.inject({
        method: 'POST',
        url: '/v1/token',
        payload: { grant_type: 'refresh_token', refresh_token: pair.refresh_token },
      });
      expect(refreshed.statusCode).toBe(200);
    } finally {
      await server.close();
    }
  }, 90_000);
});
