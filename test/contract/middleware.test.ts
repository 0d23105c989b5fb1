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
import {
  createTokenGuard,
  type GuardRequest,
  type TokenGuard,
} from '../../src/middleware/token-guard.js';
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
  /** The refusal reason the adapter exposed to a logger running around it. */
  reason: unknown;
}

interface Adapter {
  name: string;
  handlerRuns: number;
  /** The refusal reason a logger saw on the last answer. */
  lastReason: unknown;
  call(authorization?: string, headers?: Record<string, string>): Promise<Answer>;
  close(): Promise<void>;
}

const PATH = '/protected?page=2';

async function expressAdapter(guard: TokenGuard): Promise<Adapter> {
  const app = express();
  const adapter = { name: 'express', handlerRuns: 0 } as Adapter;
  // A request logger, as an API would have: it reads the reason when the answer is sent.
  app.use((_req, res, next) => {
    res.on('finish', () => {
      adapter.lastReason = res.locals.gatehouseRefusal;
    });
    next();
  });
  app.get('/protected', expressGuard(guard), (_req, res) => {
    adapter.handlerRuns++;
    res.json({ sub: res.locals.gatehouse.sub });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  adapter.call = async (authorization, headers = {}) => {
    adapter.lastReason = 'not logged';
    const response = await fetch(`${base}${PATH}`, {
      headers: { ...headers, ...(authorization === undefined ? {} : { authorization }) },
    });
    const body = (await response.json()) as Record<string, unknown>;
    // 'finish' fires once the answer is written: wait for the logger.
    await new Promise((resolve) => setImmediate(resolve));
    return {
      status: response.status,
      body,
      wwwAuthenticate: response.headers.get('www-authenticate'),
      reason: adapter.lastReason,
    };
  };
  adapter.close = () => new Promise((resolve) => server.close(() => resolve()));
  return adapter;
}

async function fastifyAdapter(guard: TokenGuard): Promise<Adapter> {
  const app = Fastify();
  const adapter = { name: 'fastify', handlerRuns: 0 } as Adapter;
  app.addHook('onResponse', (request, _reply, done) => {
    adapter.lastReason = request.gatehouseRefusal;
    done();
  });
  app.get('/protected', { preHandler: fastifyGuard(guard) }, async (request) => {
    adapter.handlerRuns++;
    return { sub: request.gatehouse?.sub };
  });
  adapter.call = async (authorization, headers = {}) => {
    adapter.lastReason = 'not logged';
    const response = await app.inject({
      method: 'GET',
      url: PATH,
      headers: { ...headers, ...(authorization === undefined ? {} : { authorization }) },
    });
    return {
      status: response.statusCode,
      body: response.json(),
      wwwAuthenticate: (response.headers['www-authenticate'] as string | undefined) ?? null,
      reason: adapter.lastReason,
    };
  };
  adapter.close = () => app.close();
  return adapter;
}

async function honoAdapter(guard: TokenGuard): Promise<Adapter> {
  const app = new Hono<{ Variables: GatehouseVariables }>();
  const adapter = { name: 'hono', handlerRuns: 0 } as Adapter;
  app.use('*', async (c, next) => {
    await next();
    adapter.lastReason = c.get('gatehouseRefusal');
  });
  app.use('/protected', honoGuard(guard));
  app.get('/protected', (c) => {
    adapter.handlerRuns++;
    return c.json({ sub: c.get('gatehouse').sub });
  });
  adapter.call = async (authorization, headers = {}) => {
    adapter.lastReason = 'not logged';
    const response = await app.request(PATH, {
      headers: { ...headers, ...(authorization === undefined ? {} : { authorization }) },
    });
    return {
      status: response.status,
      body: (await response.json()) as Record<string, unknown>,
      wwwAuthenticate: response.headers.get('www-authenticate'),
      reason: adapter.lastReason,
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
  /** What the adapter handed to the guard, request by request. */
  const seen: GuardRequest[] = [];
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
    adapter = await makeAdapter({
      check: (input) => {
        if (typeof input === 'object') seen.push(input);
        return guard.check(input);
      },
      close: guard.close,
    });
  });
  afterAll(async () => {
    await adapter.close();
  });

  it('lets a real Gatehouse access token through and exposes its claims', async () => {
    const { user, pair } = await signupAndLogin(issuerServer, `${_name}@example.com`);
    const answer = await adapter.call(`Bearer ${pair.access_token}`);
    expect(answer).toMatchObject({ status: 200, body: { sub: user.id }, reason: undefined });
    expect(adapter.handlerRuns).toBe(1);
  });

  it('hands the guard the whole request: Authorization, DPoP, method and the full URL', async () => {
    seen.length = 0;
    await adapter.call('Bearer a.b.c', { dpop: 'proof.jwt.value' });
    expect(seen).toHaveLength(1);
    const [request] = seen as [GuardRequest];
    expect(request).toMatchObject({
      authorization: 'Bearer a.b.c',
      dpop: 'proof.jwt.value',
      method: 'GET',
    });
    const url = new URL(request.url as string);
    expect(url.protocol).toBe('http:');
    expect(url.host).not.toBe('');
    expect(`${url.pathname}${url.search}`).toBe(PATH);
  });

  it.each([
    [
      'no credential',
      undefined,
      401,
      'invalid_request',
      /^Bearer realm="api", DPoP algs="[^"]+"$/,
      'no_token',
    ],
    [
      'a wrong scheme',
      'Basic dXNlcjpwYXNz',
      401,
      'invalid_request',
      /error="invalid_request"/,
      'wrong_scheme',
    ],
    [
      'a malformed header',
      'Bearer two words',
      401,
      'invalid_request',
      /error="invalid_request"/,
      'malformed_header',
    ],
    [
      'a malformed token',
      'Bearer not.a.token',
      401,
      'invalid_token',
      /error="invalid_token"/,
      'invalid_token',
    ],
  ])(
    'refuses %s, the reason exposed to a logger',
    async (_case, authorization, status, error, challenge, reason) => {
      const before = adapter.handlerRuns;
      const answer = await adapter.call(authorization);
      expect(answer.status).toBe(status);
      expect(answer.body).toMatchObject({ error });
      expect(answer.wwwAuthenticate).toMatch(challenge);
      expect(answer.reason).toBe(reason);
      expect(adapter.handlerRuns).toBe(before);
    },
  );

  it('refuses expired tokens, a wrong audience, a wrong typ, a wrong issuer and tokens outside the profile', async () => {
    const before = adapter.handlerRuns;
    const expired = await adapter.call(`Bearer ${sign({ iat: now() - 700, exp: now() - 100 })}`);
    expect(expired).toMatchObject({ status: 401, reason: 'expired' });
    for (const token of [
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
      expect(answer.reason).toBe('invalid_token');
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
      reason: 'insufficient_scope',
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
    expect(await guard.check('Bearer a.b.c')).toMatchObject({
      ok: false,
      status: 503,
      reason: 'issuer_unavailable',
    });
  });
});
