import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../test/support/random.js';
import { BUILT_IN_CLIENTS, type ClientRecord } from '../clients/index.js';
import { AuthError, createFixedClock } from '../core/index.js';
import { createSqliteStores } from '../storage/sql/index.js';
import { openSqlite } from '../storage/sqlite/database.js';
import { checkAuthorizationRequest, decideSignIn, redirectWith } from './authorize-request.js';
import { createAuthorizationCodes } from './codes.js';
import { tokenHash } from './id-token.js';
import { checkPkce, isS256Challenge, s256Challenge } from './pkce.js';

describe('PKCE (RFC 7636)', () => {
  // RFC 7636 Appendix B.
  const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
  const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

  it('computes and checks the RFC 7636 Appendix B example', () => {
    expect(s256Challenge(verifier)).toBe(challenge);
    expect(checkPkce(verifier, challenge)).toBe(true);
    expect(isS256Challenge(challenge)).toBe(true);
  });

  it('refuses another verifier, a short or long one, a bad character, or a non-string', () => {
    expect(checkPkce(`${verifier.slice(0, -1)}l`, challenge)).toBe(false);
    expect(checkPkce(verifier.slice(0, 42), s256Challenge(verifier.slice(0, 42)))).toBe(false);
    const long = 'a'.repeat(129);
    expect(checkPkce(long, s256Challenge(long))).toBe(false);
    const plus = `${verifier.slice(0, -1)}+`;
    expect(checkPkce(plus, s256Challenge(plus))).toBe(false);
    expect(checkPkce(undefined, challenge)).toBe(false);
    // The plain method's "challenge" (the verifier itself) is not an S256 challenge.
    expect(checkPkce(verifier, verifier)).toBe(false);
    expect(isS256Challenge(`${challenge}=`)).toBe(false);
  });
});

describe('at_hash (OpenID Connect Core 3.1.3.6)', () => {
  it('is the left half of the hash, base64url: the example of OpenID Connect Core A.3', () => {
    expect(tokenHash('jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y', 'RS256')).toBe(
      '77QmUPtjPfzWtF2AnpK9RQ',
    );
    expect(tokenHash('x', 'ES384')).toHaveLength(32);
    expect(tokenHash('x', 'EdDSA')).toHaveLength(43);
  });
});

const spa: ClientRecord = {
  ...(BUILT_IN_CLIENTS.get('gatehouse') as ClientRecord),
  id: 'spa',
  name: 'SPA',
  builtIn: false,
  redirectUris: ['https://spa.example/cb'],
  grantTypes: ['authorization_code', 'refresh_token'],
  scopes: ['openid'],
};
const find = async (id: string) => (id === 'spa' ? spa : null);
const valid = {
  client_id: 'spa',
  redirect_uri: 'https://spa.example/cb',
  response_type: 'code',
  code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  code_challenge_method: 'S256',
  state: 's',
};

describe('checkAuthorizationRequest', () => {
  it('shows (never redirects) while the client or redirect URI is in doubt', async () => {
    for (const params of [
      { ...valid, client_id: undefined },
      { ...valid, client_id: ['spa', 'spa'] },
      { ...valid, client_id: 'other' },
      { ...valid, redirect_uri: 'https://spa.example/cb/' },
      { ...valid, redirect_uri: 'https://SPA.example/cb' },
      { ...valid, redirect_uri: ['https://spa.example/cb', 'https://evil.example/'] },
    ])
      expect((await checkAuthorizationRequest(params, find)).kind).toBe('show');
  });

  it('sends other errors back with state, and only the first error', async () => {
    const errorOf = async (params: Record<string, string | string[] | undefined>) => {
      const result = await checkAuthorizationRequest(params, find);
      if (result.kind !== 'redirect') throw new Error(result.kind);
      expect(result.redirectUri).toBe('https://spa.example/cb');
      return [result.error, result.state];
    };
    expect(await errorOf({ ...valid, state: ['a', 'b'] })).toEqual(['invalid_request', null]);
    expect(await errorOf({ ...valid, scope: ['openid', 'openid'] })).toEqual([
      'invalid_request',
      's',
    ]);
    expect(await errorOf({ ...valid, prompt: 'none login' })).toEqual(['invalid_request', 's']);
    expect(await errorOf({ ...valid, prompt: 'maybe' })).toEqual(['invalid_request', 's']);
    expect(await errorOf({ ...valid, max_age: '-1' })).toEqual(['invalid_request', 's']);
    expect(await errorOf({ ...valid, response_mode: 'fragment' })).toEqual([
      'invalid_request',
      's',
    ]);
    expect(await errorOf({ ...valid, scope: 'a  b' })).toEqual(['invalid_scope', 's']);
    expect(await errorOf({ ...valid, state: 'x'.repeat(2049) })).toEqual(['invalid_request', null]);
  });

  it('accepts a valid request and reads its options', async () => {
    const result = await checkAuthorizationRequest(
      { ...valid, scope: 'openid', nonce: 'n', prompt: 'login', max_age: '0', login_hint: 'a@b' },
      find,
    );
    if (result.kind !== 'valid') throw new Error(result.kind);
    expect(result.request).toMatchObject({
      openid: true,
      nonce: 'n',
      maxAgeSeconds: 0,
      loginHint: 'a@b',
      redirectUriGiven: true,
    });
    expect([...result.request.prompt]).toEqual(['login']);
  });

  it('redirectWith keeps the registered query and adds iss; decideSignIn weighs prompt and max_age', () => {
    expect(redirectWith('https://a.example/cb?x=1', { code: 'c', state: null }, 'https://i')).toBe(
      'https://a.example/cb?x=1&code=c&iss=https%3A%2F%2Fi',
    );
    const none = new Set(['none'] as const);
    expect(decideSignIn({ prompt: none, maxAgeSeconds: null }, null, 0)).toBe('login-required');
    expect(decideSignIn({ prompt: new Set(), maxAgeSeconds: 5 }, { authTimeMs: 0 }, 5000)).toBe(
      'issue',
    );
    expect(decideSignIn({ prompt: new Set(), maxAgeSeconds: 5 }, { authTimeMs: 0 }, 5001)).toBe(
      'sign-in',
    );
    expect(
      decideSignIn(
        { prompt: new Set(['login'] as const), maxAgeSeconds: null },
        { authTimeMs: 0 },
        0,
      ),
    ).toBe('sign-in');
  });
});

describe('authorization codes (SQLite store)', () => {
  async function setup() {
    const sqlite = await openSqlite(':memory:');
    const stores = createSqliteStores(sqlite.db);
    const clock = createFixedClock(1_000_000);
    const revoked: string[] = [];
    const user = {
      id: 'u1',
      email: 'u@example.com',
      passwordHash: 'x',
      createdAtMs: 0,
      updatedAtMs: 0,
    };
    await stores.accounts.createUser(user);
    const codes = createAuthorizationCodes({
      store: stores.codes,
      revokeSession: async (id) => void revoked.push(id),
      clock,
      random: seededRandom(),
    });
    const code = await codes.issue({
      clientId: 'spa',
      userId: 'u1',
      redirectUri: 'https://spa.example/cb',
      redirectUriGiven: true,
      codeChallenge: s256Challenge('v'.repeat(43)),
      scopes: ['openid'],
      nonce: null,
      authTimeMs: 1,
      browserSessionId: 'c-browser',
    });
    const exchange = {
      code,
      clientId: 'spa',
      redirectUri: 'https://spa.example/cb',
      codeVerifier: 'v'.repeat(43),
    };
    return { sqlite, stores, clock, revoked, codes, code, exchange };
  }
  const reasonOf = (promise: Promise<unknown>) =>
    promise.then(
      () => 'accepted',
      (error: unknown) => (error instanceof AuthError ? String(error.details?.reason) : 'thrown'),
    );

  it('stores only the hash of the secret part', async () => {
    const { stores, code, sqlite } = await setup();
    const [id, secret] = code.split('.') as [string, string];
    const row = await stores.codes.findCode(id);
    expect(JSON.stringify(row)).not.toContain(secret);
    await sqlite.close();
  });

  it('a replay after the exchange attached its session ends that session', async () => {
    const { codes, exchange, revoked, sqlite } = await setup();
    const record = await codes.redeem(exchange);
    await codes.attach(record, 'session-1');
    expect(await reasonOf(codes.redeem(exchange))).toBe('reused');
    expect(revoked).toEqual(['session-1']);
    await sqlite.close();
  });

  it('a replay before the exchange attached: the exchange sees it and ends its own session', async () => {
    const { codes, exchange, revoked, sqlite } = await setup();
    const record = await codes.redeem(exchange);
    expect(await reasonOf(codes.redeem(exchange))).toBe('reused');
    expect(revoked).toEqual([]);
    expect(await reasonOf(codes.attach(record, 'session-2'))).toBe('reused');
    expect(revoked).toEqual(['session-2']);
    await sqlite.close();
  });

  it('checks refuse without spending the code; an expired code is refused', async () => {
    const { codes, exchange, clock, sqlite } = await setup();
    expect(await reasonOf(codes.redeem({ ...exchange, codeVerifier: 'w'.repeat(43) }))).toBe(
      'pkce',
    );
    expect(await reasonOf(codes.redeem({ ...exchange, redirectUri: null }))).toBe('redirect_uri');
    expect(await reasonOf(codes.redeem({ ...exchange, clientId: 'shop' }))).toBe('client');
    expect(await reasonOf(codes.redeem({ ...exchange, code: 'garbage' }))).toBe('malformed');
    clock.advanceMs(60_000);
    expect(await reasonOf(codes.redeem(exchange))).toBe('expired');
    clock.advanceMs(-1);
    expect(await reasonOf(codes.redeem(exchange))).toBe('accepted');
    await sqlite.close();
  });
});
