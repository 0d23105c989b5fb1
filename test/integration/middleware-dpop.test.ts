/**
 * DPoP (RFC 9449) at an API protected by gatehouse/middleware: an Express API with
 * `requireAccessToken(guard)` in front of a real Gatehouse over HTTP. A token bound at the token
 * endpoint works at the API only as `Authorization: DPoP` with a fresh proof of its key for the
 * API's own method and URL; the same token copied without the key, a replayed proof, a proof for
 * another method, URL or token, and a bound token sent as Bearer are refused, each with its
 * machine-readable reason. Proofs are made by hand with jose (test/support/dpop.ts).
 */
import { request as httpRequest } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireAccessToken } from '../../src/middleware/express.js';
import {
  createTokenGuard,
  type TokenGuard,
  type TokenGuardOptions,
} from '../../src/middleware/token-guard.js';
import { createDpopTestKey, type DpopTestKey, makeProof } from '../support/dpop.js';
import { createTestServer, type TestServer } from '../support/server.js';

const ISSUER = 'https://auth.test';
const API = 'https://api.test';
const PASSWORD = 'middleware dpop password';

interface Call {
  readonly status: number;
  readonly reason: string | undefined;
  readonly challenge: string | null;
  readonly body: Record<string, unknown>;
}

let server: TestServer;
let issuerBase: string;
const apis: Array<{ guard: TokenGuard; http: Server }> = [];

/** An Express API with the guard on GET and POST /orders; records the refusal reasons. */
async function startApi(extra: Partial<TokenGuardOptions> = {}, direct = false) {
  const guard = createTokenGuard({
    issuer: ISSUER,
    audience: server.config.audience,
    clock: server.clock,
    fetch: (input, init) => fetch(String(input).replace(ISSUER, issuerBase), init),
    ...(direct ? {} : { publicUrl: API }),
    ...extra,
  });
  const app = express();
  const reasons = new Map<string, string | undefined>();
  app.use((req, res, next) => {
    res.on('finish', () =>
      reasons.set(String(req.headers['x-call']), res.locals.gatehouseRefusal as string | undefined),
    );
    next();
  });
  app.all('/orders', requireAccessToken(guard), (_req, res) => {
    res.json({ user: res.locals.gatehouse.sub });
  });
  const http = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => http.once('listening', resolve));
  apis.push({ guard, http });
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  let calls = 0;
  return {
    base,
    async call(headers: Record<string, string>, method = 'GET', path = '/orders'): Promise<Call> {
      const id = String(++calls);
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { ...headers, 'x-call': id },
      });
      const body = (await response.json()) as Record<string, unknown>;
      return {
        status: response.status,
        reason: reasons.get(id),
        challenge: response.headers.get('www-authenticate'),
        body,
      };
    },
  };
}

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${issuerBase}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, string>,
  };
}

/** Signs up and logs in with a proof of `key` (the nonce dance): the token is bound to it. */
async function boundLogin(email: string, key: DpopTestKey) {
  await post('/v1/signup', { email, password: PASSWORD });
  const grant = { grant_type: 'password', username: email, password: PASSWORD };
  const proof = (nonce?: string) =>
    makeProof(key, {
      htm: 'POST',
      htu: `${ISSUER}/v1/token`,
      nowMs: server.clock.nowMs(),
      ...(nonce === undefined ? {} : { nonce }),
    });
  const first = await post('/v1/token', grant, { dpop: await proof() });
  expect(first.body.error).toBe('use_dpop_nonce');
  const answer = await post('/v1/token', grant, {
    dpop: await proof(first.headers.get('dpop-nonce') as string),
  });
  expect(answer.status).toBe(200);
  expect(answer.body.token_type).toBe('DPoP');
  return answer.body.access_token as string;
}

const ordersProof = (
  key: DpopTestKey,
  accessToken: string,
  extra: Partial<Parameters<typeof makeProof>[1]> = {},
) =>
  makeProof(key, {
    htm: 'GET',
    htu: `${API}/orders`,
    nowMs: server.clock.nowMs(),
    accessToken,
    ...extra,
  });

/** GET /orders with a Host header of our choosing (fetch sets its own). */
function callWithHost(base: string, host: string, headers: Record<string, string>) {
  return new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
    const request = httpRequest(`${base}/orders`, { headers: { ...headers, host } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
      });
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          body: JSON.parse(text) as Record<string, unknown>,
        }),
      );
    });
    request.on('error', reject);
    request.end();
  });
}

beforeAll(async () => {
  server = await createTestServer();
  issuerBase = await server.app.listen({ port: 0, host: '127.0.0.1' });
}, 60_000);

afterAll(async () => {
  for (const { guard, http } of apis) {
    guard.close();
    await new Promise((resolve) => http.close(resolve));
  }
  await server?.close();
});

describe('DPoP at an API behind gatehouse/middleware', () => {
  let owner: DpopTestKey;
  let thief: DpopTestKey;
  let token: string;
  let api: Awaited<ReturnType<typeof startApi>>;

  beforeAll(async () => {
    owner = await createDpopTestKey();
    thief = await createDpopTestKey();
    token = await boundLogin('owner@example.com', owner);
    api = await startApi();
  });

  it('takes the bound token as DPoP with a fresh proof of its key for this method and URL', async () => {
    const answer = await api.call({
      authorization: `DPoP ${token}`,
      dpop: await ordersProof(owner, token),
    });
    expect(answer.status).toBe(200);
    expect(answer.body.user).toEqual(expect.any(String));
  });

  it('refuses the bound token sent as Bearer (a stolen copy), with a DPoP challenge', async () => {
    const answer = await api.call({ authorization: `Bearer ${token}` });
    expect(answer.status).toBe(401);
    expect(answer.reason).toBe('dpop_required');
    expect(answer.body.error).toBe('invalid_token');
    expect(answer.challenge).toMatch(/^DPoP algs="[^"]*ES256[^"]*", error="invalid_token"/);
  });

  it("refuses the stolen token with a proof of the thief's own key", async () => {
    const answer = await api.call({
      authorization: `DPoP ${token}`,
      dpop: await ordersProof(thief, token),
    });
    expect(answer.status).toBe(401);
    expect(answer.reason).toBe('dpop_invalid');
    expect(answer.body.error).toBe('invalid_dpop_proof');
  });

  it('refuses a replayed proof: each proof is used once', async () => {
    const proof = await ordersProof(owner, token);
    const first = await api.call({ authorization: `DPoP ${token}`, dpop: proof });
    const again = await api.call({ authorization: `DPoP ${token}`, dpop: proof });
    expect(first.status).toBe(200);
    expect(again.status).toBe(401);
    expect(again.reason).toBe('dpop_invalid');
  });

  it('refuses a proof for another method, another URL, another token, or no proof at all', async () => {
    const cases: Array<[string, Record<string, string>, string?]> = [
      ['method', { dpop: await ordersProof(owner, token, { htm: 'POST' }) }],
      ['url', { dpop: await ordersProof(owner, token, { htu: `${API}/invoices` }) }],
      ['host', { dpop: await ordersProof(owner, token, { htu: `${ISSUER}/orders` }) }],
      ['token', { dpop: await ordersProof(owner, token, { accessToken: `${token}x` }) }],
      [
        'old proof',
        { dpop: await ordersProof(owner, token, { nowMs: server.clock.nowMs() - 120_000 }) },
      ],
      ['none', {}],
    ];
    for (const [name, headers] of cases) {
      const answer = await api.call({ authorization: `DPoP ${token}`, ...headers });
      expect([name, answer.status, answer.reason]).toEqual([name, 401, 'dpop_invalid']);
    }
  });

  it('refuses a proof whose jwk kty names an Object.prototype member (401, not a 500)', async () => {
    for (const kty of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const answer = await api.call({
        authorization: `DPoP ${token}`,
        dpop: await ordersProof(owner, token, { header: { jwk: { ...owner.publicJwk, kty } } }),
      });
      expect([kty, answer.status, answer.reason, answer.body.error]).toEqual([
        kty,
        401,
        'dpop_invalid',
        'invalid_dpop_proof',
      ]);
    }
  });

  it('checks the method and path of the request itself (POST with a POST proof passes)', async () => {
    const answer = await api.call(
      { authorization: `DPoP ${token}`, dpop: await ordersProof(owner, token, { htm: 'POST' }) },
      'POST',
    );
    expect(answer.status).toBe(200);
    // The query is not part of htu (RFC 9449 section 4.3).
    const withQuery = await api.call(
      { authorization: `DPoP ${token}`, dpop: await ordersProof(owner, token) },
      'GET',
      '/orders?page=2',
    );
    expect(withQuery.status).toBe(200);
  });

  it('refuses an unbound token under the DPoP scheme, and takes it as Bearer', async () => {
    const plain = await post('/v1/signup', { email: 'plain@example.com', password: PASSWORD });
    expect(plain.status).toBe(201);
    const login = await post('/v1/token', {
      grant_type: 'password',
      username: 'plain@example.com',
      password: PASSWORD,
    });
    const bearer = login.body.access_token as string;
    expect(login.body.token_type).toBe('Bearer');
    const asDpop = await api.call({
      authorization: `DPoP ${bearer}`,
      dpop: await ordersProof(owner, bearer),
    });
    expect(asDpop.status).toBe(401);
    expect(asDpop.reason).toBe('dpop_invalid');
    expect((await api.call({ authorization: `Bearer ${bearer}` })).status).toBe(200);

    // dpop: 'required' refuses every Bearer token.
    const strict = await startApi({ dpop: 'required' });
    const refused = await strict.call({ authorization: `Bearer ${bearer}` });
    expect(refused.status).toBe(401);
    expect(refused.reason).toBe('dpop_required');
    const ok = await strict.call({
      authorization: `DPoP ${token}`,
      dpop: await ordersProof(owner, token),
    });
    expect(ok.status).toBe(200);
  });

  it('answers a refused token under the DPoP scheme with a DPoP challenge, whatever the reason', async () => {
    const [head, body] = token.split('.');
    const forged = `${head}.${body}.${'A'.repeat(86)}`;
    const answer = await api.call({
      authorization: `DPoP ${forged}`,
      dpop: await ordersProof(owner, forged),
    });
    expect(answer.status).toBe(401);
    expect(answer.reason).toBe('invalid_token');
    expect(answer.challenge).toMatch(/^DPoP algs="[^"]+", error="invalid_token"/);
  });

  it('offers both schemes when no token comes', async () => {
    const answer = await api.call({});
    expect(answer.status).toBe(401);
    expect(answer.reason).toBe('no_token');
    expect(answer.challenge).toMatch(/^Bearer realm="api", DPoP algs="/);
  });

  it('without publicUrl, DPoP is refused (the Host header cannot name the URL); Bearer still works', async () => {
    const direct = await startApi({}, true);
    const proof = await makeProof(owner, {
      htm: 'GET',
      htu: `${direct.base}/orders`,
      nowMs: server.clock.nowMs(),
      accessToken: token,
    });
    const answer = await direct.call({ authorization: `DPoP ${token}`, dpop: proof });
    expect([answer.status, answer.reason, answer.body.error]).toEqual([
      401,
      'dpop_invalid',
      'invalid_dpop_proof',
    ]);
    expect(answer.body.error_description).toMatch(/publicUrl must be configured/);
    expect(answer.challenge).toMatch(/^DPoP algs="[^"]+", error="invalid_dpop_proof"/);
    // Unbound tokens as Bearer are unaffected.
    await post('/v1/signup', { email: 'plain-direct@example.com', password: PASSWORD });
    const login = await post('/v1/token', {
      grant_type: 'password',
      username: 'plain-direct@example.com',
      password: PASSWORD,
    });
    const bearer = await direct.call({ authorization: `Bearer ${login.body.access_token}` });
    expect(bearer.status).toBe(200);
    // dpop: 'required' without publicUrl could take no request at all: refused at construction.
    expect(() =>
      createTokenGuard({
        issuer: ISSUER,
        audience: server.config.audience,
        dpop: 'required',
      }),
    ).toThrow(/publicUrl/);
  });

  it('a proof captured at API A is refused at API B, whatever Host header the replay sends', async () => {
    const apiA = 'http://api-a.test';
    const proof = await makeProof(owner, {
      htm: 'GET',
      htu: `${apiA}/orders`,
      nowMs: server.clock.nowMs(),
      accessToken: token,
    });
    // API B: same audience, same path; the attacker sends Host: api-a.test so that a URL built
    // from the request would match the captured proof.
    for (const apiB of [
      await startApi({}, true),
      await startApi({ publicUrl: 'https://api-b.test' }),
    ]) {
      const answer = await callWithHost(apiB.base, 'api-a.test', {
        authorization: `DPoP ${token}`,
        dpop: proof,
      });
      expect([answer.status, answer.body.error]).toEqual([401, 'invalid_dpop_proof']);
    }
  });
});
