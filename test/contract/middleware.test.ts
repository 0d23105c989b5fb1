/**
 * One contract for the Express, Fastify and Hono adapters, against a real Gatehouse server over
 * HTTP (metadata and JWKS fetched for real): the same cases, the same answers, and the handler
 * never runs on a failure.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateJwtKey } from '../../src/jwt/index.js';
import { signJwt } from '../../src/jwt/sign.js';
import { requireAccessToken as expressGuard } from '../../src/middleware/express.js';
import { requireAccessToken as fastifyGuard } from '../../src/middleware/fastify.js';
import {
  type GatehouseVariables,
  requireAccessToken as honoGuard,
} from '../../src/middleware/hono.js';
import { createTokenGuard, type TokenGuard } from '../../src/middleware/token-guard.js';
import { createTestServer, signupAndLogin, type TestServer } from '../support/server.js';

const ISSUER = 'https://auth.test';
let issuerServer: TestServer;
let issuerBase: string;
let fetches = 0;
/** Real HTTP to the test issuer, which calls itself https://auth.test. */
const fetchToIssuer: typeof fetch = (input, init) => {
  fetches++;
  return fetch(String(input).replace(ISSUER, issuerBase), init);
};

interface Answer {
  status: number;
  body: Record<string, unknown>;
  wwwAuthenticate: string | null;
}

interface Adapter {
  name: string;
  handlerRuns: number;
  call(authorization?: string): Promise<Answer>;
  close(): Promise<void>;
}

async function expressAdapter(guard: TokenGuard): Promise<Adapter> {
  const app = express();
  const adapter = { name: 'express', handlerRuns: 0 } as Adapter;
  app.get('/protected', expressGuard(guard), (_req, res) => {
    adapter.handlerRuns++;
    res.json({ sub: res.locals.gatehouse.sub });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  adapter.call = async (authorization) => {
    const response = await fetch(`${base}/protected`, {
      headers: authorization === undefined ? {} : { authorization },
    });
    return {
      status: response.status,
      body: (await response.json()) as Record<string, unknown>,
      wwwAuthenticate: response.headers.get('www-authenticate'),
    };
  };
  adapter.close = () => new Promise((resolve) => server.close(() => resolve()));
  return adapter;
}

async function fastifyAdapter(guard: TokenGuard): Promise<Adapter> {
  const app = Fastify();
  const adapter = { name: 'fastify', handlerRuns: 0 } as Adapter;
  app.get('/protected', { preHandler: fastifyGuard(guard) }, async (request) => {
    adapter.handlerRuns++;
    return { sub: request.gatehouse?.sub };
  });
  adapter.call = async (authorization) => {
    const response = await app.inject({
      method: 'GET',
      url: '/protected',
      headers: authorization === undefined ? {} : { authorization },
    });
    return {
      status: response.statusCode,
      body: response.json(),
      wwwAuthenticate: (response.headers['www-authenticate'] as string | undefined) ?? null,
    };
  };
  adapter.close = () => app.close();
  return adapter;
}

async function honoAdapter(guard: TokenGuard): Promise<Adapter> {
  const app = new Hono<{ Variables: GatehouseVariables }>();
  const adapter = { name: 'hono', handlerRuns: 0 } as Adapter;
  app.use('/protected', honoGuard(guard));
  app.get('/protected', (c) => {
    adapter.handlerRuns++;
    return c.json({ sub: c.get('gatehouse').sub });
  });
  adapter.call = async (authorization) => {
    const response = await app.request('/protected', {
      headers: authorization === undefined ? {} : { authorization },
    });
    return {
      status: response.status,
      body: (await response.json()) as Record<string, unknown>,
      wwwAuthenticate: response.headers.get('www-authenticate'),
    };
  };
  adapter.close = async () => {};
  return adapter;
}

beforeAll(async () => {
  issuerServer = await createTestServer({
    env: { GATEHOUSE_ISSUER: ISSUER, GATEHOUSE_AUDIENCE: 'https://api.test' },
  });
  issuerBase = await issuerServer.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await issuerServer.close();
});

describe.each([
  ['express', expressAdapter],
  ['fastify', fastifyAdapter],
  ['hono', honoAdapter],
] as const)('%s middleware', (_name, makeAdapter) => {
  let adapter: Adapter;
  const now = () => Math.floor(issuerServer.clock.nowMs() / 1000);
  const sign = (
    claims: Record<string, unknown>,
    typ = 'at+jwt',
    key = issuerServer.context.keyRing.signingKey(),
  ) =>
    signJwt(
      {
        iss: ISSUER,
        aud: 'https://api.test',
        sub: 'user-1',
        sid: 'session-1',
        client_id: 'gatehouse',
        jti: `jti-${Math.random()}`,
        iat: now(),
        exp: now() + 600,
        ...claims,
      },
      key as never,
      { typ },
    );

  beforeAll(async () => {
    const guard = createTokenGuard({
      issuer: ISSUER,
      audience: 'https://api.test',
      fetch: fetchToIssuer,
      clock: issuerServer.clock,
      refetchIntervalMs: 10_000,
    });
    adapter = await makeAdapter(guard);
  });
  afterAll(async () => {
    await adapter.close();
  });

  it('lets a real Gatehouse access token through and exposes its claims', async () => {
    const { user, pair } = await signupAndLogin(issuerServer, `${_name}@example.com`);
    const answer = await adapter.call(`Bearer ${pair.access_token}`);
    expect(answer).toMatchObject({ status: 200, body: { sub: user.id } });
    expect(adapter.handlerRuns).toBe(1);
  });

  it.each([
    ['no credential', undefined, 401, 'invalid_request', /^Bearer realm="api"$/],
    ['a wrong scheme', 'Basic dXNlcjpwYXNz', 401, 'invalid_request', /error="invalid_request"/],
    ['a malformed token', 'Bearer not.a.token', 401, 'invalid_token', /error="invalid_token"/],
  ])('refuses %s', async (_case, authorization, status, error, challenge) => {
    const before = adapter.handlerRuns;
    const answer = await adapter.call(authorization);
    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject({ error });
    expect(answer.wwwAuthenticate).toMatch(challenge);
    expect(adapter.handlerRuns).toBe(before);
  });

  it('refuses expired tokens, a wrong audience, a wrong typ, a wrong issuer and tokens outside the profile', async () => {
    const before = adapter.handlerRuns;
    for (const token of [
      sign({ iat: now() - 700, exp: now() - 100 }),
      sign({ sid: undefined }),
      sign({ jti: undefined }),
      // Present but of the wrong type: the verifier checks these for presence only.
      sign({ sid: 42 }),
      sign({ client_id: ['gatehouse'] }),
      sign({ scope: 7 }),
      sign({ aud: 'https://other.test' }),
      sign({}, 'JWT'),
      sign({ iss: 'https://evil.test' }),
    ]) {
      const answer = await adapter.call(`Bearer ${token}`);
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ error: 'invalid_token' });
    }
    expect(adapter.handlerRuns).toBe(before);
  });

  it('a token of a key the issuer rotated in is accepted after one JWKS refetch; made-up kids do not refetch again', async () => {
    const ring = issuerServer.context.keyRing;
    const rotated = generateJwtKey('ES256', { kid: `rotated-${_name}` });
    ring.add(rotated);
    issuerServer.clock.advanceMs(10_000);
    const fetchesBefore = fetches;
    expect((await adapter.call(`Bearer ${sign({}, 'at+jwt', rotated)}`)).status).toBe(200);
    const afterRotation = fetches;
    expect(afterRotation).toBeGreaterThan(fetchesBefore);
    const stranger = generateJwtKey('ES256', { kid: 'made-up' });
    expect((await adapter.call(`Bearer ${sign({}, 'at+jwt', stranger)}`)).status).toBe(401);
    expect((await adapter.call(`Bearer ${sign({}, 'at+jwt', stranger)}`)).status).toBe(401);
    expect(fetches).toBe(afterRotation);
    ring.remove(rotated.kid);
  });
});

describe('scopes', () => {
  it('answers 403 insufficient_scope when a required scope is missing', async () => {
    const guard = createTokenGuard({
      issuer: ISSUER,
      audience: 'https://api.test',
      fetch: fetchToIssuer,
      clock: issuerServer.clock,
      requiredScopes: ['orders:write'],
    });
    const key = issuerServer.context.keyRing.signingKey();
    const now = Math.floor(issuerServer.clock.nowMs() / 1000);
    const base = {
      iss: ISSUER,
      aud: 'https://api.test',
      sub: 'u',
      sid: 's',
      client_id: 'gatehouse',
      jti: 'j',
      iat: now,
      exp: now + 60,
    };
    const without = await guard.check(
      `Bearer ${signJwt({ ...base, scope: 'orders:read' }, key as never, { typ: 'at+jwt' })}`,
    );
    expect(without).toMatchObject({
      ok: false,
      status: 403,
      body: { error: 'insufficient_scope' },
    });
    expect((without as { headers: Record<string, string> }).headers['www-authenticate']).toContain(
      'scope="orders:write"',
    );
    const withScope = await guard.check(
      `Bearer ${signJwt({ ...base, scope: 'orders:read orders:write' }, key as never, { typ: 'at+jwt' })}`,
    );
    expect(withScope.ok).toBe(true);
  });

  it('validates its options and answers 503 when the issuer cannot be reached', async () => {
    expect(() => createTokenGuard({ issuer: 'ftp://x', audience: '' })).toThrow(/issuer.*audience/);
    const guard = createTokenGuard({ issuer: 'http://127.0.0.1:1', audience: 'a' });
    expect(await guard.check('Bearer a.b.c')).toMatchObject({ ok: false, status: 503 });
  });
});
