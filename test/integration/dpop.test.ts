/**
 * DPoP (RFC 9449) over HTTP against listening servers, on SQLite and on PostgreSQL + Redis, with
 * proofs made by hand with jose (test/support/dpop.ts): login with the nonce dance, /v1/me with a
 * bound token, and a thief holding copies of the access and refresh tokens but not the key, who
 * gets nothing anywhere (and is recorded); every proof check over the wire; two instances sharing
 * the replay cache and the nonces; the required and off modes.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwtUnverified } from '../../src/jwt/decode.js';
import { createDpopTestKey, type DpopTestKey, makeProof } from '../support/dpop.js';
import { type SharedInstances, startSharedInstances } from '../support/instances.js';
import { createRsaKeyWithExponent, randomExponent } from '../support/rsa-exponent.js';
import { createTestServer, type TestServer, type TokenPairBody } from '../support/server.js';
import { serverBackends } from '../support/services.js';

const BACKENDS = await serverBackends();
const ISSUER = 'https://auth.test';
const TOKEN_URL = `${ISSUER}/v1/token`;
const ME_URL = `${ISSUER}/v1/me`;
const PASSWORD = 'dpop test password';
const ALGS = 'DPoP algs="ES256 ES384 ES512 EdDSA PS256 PS384 PS512 RS256 RS384 RS512"';

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers: Headers;
}

async function send(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: unknown,
): Promise<Answer> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    headers: response.headers,
  };
}

/** One instance's view: its base URL and its clock (proofs are made on the server's time). */
interface Target {
  readonly base: string;
  readonly nowMs: () => number;
}

const tokenProof = (target: Target, key: DpopTestKey, nonce?: string) =>
  makeProof(key, {
    htm: 'POST',
    htu: TOKEN_URL,
    nowMs: target.nowMs(),
    ...(nonce === undefined ? {} : { nonce }),
  });

/** POST /v1/token with a proof of `key` (and `nonce`), or without a proof when key is null. */
async function token(
  target: Target,
  body: Record<string, string>,
  key: DpopTestKey | null,
  nonce?: string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const proof = key === null ? {} : { dpop: await tokenProof(target, key, nonce) };
  return send(target.base, 'POST', '/v1/token', { ...proof, ...headers }, body);
}

/** The nonce dance of RFC 9449 section 8: a first proof without one, then one with the nonce given. */
async function tokenWithNonce(
  target: Target,
  body: Record<string, string>,
  key: DpopTestKey,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const first = await token(target, body, key, undefined, headers);
  expect(first.status).toBe(400);
  expect(first.body.error).toBe('use_dpop_nonce');
  const nonce = first.headers.get('dpop-nonce');
  expect(nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
  return token(target, body, key, nonce as string, headers);
}

const passwordGrant = (email: string) => ({
  grant_type: 'password',
  username: email,
  password: PASSWORD,
});
const refreshGrant = (refreshToken: string) => ({
  grant_type: 'refresh_token',
  refresh_token: refreshToken,
});

async function signup(target: Target, email: string) {
  const answer = await send(target.base, 'POST', '/v1/signup', {}, { email, password: PASSWORD });
  expect(answer.status).toBe(201);
}

/** Signs up and logs in with DPoP: the pair is bound to `key`. */
async function dpopLogin(target: Target, email: string, key: DpopTestKey): Promise<TokenPairBody> {
  await signup(target, email);
  const answer = await tokenWithNonce(target, passwordGrant(email), key);
  expect(answer.status).toBe(200);
  return answer.body as unknown as TokenPairBody;
}

const resourceProof = (
  target: Target,
  key: DpopTestKey,
  accessToken: string,
  extra: Partial<Parameters<typeof makeProof>[1]> = {},
) => makeProof(key, { htm: 'GET', htu: ME_URL, nowMs: target.nowMs(), accessToken, ...extra });

const me = (target: Target, headers: Record<string, string>) =>
  send(target.base, 'GET', '/v1/me', headers);

const dpopMe = async (
  target: Target,
  accessToken: string,
  key: DpopTestKey,
  extra: Partial<Parameters<typeof makeProof>[1]> = {},
) =>
  me(target, {
    authorization: `DPoP ${accessToken}`,
    dpop: await resourceProof(target, key, accessToken, extra),
  });

describe.each(BACKENDS)('DPoP over HTTP on %s', (_name, backend) => {
  let server: TestServer;
  let target: Target;
  let owner: DpopTestKey;
  let thief: DpopTestKey;
  beforeAll(async () => {
    server = await createTestServer(backend);
    const base = await server.app.listen({ port: 0, host: '127.0.0.1' });
    target = { base, nowMs: () => server.clock.nowMs() };
    owner = await createDpopTestKey('ES256');
    thief = await createDpopTestKey('ES256');
  });
  afterAll(async () => {
    await server?.close();
  });

  it('metadata names the proof algorithms', async () => {
    const metadata = await send(target.base, 'GET', '/.well-known/oauth-authorization-server');
    expect(metadata.body.dpop_signing_alg_values_supported).toEqual([
      'ES256',
      'ES384',
      'ES512',
      'EdDSA',
      'PS256',
      'PS384',
      'PS512',
      'RS256',
      'RS384',
      'RS512',
    ]);
  });

  it('login: nonce first, then a DPoP-bound pair; /v1/me with the key works', async () => {
    const email = 'owner-login@example.com';
    await signup(target, email);
    const first = await token(target, passwordGrant(email), owner);
    expect(first.status).toBe(400);
    expect(first.body).toMatchObject({ error: 'use_dpop_nonce' });
    const nonce = first.headers.get('dpop-nonce') as string;
    const login = await token(target, passwordGrant(email), owner, nonce);
    expect(login.status).toBe(200);
    expect(login.body.token_type).toBe('DPoP');
    // Every token answer hands out the nonce for the next proof.
    expect(login.headers.get('dpop-nonce')).toBe(nonce);
    const pair = login.body as unknown as TokenPairBody;
    expect(decodeJwtUnverified(pair.access_token).payload.cnf).toEqual({ jkt: owner.jkt });

    const answer = await dpopMe(target, pair.access_token, owner);
    expect(answer.status).toBe(200);
    expect(answer.body.email).toBe(email);
  });

  it('the same proof twice (a replay) is refused the second time', async () => {
    const pair = await dpopLogin(target, 'owner-replay@example.com', owner);
    const proof = await resourceProof(target, owner, pair.access_token);
    const headers = { authorization: `DPoP ${pair.access_token}`, dpop: proof };
    expect((await me(target, headers)).status).toBe(200);
    const again = await me(target, headers);
    expect(again.status).toBe(401);
    expect(again.body.error).toBe('invalid_dpop_proof');
    expect(again.headers.get('www-authenticate')).toMatch(
      /^DPoP algs="[^"]+", error="invalid_dpop_proof", error_description="[^"]+"$/,
    );
    // A token-endpoint proof is single use too: the nonce dance's second proof, replayed.
    const email = 'owner-replay-token@example.com';
    await signup(target, email);
    const first = await token(target, passwordGrant(email), owner);
    const proofWithNonce = await tokenProof(
      target,
      owner,
      first.headers.get('dpop-nonce') as string,
    );
    const ok = await send(
      target.base,
      'POST',
      '/v1/token',
      { dpop: proofWithNonce },
      passwordGrant(email),
    );
    expect(ok.status).toBe(200);
    const replayed = await send(
      target.base,
      'POST',
      '/v1/token',
      { dpop: proofWithNonce },
      passwordGrant(email),
    );
    expect(replayed.status).toBe(400);
    expect(replayed.body.error).toBe('invalid_dpop_proof');
  });

  it('a proof for another method, URL or token is refused: htm, htu, ath', async () => {
    const pair = await dpopLogin(target, 'owner-claims@example.com', owner);
    // Each answer names the claim to fix.
    const cases: Array<[Partial<Parameters<typeof makeProof>[1]>, RegExp]> = [
      [{ htm: 'POST' }, /htm must be this request's method/],
      [{ htu: `${ISSUER}/v1/sessions` }, /htu must be the request's URL at the issuer/],
      // The address the request reached (Host) is not the public URL: never trusted.
      [{ htu: `${target.base}/v1/me` }, /htu must be the request's URL at the issuer/],
      [{ htu: 'https://evil.test/v1/me' }, /htu must be/],
      [{ accessToken: `${pair.access_token}x` }, /ath must be the base64url SHA-256/],
      [{ claims: { ath: undefined } }, /ath must be/],
    ];
    for (const [extra, description] of cases) {
      const answer = await dpopMe(target, pair.access_token, owner, extra);
      expect({ extra, status: answer.status, error: answer.body.error }).toEqual({
        extra,
        status: 401,
        error: 'invalid_dpop_proof',
      });
      expect(answer.body.error_description).toMatch(description);
    }
    // None of those used anything up: the right proof still passes.
    expect((await dpopMe(target, pair.access_token, owner)).status).toBe(200);
    // The query string is not part of htu.
    const withQuery = await send(target.base, 'GET', '/v1/me?view=full', {
      authorization: `DPoP ${pair.access_token}`,
      dpop: await resourceProof(target, owner, pair.access_token),
    });
    expect(withQuery.status).toBe(200);
  });

  it('a stolen access token, without the key, is refused at /v1/me: as Bearer, and as DPoP with the thief key', async () => {
    const pair = await dpopLogin(target, 'owner-stolen-at@example.com', owner);
    const asBearer = await me(target, { authorization: `Bearer ${pair.access_token}` });
    expect(asBearer.status).toBe(401);
    expect(asBearer.body.error).toBe('invalid_token');
    expect(asBearer.headers.get('www-authenticate')).toMatch(
      /^DPoP algs="[^"]+", error="invalid_token"/,
    );
    // A bound token as Bearer, with a proof of the right key besides: still not Bearer.
    const bearerWithProof = await me(target, {
      authorization: `Bearer ${pair.access_token}`,
      dpop: await resourceProof(target, owner, pair.access_token),
    });
    expect(bearerWithProof.status).toBe(401);
    const thiefProof = await dpopMe(target, pair.access_token, thief);
    expect(thiefProof.status).toBe(401);
    expect(thiefProof.body.error).toBe('invalid_token');
    // Without any proof.
    const noProof = await me(target, { authorization: `DPoP ${pair.access_token}` });
    expect(noProof.status).toBe(401);
    expect(noProof.body.error).toBe('invalid_dpop_proof');
    // The owner is unaffected.
    expect((await dpopMe(target, pair.access_token, owner)).status).toBe(200);
  });

  it('a stolen refresh token is refused with the thief key and with no proof; nothing changes; a security event a minute', async () => {
    const email = 'owner-stolen-rt@example.com';
    const pair = await dpopLogin(target, email, owner);
    const sessionId = decodeJwtUnverified(pair.access_token).payload.sid;
    const withThiefKey = await tokenWithNonce(target, refreshGrant(pair.refresh_token), thief, {
      'user-agent': 'thief-agent/1',
    });
    expect(withThiefKey.status).toBe(400);
    expect(withThiefKey.body.error).toBe('invalid_grant');
    // Tries within a minute of the last recorded one are refused alike but not recorded again.
    for (let i = 0; i < 5; i++)
      expect((await token(target, refreshGrant(pair.refresh_token), null)).status).toBe(400);
    server.clock.advanceMs(61_000);
    const withoutProof = await token(target, refreshGrant(pair.refresh_token), null, undefined, {
      'user-agent': 'thief-agent/2',
    });
    expect(withoutProof.status).toBe(400);
    expect(withoutProof.body.error).toBe('invalid_grant');

    const events = await server.context.stores.events.listEvents({
      type: 'dpop_key_mismatch',
      limit: 10,
    });
    expect(
      events
        .filter((event) => event.sessionId === sessionId)
        .map(({ ip, userAgent, userId }) => ({ ip, userAgent, known: userId !== null }))
        // Both at one instant of the fixed clock: their order is not the point.
        .sort((a, b) => String(a.userAgent).localeCompare(String(b.userAgent))),
    ).toEqual([
      { ip: '127.0.0.1', userAgent: 'thief-agent/1', known: true },
      { ip: '127.0.0.1', userAgent: 'thief-agent/2', known: true },
    ]);

    // No rotation and no reuse revocation happened: the owner refreshes with the same token.
    const refreshed = await tokenWithNonce(target, refreshGrant(pair.refresh_token), owner);
    expect(refreshed.status).toBe(200);
    const next = refreshed.body as unknown as TokenPairBody;
    expect(next.token_type).toBe('DPoP');
    expect(decodeJwtUnverified(next.access_token).payload.cnf).toEqual({ jkt: owner.jkt });
    expect((await dpopMe(target, next.access_token, owner)).status).toBe(200);
    // And the next refresh token is bound too.
    const stolenAgain = await token(target, refreshGrant(next.refresh_token), null);
    expect(stolenAgain.status).toBe(400);
  });

  it('nonce at a resource: an iat hours off is told to use the nonce, and passes with it', async () => {
    const pair = await dpopLogin(target, 'owner-skew@example.com', owner);
    const skewed = { iat: Math.floor(target.nowMs() / 1000) - 3 * 3600 };
    const first = await dpopMe(target, pair.access_token, owner, skewed);
    expect(first.status).toBe(401);
    expect(first.body.error).toBe('use_dpop_nonce');
    expect(first.headers.get('www-authenticate')).toMatch(
      /^DPoP algs="[^"]+", error="use_dpop_nonce"/,
    );
    const nonce = first.headers.get('dpop-nonce') as string;
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const second = await dpopMe(target, pair.access_token, owner, { ...skewed, nonce });
    expect(second.status).toBe(200);
  });

  it('the DPoP scheme with an unbound (Bearer) token is refused; Bearer logins still work', async () => {
    const email = 'bearer-user@example.com';
    await signup(target, email);
    const login = await token(target, passwordGrant(email), null);
    expect(login.status).toBe(200);
    expect(login.body.token_type).toBe('Bearer');
    const pair = login.body as unknown as TokenPairBody;
    expect(decodeJwtUnverified(pair.access_token).payload.cnf).toBeUndefined();
    expect((await me(target, { authorization: `Bearer ${pair.access_token}` })).status).toBe(200);
    const asDpop = await dpopMe(target, pair.access_token, owner);
    expect(asDpop.status).toBe(401);
    expect(asDpop.body.error).toBe('invalid_token');
    const noCredential = await me(target, {});
    expect(noCredential.headers.get('www-authenticate')).toBe(`Bearer realm="gatehouse", ${ALGS}`);
  });

  it('two DPoP headers, or a request target no URL can be made of: refused, never a 500', async () => {
    const pair = await dpopLogin(target, 'owner-hostile@example.com', owner);
    const proofs = [
      await resourceProof(target, owner, pair.access_token),
      await resourceProof(target, owner, pair.access_token),
    ];
    const { port } = new URL(target.base);
    const raw = (requestLine: string, dpopLines: string[]) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1');
        let text = '';
        socket.on('data', (chunk) => {
          text += chunk.toString('latin1');
        });
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
        socket.end(
          `${requestLine}\r\nhost: 127.0.0.1\r\nauthorization: DPoP ${pair.access_token}\r\n` +
            dpopLines.map((proof) => `dpop: ${proof}\r\n`).join('') +
            'connection: close\r\n\r\n',
        );
      });
    const twice = await raw('GET /v1/me HTTP/1.1', proofs);
    expect(twice).toMatch(/^HTTP\/1\.1 401 /);
    expect(twice).toContain('"error":"invalid_dpop_proof"');
    const absolute = await raw('GET http://127.0.0.1/v1/me HTTP/1.1', [proofs[1] as string]);
    expect(absolute).toMatch(/^HTTP\/1\.1 4\d\d /);
    // Refusals claim nothing: the first proof is still good.
    expect(
      (await me(target, { authorization: `DPoP ${pair.access_token}`, dpop: proofs[0] as string }))
        .status,
    ).toBe(200);
  });

  it('a proof whose jwk kty names an Object.prototype member is refused as jwk (401 JSON), never a 500', async () => {
    const pair = await dpopLogin(target, 'owner-proto-kty@example.com', owner);
    for (const kty of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const answer = await me(target, {
        authorization: `DPoP ${pair.access_token}`,
        dpop: await resourceProof(target, owner, pair.access_token, {
          header: { jwk: { ...owner.publicJwk, kty } },
        }),
      });
      expect([kty, answer.status, answer.body.error]).toEqual([kty, 401, 'invalid_dpop_proof']);
    }
  });

  it('a proof key with a huge RSA public exponent is refused at /v1/token (400) and /v1/me (401), though the proof is signed with it', async () => {
    const pair = await dpopLogin(target, 'owner-rsa-exponent@example.com', owner);
    // A 3064-bit exponent: about 13 ms per signature check, for a key anyone may choose.
    const huge = await createRsaKeyWithExponent('RS256', () => randomExponent(3064));
    // Before the check, the key passed and the server asked for its nonce (use_dpop_nonce).
    const refresh = await token(target, refreshGrant(pair.refresh_token), huge);
    expect([refresh.status, refresh.body.error]).toEqual([400, 'invalid_dpop_proof']);
    const atMe = await me(target, {
      authorization: `DPoP ${pair.access_token}`,
      dpop: await resourceProof(target, huge, pair.access_token),
    });
    expect([atMe.status, atMe.body.error]).toEqual([401, 'invalid_dpop_proof']);
  });

  it('/v1/revoke takes a bound token alone (RFC 7009, as client libraries send it); not an expired access token', async () => {
    // Sign-ups are throttled per address (10 an hour): this file has made its ten.
    server.clock.advanceMs(3_600_000);
    const pair = await dpopLogin(target, 'owner-revoke@example.com', owner);
    const old = await dpopLogin(target, 'owner-revoke-old@example.com', owner);
    // An expired access token (one found in an old log, say) ends nothing.
    server.clock.advanceMs(3_600_000 + 1000);
    const expired = await send(target.base, 'POST', '/v1/revoke', {}, { token: old.access_token });
    expect(expired.status).toBe(200);
    expect((await tokenWithNonce(target, refreshGrant(old.refresh_token), owner)).status).toBe(200);
    // The refresh token alone, no proof: the session ends, its access token fails at once.
    const fresh = (await tokenWithNonce(target, refreshGrant(pair.refresh_token), owner))
      .body as unknown as TokenPairBody;
    const revoke = await send(
      target.base,
      'POST',
      '/v1/revoke',
      {},
      { token: fresh.refresh_token },
    );
    expect(revoke.status).toBe(200);
    const after = await dpopMe(target, fresh.access_token, owner);
    expect(after.status).toBe(401);
    expect(after.body.error).toBe('invalid_token');
  });

  it('one proof sent with 100 parallel good refreshes (the claim comes after the grant check): one pair at most', async () => {
    server.clock.advanceMs(3_600_000);
    const pair = await dpopLogin(target, 'parallel-proof@example.com', owner);
    const first = await token(target, refreshGrant(pair.refresh_token), owner);
    const nonce = first.headers.get('dpop-nonce') as string;
    const proof = await tokenProof(target, owner, nonce);
    const answers = await Promise.all(
      Array.from({ length: 100 }, () =>
        send(target.base, 'POST', '/v1/token', { dpop: proof }, refreshGrant(pair.refresh_token)),
      ),
    );
    const ok = answers.filter((answer) => answer.status === 200);
    expect(ok).toHaveLength(1);
    for (const answer of answers.filter((a) => a.status !== 200)) {
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe('invalid_dpop_proof');
    }
    // The session lives (no reuse was declared): the new refresh token works with a new proof.
    const next = ok[0]?.body as unknown as TokenPairBody;
    expect((await tokenWithNonce(target, refreshGrant(next.refresh_token), owner)).status).toBe(
      200,
    );
  });

  it('a proof sent with a wrong password or a junk grant is not spent: it still works once after', async () => {
    const email = 'unspent@example.com';
    server.clock.advanceMs(3_600_000);
    await signup(target, email);
    const first = await token(target, passwordGrant(email), owner);
    const nonce = first.headers.get('dpop-nonce') as string;
    const proof = await tokenProof(target, owner, nonce);
    const wrong = await send(
      target.base,
      'POST',
      '/v1/token',
      { dpop: proof },
      {
        ...passwordGrant(email),
        password: 'not the password',
      },
    );
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe('invalid_grant');
    const junk = await send(
      target.base,
      'POST',
      '/v1/token',
      { dpop: proof },
      refreshGrant('junk'),
    );
    expect(junk.body.error).toBe('invalid_grant');
    const good = await send(
      target.base,
      'POST',
      '/v1/token',
      { dpop: proof },
      passwordGrant(email),
    );
    expect(good.status).toBe(200);
    // Spent now: the same proof again is a replay.
    const again = await send(
      target.base,
      'POST',
      '/v1/token',
      { dpop: proof },
      passwordGrant(email),
    );
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('invalid_dpop_proof');
  });
});

describe('GATEHOUSE_DPOP=required', () => {
  let server: TestServer;
  let target: Target;
  beforeAll(async () => {
    server = await createTestServer({ env: { GATEHOUSE_DPOP: 'required' } });
    const base = await server.app.listen({ port: 0, host: '127.0.0.1' });
    target = { base, nowMs: () => server.clock.nowMs() };
  });
  afterAll(async () => {
    await server?.close();
  });

  it('token requests without a proof and Bearer tokens are refused; DPoP works', async () => {
    const email = 'required@example.com';
    await signup(target, email);
    const bare = await token(target, passwordGrant(email), null);
    expect(bare.status).toBe(400);
    expect(bare.body.error).toBe('invalid_dpop_proof');
    expect(bare.headers.get('dpop-nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const key = await createDpopTestKey('EdDSA');
    const login = await tokenWithNonce(target, passwordGrant(email), key);
    expect(login.status).toBe(200);
    const pair = login.body as unknown as TokenPairBody;
    expect((await dpopMe(target, pair.access_token, key)).status).toBe(200);

    // An unbound token (issued before the switch, say) is refused as Bearer.
    const unbound = server.context.access.issue({
      userId: 'someone',
      sessionId: 'tsomething',
      sessionExpiresAtMs: target.nowMs() + 3_600_000,
      clientId: 'gatehouse',
    }).token;
    const bearer = await me(target, { authorization: `Bearer ${unbound}` });
    expect(bearer.status).toBe(401);
    expect(bearer.headers.get('www-authenticate')).toMatch(
      /^DPoP algs="[^"]+", error="invalid_token"/,
    );
    expect((await me(target, {})).headers.get('www-authenticate')).toBe(ALGS);
  });
});

describe('GATEHOUSE_DPOP=off', () => {
  let server: TestServer;
  let target: Target;
  beforeAll(async () => {
    server = await createTestServer({ env: { GATEHOUSE_DPOP: 'off' } });
    const base = await server.app.listen({ port: 0, host: '127.0.0.1' });
    target = { base, nowMs: () => server.clock.nowMs() };
  });
  afterAll(async () => {
    await server?.close();
  });

  it('proofs are ignored: Bearer tokens, no nonce, no metadata; the DPoP scheme is not spoken', async () => {
    const email = 'off@example.com';
    await signup(target, email);
    const key = await createDpopTestKey('ES256');
    const login = await token(target, passwordGrant(email), key);
    expect(login.status).toBe(200);
    expect(login.body.token_type).toBe('Bearer');
    expect(login.headers.get('dpop-nonce')).toBeNull();
    const pair = login.body as unknown as TokenPairBody;
    expect(decodeJwtUnverified(pair.access_token).payload.cnf).toBeUndefined();
    expect((await me(target, { authorization: `Bearer ${pair.access_token}` })).status).toBe(200);
    expect((await dpopMe(target, pair.access_token, key)).status).toBe(401);
    const metadata = await send(target.base, 'GET', '/.well-known/oauth-authorization-server');
    expect(metadata.body).not.toHaveProperty('dpop_signing_alg_values_supported');
    expect((await me(target, {})).headers.get('www-authenticate')).toBe('Bearer realm="gatehouse"');
  });
});

const shared = BACKENDS.some(([name]) => name !== 'SQLite');

describe.runIf(shared)('two instances on one PostgreSQL and Redis', () => {
  let instances: SharedInstances;
  const at = (n: number): Target => ({
    base: instances.bases[n] as string,
    nowMs: () => instances.clock.nowMs(),
  });
  beforeAll(async () => {
    instances = await startSharedInstances({});
  });
  afterAll(async () => {
    await instances?.close();
  });

  it('a nonce from one is accepted by the other; a proof used at one is refused at the other', async () => {
    const key = await createDpopTestKey('ES256');
    const email = 'two-instances@example.com';
    await signup(at(0), email);
    const first = await token(at(0), passwordGrant(email), key);
    expect(first.body.error).toBe('use_dpop_nonce');
    const login = await token(
      at(1),
      passwordGrant(email),
      key,
      first.headers.get('dpop-nonce') as string,
    );
    expect(login.status).toBe(200);
    const pair = login.body as unknown as TokenPairBody;

    const proof = await resourceProof(at(0), key, pair.access_token);
    const headers = { authorization: `DPoP ${pair.access_token}`, dpop: proof };
    expect((await me(at(0), headers)).status).toBe(200);
    const elsewhere = await me(at(1), headers);
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.body.error).toBe('invalid_dpop_proof');

    // The refresh on the other instance needs the key too, with that instance's nonce dance.
    expect((await token(at(1), refreshGrant(pair.refresh_token), null)).status).toBe(400);
    const refreshed = await tokenWithNonce(at(1), refreshGrant(pair.refresh_token), key);
    expect(refreshed.status).toBe(200);
  });
});
