/**
 * Over a real socket: `startServer` as `npm start` runs it, with a SQLite file and a generated
 * key file. Restart keeps users, sessions and keys; the database file never holds a raw refresh
 * token or session secret; the logs never hold a token, a cookie or a password.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { AuthError } from '../../src/core/errors.js';
import { configFromEnv } from '../../src/server/config.js';
import { startServer } from '../../src/server/start.js';
import { call } from '../support/http.js';
import { createTestServer } from '../support/server.js';

function tempConfig(extra: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-socket-'));
  const env = {
    GATEHOUSE_PORT: '0',
    GATEHOUSE_DATABASE_URL: `sqlite:${join(dir, 'db', 'gatehouse.db')}`,
    GATEHOUSE_SIGNING_KEYS: join(dir, 'keys', 'signing-keys.json'),
    GATEHOUSE_ISSUER: 'http://localhost:3000',
    GATEHOUSE_LOG_LEVEL: 'silent',
    ...extra,
  };
  return { dir, env };
}

describe('over a real socket', () => {
  it('runs every style end to end; a restart keeps users, sessions and keys; no raw secret on disk', async () => {
    const { dir, env } = tempConfig();
    const config = configFromEnv(env);
    let server = await startServer(config, { logger: false });
    let base = server.address;
    const secrets: string[] = [];
    try {
      expect(
        (
          await call(base, 'POST', '/v1/signup', {
            email: 'sock@example.com',
            password: 'socket password',
          })
        ).status,
      ).toBe(201);
      const login = await call(base, 'POST', '/v1/token', {
        grant_type: 'password',
        username: 'sock@example.com',
        password: 'socket password',
      });
      expect(login.status).toBe(200);
      const pair = login.body as { access_token: string; refresh_token: string };
      const me = await call(base, 'GET', '/v1/me', undefined, {
        authorization: `Bearer ${pair.access_token}`,
      });
      expect(me.body).toMatchObject({ email: 'sock@example.com' });

      const cookieLogin = await fetch(`${base}/v1/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'http://localhost:3000' },
        body: JSON.stringify({ email: 'sock@example.com', password: 'socket password' }),
      });
      expect(cookieLogin.status).toBe(204);
      const cookie = (cookieLogin.headers.get('set-cookie') ?? '').split(';')[0] as string;
      expect((await call(base, 'GET', '/v1/me', undefined, { cookie })).status).toBe(200);

      const refreshed = await call(base, 'POST', '/v1/token', {
        grant_type: 'refresh_token',
        refresh_token: pair.refresh_token,
      });
      const next = refreshed.body as { access_token: string; refresh_token: string };
      secrets.push(
        pair.refresh_token.split('.')[1] as string,
        next.refresh_token.split('.')[1] as string,
        cookie.split('.')[1] as string,
      );

      await server.close();
      server = await startServer(config, { logger: false });
      base = server.address;

      // Same key file: the access token issued before the restart still verifies.
      expect(
        (
          await call(base, 'GET', '/v1/me', undefined, {
            authorization: `Bearer ${next.access_token}`,
          })
        ).status,
      ).toBe(200);
      expect((await call(base, 'GET', '/v1/me', undefined, { cookie })).status).toBe(200);
      const again = await call(base, 'POST', '/v1/token', {
        grant_type: 'refresh_token',
        refresh_token: next.refresh_token,
      });
      expect(again.status).toBe(200);
      secrets.push((again.body as { refresh_token: string }).refresh_token.split('.')[1] as string);

      // The revocation list is rebuilt from storage: a session revoked before a restart stays revoked.
      expect(
        (
          await call(
            base,
            'POST',
            '/v1/logout',
            {},
            { authorization: `Bearer ${next.access_token}` },
          )
        ).status,
      ).toBe(204);
      await server.close();
      server = await startServer(config, { logger: false });
      base = server.address;
      expect(
        (
          await call(base, 'GET', '/v1/me', undefined, {
            authorization: `Bearer ${next.access_token}`,
          })
        ).status,
      ).toBe(401);
      expect(
        (
          await call(base, 'POST', '/v1/signup', {
            email: 'sock@example.com',
            password: 'socket password',
          })
        ).status,
      ).toBe(400);
    } finally {
      await server.close();
    }

    const keyFile = env.GATEHOUSE_SIGNING_KEYS;
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'db', 'gatehouse.db')).mode & 0o777).toBe(0o600);
    const files = readdirSync(join(dir, 'db')).map((f) => join(dir, 'db', f));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const bytes = readFileSync(file).toString('latin1');
      for (const secret of secrets)
        expect(bytes.includes(secret), `${file} holds a raw secret`).toBe(false);
      expect(bytes.includes('socket password')).toBe(false);
    }
  });

  it('refuses to start with a bad configuration, listing every problem', () => {
    let error: AuthError | undefined;
    try {
      configFromEnv({
        GATEHOUSE_PORT: 'eighty',
        GATEHOUSE_ACCESS_TOKEN_TTL: '1y',
        GATEHOUSE_DATABASE_URL: 'mysql://x',
        GATEHOUSE_BASIC_AUTH: 'true',
        NODE_ENV: 'production',
      });
    } catch (e) {
      error = e as AuthError;
    }
    expect(error?.code).toBe('ERR_CONFIG_INVALID');
    const problems = error?.details?.problems as string[];
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(
      /GATEHOUSE_PORT[\s\S]*GATEHOUSE_DATABASE_URL[\s\S]*GATEHOUSE_ACCESS_TOKEN_TTL[\s\S]*GATEHOUSE_BASIC_AUTH/,
    );
  });

  it('allows both localhost and 127.0.0.1 origins for the default issuer, only the issuer otherwise', () => {
    expect(configFromEnv({ GATEHOUSE_PORT: '3100' }).allowedOrigins).toEqual([
      'http://localhost:3100',
      'http://127.0.0.1:3100',
    ]);
    expect(configFromEnv({ GATEHOUSE_ISSUER: 'https://auth.example.com' }).allowedOrigins).toEqual([
      'https://auth.example.com',
    ]);
  });

  it('parses durations with units and applies them', () => {
    const config = configFromEnv({
      GATEHOUSE_ACCESS_TOKEN_TTL: '15m',
      GATEHOUSE_REFRESH_TOKEN_TTL: '14d',
      GATEHOUSE_REFRESH_REUSE_GRACE: '5',
    });
    expect(config).toMatchObject({
      accessTokenTtlSeconds: 900,
      refreshTokenTtlSeconds: 14 * 86_400,
      refreshReuseGraceSeconds: 5,
    });
  });
});

describe('HTTP Basic', () => {
  it('is off by default and works when enabled', async () => {
    const basic = `Basic ${Buffer.from('b@example.com:basic password').toString('base64')}`;
    const off = await createTestServer();
    try {
      await off.app.inject({
        method: 'POST',
        url: '/v1/signup',
        payload: { email: 'b@example.com', password: 'basic password' },
      });
      expect(
        (await off.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: basic } }))
          .statusCode,
      ).toBe(401);
    } finally {
      await off.close();
    }
    const on = await createTestServer({ env: { GATEHOUSE_BASIC_AUTH: 'true' } });
    try {
      await on.app.inject({
        method: 'POST',
        url: '/v1/signup',
        payload: { email: 'b@example.com', password: 'basic password' },
      });
      const ok = await on.app.inject({
        method: 'GET',
        url: '/v1/me',
        headers: { authorization: basic },
      });
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({ email: 'b@example.com' });
      const wrong = `Basic ${Buffer.from('b@example.com:wrong password').toString('base64')}`;
      expect(
        (await on.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: wrong } }))
          .statusCode,
      ).toBe(401);
    } finally {
      await on.close();
    }
  });
});

describe('logs', () => {
  it('one JSON line per request, never a token, cookie, password or secret', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    const server = await createTestServer({ logger: { stream } });
    const password = 'log sentinel password';
    try {
      await server.app.inject({
        method: 'POST',
        url: '/v1/signup',
        payload: { email: 'l@example.com', password },
      });
      const pair = (
        await server.app.inject({
          method: 'POST',
          url: '/v1/token',
          payload: { grant_type: 'password', username: 'l@example.com', password },
        })
      ).json();
      await server.app.inject({
        method: 'GET',
        url: `/v1/me?access_token=${pair.access_token}`,
        headers: { authorization: `Bearer ${pair.access_token}x` },
      });
      await server.app.inject({
        method: 'POST',
        url: '/v1/token',
        payload: { grant_type: 'refresh_token', refresh_token: pair.refresh_token },
      });
      const cookieLogin = await server.app.inject({
        method: 'POST',
        url: '/v1/session',
        payload: { email: 'l@example.com', password },
      });
      const cookie = String(cookieLogin.headers['set-cookie']).split(';')[0] as string;
      await server.app.inject({ method: 'GET', url: '/v1/me', headers: { cookie } });
      await server.app.inject({
        method: 'POST',
        url: '/v1/token',
        payload: {
          grant_type: 'password',
          username: 'l@example.com',
          password: 'wrong but secret',
        },
      });
      expect(lines).toHaveLength(7);
      for (const line of lines) {
        const entry = JSON.parse(line) as {
          msg: string;
          req: { url: string };
          res: { statusCode: number };
        };
        expect(entry.msg).toBe('request');
        expect(typeof entry.res.statusCode).toBe('number');
        for (const secret of [
          password,
          'wrong but secret',
          pair.access_token.split('.')[2],
          pair.refresh_token.split('.')[1],
          cookie.split('.')[1],
        ]) {
          expect(line).not.toContain(secret);
        }
      }
      expect(
        lines.some(
          (l) => l.includes('ERR_JWS_SIGNATURE_INVALID') || l.includes('ERR_JWT_MALFORMED'),
        ),
      ).toBe(true);
    } finally {
      await server.close();
    }
  });
});
