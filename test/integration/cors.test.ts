/**
 * CORS (GATEHOUSE_CORS_ORIGINS) through the real app: only listed origins get CORS headers, echoed
 * exactly; preflights; credentials only where the session cookie is read; the headers a browser
 * client may read; a CORS origin passes the cookie CSRF check; and nothing changes when CORS is off.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthError } from '../../src/core/errors.js';
import { configFromEnv } from '../../src/server/config.js';
import { acceptsSessionCookie } from '../../src/server/cors.js';
import { createTestServer, type TestServer } from '../support/server.js';

const APP = 'https://app.example.com';
const DEV = 'http://localhost:5173';
const PASSWORD = 'correct horse battery';

/** Every response header of the CORS protocol (Fetch standard, section 3.2.3). */
const corsHeadersOf = (headers: Readonly<Record<string, unknown>>) =>
  Object.fromEntries(
    Object.entries(headers).filter(([name]) => name.startsWith('access-control-')),
  );
const varyOf = (headers: Readonly<Record<string, unknown>>) =>
  String(headers.vary ?? '')
    .split(',')
    .map((v) => v.trim().toLowerCase());

let server: TestServer;
const countRows = (table: string) =>
  (server.sqlite.raw.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;

const preflight = (url: string, origin: string, method = 'POST', headers = 'content-type') =>
  server.app.inject({
    method: 'OPTIONS',
    url,
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': headers,
    },
  });

describe('CORS off (the default)', () => {
  beforeEach(async () => {
    server = await createTestServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('no CORS header for any origin; a preflight gets the 405 of any other OPTIONS request', async () => {
    expect(server.config.corsOrigins).toEqual([]);
    const answer = await preflight('/v1/token', APP);
    expect(answer.statusCode).toBe(405);
    expect(answer.headers.allow).toBe('POST');
    expect(corsHeadersOf(answer.headers)).toEqual({});
    const get = await server.app.inject({
      method: 'GET',
      url: '/.well-known/jwks.json',
      headers: { origin: APP },
    });
    expect(get.statusCode).toBe(200);
    expect(corsHeadersOf(get.headers)).toEqual({});
  });
});

describe('CORS on', () => {
  beforeEach(async () => {
    server = await createTestServer({ env: { GATEHOUSE_CORS_ORIGINS: ` ${APP}/, ${DEV} ` } });
  });
  afterEach(async () => {
    await server.close();
  });

  describe('preflight', () => {
    it.each([APP, DEV])(
      'from %s: 204, the exact origin, methods, headers, max-age',
      async (origin) => {
        const answer = await preflight(
          '/v1/token',
          origin,
          'POST',
          'content-type,authorization,dpop',
        );
        expect(answer.statusCode).toBe(204);
        expect(answer.body).toBe('');
        expect(corsHeadersOf(answer.headers)).toEqual({
          'access-control-allow-origin': origin,
          'access-control-allow-methods': 'GET, HEAD, POST, DELETE',
          'access-control-allow-headers': 'authorization, content-type, dpop, x-request-id',
          'access-control-expose-headers':
            'dpop-nonce, retry-after, www-authenticate, x-request-id',
          'access-control-max-age': '600',
        });
        expect(answer.headers['content-length']).toBe('0');
        expect(varyOf(answer.headers)).toContain('origin');
      },
    );

    it.each([
      ['another site', 'https://evil.example'],
      ['a sandboxed iframe', 'null'],
      ['a lookalike suffix', 'https://app.example.com.evil.example'],
      ['another scheme', 'http://app.example.com'],
      ['another port', 'https://app.example.com:8443'],
      ['a trailing slash (not how browsers send it)', 'https://app.example.com/'],
      ['a subdomain', 'https://x.app.example.com'],
    ])('from %s: no CORS header, the 405 of any OPTIONS request', async (_name, origin) => {
      const answer = await preflight('/v1/token', origin);
      expect(answer.statusCode).toBe(405);
      expect(answer.headers.allow).toBe('POST');
      // Seen by whoever tries it with curl: it says what to set.
      expect(answer.json()).toMatchObject({
        error: 'method_not_allowed',
        error_description: expect.stringContaining('GATEHOUSE_CORS_ORIGINS'),
      });
      expect(corsHeadersOf(answer.headers)).toEqual({});
      // The answer depends on Origin: caches must keep them apart.
      expect(varyOf(answer.headers)).toContain('origin');
    });

    it('an OPTIONS request that is not a preflight gets the 405 it gets without CORS', async () => {
      const plain = await server.app.inject({ method: 'OPTIONS', url: '/v1/me' });
      expect(plain.statusCode).toBe(405);
      expect(plain.json().error_description).not.toContain('CORS');
      // The catch-all OPTIONS route of the plugin is not a method of the path.
      expect(plain.headers.allow).toBe('DELETE, GET, HEAD');
      expect(corsHeadersOf(plain.headers)).toEqual({});
      expect(varyOf(plain.headers)).toContain('origin');
      const unknown = await server.app.inject({ method: 'OPTIONS', url: '/nowhere' });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.headers.allow).toBeUndefined();
      // From the app but without Access-Control-Request-Method: a 405 the app may read.
      const fromApp = await server.app.inject({
        method: 'OPTIONS',
        url: '/v1/me',
        headers: { origin: APP },
      });
      expect(fromApp.statusCode).toBe(405);
      expect(fromApp.headers['access-control-allow-origin']).toBe(APP);
      expect(fromApp.headers['access-control-allow-methods']).toBeUndefined();
    });

    it('405 for other methods is unchanged: Allow lists no OPTIONS', async () => {
      const answer = await server.app.inject({ method: 'PUT', url: '/v1/token' });
      expect(answer.statusCode).toBe(405);
      expect(answer.headers.allow).toBe('POST');
    });
  });

  describe('credentials only where the session cookie is read', () => {
    const cookieRoutes: [string, string][] = [
      ['POST', '/v1/session'],
      ['DELETE', '/v1/session'],
      ['POST', '/v1/logout'],
      ['GET', '/v1/me'],
      ['GET', '/v1/sessions'],
      ['DELETE', '/v1/sessions/abc'],
      ['POST', '/v1/password'],
    ];
    const otherRoutes: [string, string][] = [
      ['POST', '/v1/token'],
      ['POST', '/v1/revoke'],
      ['POST', '/v1/signup'],
      ['GET', '/.well-known/jwks.json'],
      ['GET', '/.well-known/oauth-authorization-server'],
    ];

    it.each(cookieRoutes)('%s %s: Access-Control-Allow-Credentials: true', async (method, url) => {
      const answer = await preflight(url, APP, method);
      expect(answer.statusCode).toBe(204);
      expect(answer.headers['access-control-allow-origin']).toBe(APP);
      expect(answer.headers['access-control-allow-credentials']).toBe('true');
    });

    it.each(otherRoutes)('%s %s: no Access-Control-Allow-Credentials', async (method, url) => {
      const answer = await preflight(url, APP, method);
      expect(answer.statusCode).toBe(204);
      expect(answer.headers['access-control-allow-origin']).toBe(APP);
      expect(answer.headers['access-control-allow-credentials']).toBeUndefined();
    });

    it('the list agrees with the routes: those documented with the cookie, and the cookie login', async () => {
      const doc = (await server.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
        paths: Record<string, Record<string, { security?: Record<string, unknown>[] }>>;
      };
      const paths = Object.keys(doc.paths);
      expect(paths.length).toBeGreaterThan(10);
      for (const path of paths) {
        const cookie =
          path === '/v1/session' ||
          Object.values(doc.paths[path] ?? {}).some((op) =>
            (op.security ?? []).some((scheme) => 'cookie' in scheme),
          );
        expect(acceptsSessionCookie(path.replace(/\{[^}]+\}/g, 'x')), path).toBe(cookie);
      }
    });

    it('a path with a query string is matched on its path', async () => {
      const answer = await preflight('/v1/sessions?x=1', APP, 'GET');
      expect(answer.headers['access-control-allow-credentials']).toBe('true');
    });
  });

  describe('actual requests', () => {
    it('the token endpoint answers the app with its origin, the exposed headers, no credentials', async () => {
      await server.app.inject({
        method: 'POST',
        url: '/v1/signup',
        payload: { email: 'ada@example.com', password: PASSWORD },
      });
      const login = await server.app.inject({
        method: 'POST',
        url: '/v1/token',
        payload: { grant_type: 'password', username: 'ada@example.com', password: PASSWORD },
        headers: { origin: APP },
      });
      expect(login.statusCode).toBe(200);
      expect(corsHeadersOf(login.headers)).toEqual({
        'access-control-allow-origin': APP,
        'access-control-expose-headers': 'dpop-nonce, retry-after, www-authenticate, x-request-id',
      });
      expect(varyOf(login.headers)).toContain('origin');
    });

    it('a 401 exposes WWW-Authenticate and X-Request-Id to the app', async () => {
      const answer = await server.app.inject({
        method: 'GET',
        url: '/v1/me',
        headers: { origin: APP, authorization: 'Bearer not.a.token', 'x-request-id': 'spa-1' },
      });
      expect(answer.statusCode).toBe(401);
      expect(answer.headers['www-authenticate']).toMatch(/^Bearer .*error="invalid_token"/);
      expect(answer.headers['x-request-id']).toBe('spa-1');
      expect(answer.headers['access-control-allow-origin']).toBe(APP);
      expect(answer.headers['access-control-allow-credentials']).toBe('true');
      expect(answer.headers['access-control-expose-headers']).toBe(
        'dpop-nonce, retry-after, www-authenticate, x-request-id',
      );
    });

    it('a refusal by the input checks still carries the CORS headers (the app can read it)', async () => {
      // A NUL in a path parameter is refused by the onRequest input check, before any route.
      const answer = await server.app.inject({
        method: 'DELETE',
        url: '/v1/sessions/%00',
        headers: { origin: APP },
      });
      expect(answer.statusCode).toBe(400);
      expect(answer.json()).toMatchObject({ error: 'invalid_request' });
      expect(answer.headers['access-control-allow-origin']).toBe(APP);
      expect(answer.headers['access-control-allow-credentials']).toBe('true');
    });

    it('another origin gets the answer without CORS headers (the browser hides it)', async () => {
      const answer = await server.app.inject({
        method: 'GET',
        url: '/.well-known/jwks.json',
        headers: { origin: 'https://evil.example' },
      });
      expect(answer.statusCode).toBe(200);
      expect(corsHeadersOf(answer.headers)).toEqual({});
      expect(varyOf(answer.headers)).toContain('origin');
    });
  });

  describe('cookie sessions from the app', () => {
    const signup = () =>
      server.app.inject({
        method: 'POST',
        url: '/v1/signup',
        payload: { email: 'c@example.com', password: PASSWORD },
      });
    const cookieLogin = (origin: string) =>
      server.app.inject({
        method: 'POST',
        url: '/v1/session',
        payload: { email: 'c@example.com', password: PASSWORD },
        headers: { origin },
      });

    it('a CORS origin logs in, is read, and logs out through the CSRF checks', async () => {
      expect(server.config.allowedOrigins).toEqual(['https://auth.test', APP, DEV]);
      await signup();
      const login = await cookieLogin(APP);
      expect(login.statusCode).toBe(204);
      expect(login.headers['access-control-allow-origin']).toBe(APP);
      expect(login.headers['access-control-allow-credentials']).toBe('true');
      const cookie = String(login.headers['set-cookie']).split(';')[0] as string;

      const me = await server.app.inject({
        method: 'GET',
        url: '/v1/me',
        headers: { cookie, origin: APP },
      });
      expect(me.statusCode).toBe(200);
      expect(me.json()).toMatchObject({ email: 'c@example.com' });

      const out = await server.app.inject({
        method: 'POST',
        url: '/v1/logout',
        headers: { cookie, origin: APP },
      });
      expect(out.statusCode).toBe(204);
      expect(out.headers['access-control-allow-credentials']).toBe('true');
      const after = await server.app.inject({ method: 'GET', url: '/v1/me', headers: { cookie } });
      expect(after.statusCode).toBe(401);
    });

    it('another origin is refused by the CSRF checks, with no CORS header and no session', async () => {
      await signup();
      const login = await cookieLogin('https://evil.example');
      expect(login.statusCode).toBe(403);
      expect(login.json()).toMatchObject({ error: 'csrf_rejected' });
      expect(login.headers['set-cookie']).toBeUndefined();
      expect(corsHeadersOf(login.headers)).toEqual({});
      expect(countRows('sessions')).toBe(0);

      const cookie = String((await cookieLogin(APP)).headers['set-cookie']).split(';')[0] as string;
      const logout = await server.app.inject({
        method: 'POST',
        url: '/v1/logout',
        headers: { cookie, origin: 'https://evil.example' },
      });
      expect(logout.statusCode).toBe(403);
      expect(corsHeadersOf(logout.headers)).toEqual({});
      const me = await server.app.inject({ method: 'GET', url: '/v1/me', headers: { cookie } });
      expect(me.statusCode).toBe(200);
    });
  });
});

describe('GATEHOUSE_CORS_ORIGINS is validated at start', () => {
  const problemsOf = (value: string): string[] => {
    try {
      configFromEnv({ GATEHOUSE_CORS_ORIGINS: value });
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      expect(error.code).toBe('ERR_CONFIG_INVALID');
      const problems = error.details?.problems;
      expect(Array.isArray(problems)).toBe(true);
      return [...(problems as readonly string[])];
    }
    throw new Error('the configuration was accepted');
  };

  it.each([
    ['any origin', '*'],
    ['a wildcard subdomain', 'https://*.example.com'],
    ['the opaque origin', 'null'],
    ['a path', 'https://app.example.com/app'],
    ['a query', 'https://app.example.com?x=1'],
    ['an empty query', 'https://app.example.com/?'],
    ['a fragment', 'https://app.example.com#top'],
    ['credentials', 'https://user:pw@app.example.com'],
    ['another scheme', 'ftp://app.example.com'],
    ['a file URL', 'file:///srv/app.html'],
    ['no scheme', 'app.example.com'],
  ])('refuses %s (%s), naming the variable', (_name, value) => {
    const problems = problemsOf(value);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('GATEHOUSE_CORS_ORIGINS');
    expect(problems[0]).toContain(`"${value}"`);
  });

  it('lists every bad entry at once', () => {
    expect(problemsOf(`*, ${APP}, null, https://b.example/x`)).toHaveLength(3);
  });

  it('normalises what browsers would send differently (case, default port)', () => {
    expect(
      configFromEnv({ GATEHOUSE_CORS_ORIGINS: 'HTTPS://APP.example.com:443,http://[::1]:80' })
        .corsOrigins,
    ).toEqual([APP, 'http://[::1]']);
  });
});
