/**
 * Issue 12, items 2, 4 and 5, over HTTP against a real server on SQLite and on PostgreSQL + Redis:
 * the authorization code flow with PKCE for a public and a confidential client through the
 * server's own sign-in form (its hidden fields read from the page, as a browser would post them),
 * the cookie session reused, prompt=none|login, max_age; every refusal of the issue (wrong
 * verifier, plain PKCE, reused code, redirect URIs differing by a character, a path suffix or a
 * query, an unregistered client, a wrong secret, client A's code at client B, an expired code);
 * the ID token's claims checked with jose against the JWKS; UserInfo; RP-initiated logout; and
 * introspection answering inactive after logout. 100 parallel exchanges of one code: at most one
 * pair, and it does not survive.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { createFixedClock } from '../../src/core/index.js';
import { createKeyRing, importHmacSecret, type KeyRing } from '../../src/jwt/index.js';
import { createTestServer, registerTestClient, type TestServer } from '../support/server.js';
import { serverBackends } from '../support/services.js';

const BACKENDS = await serverBackends();
const ISSUER = 'https://auth.test';
const EMAIL = 'code-flow@example.com';
const PASSWORD = 'code flow password 1';
const SECRET = 'code-flow-confidential-secret-0123456789abcdef';
const SPA = 'spa';
const SPA_URI = 'https://spa.example/callback';
const SHOP = 'shop';
const SHOP_URI = 'https://shop.example/cb';
const INTROSPECTION = 'introspection-secret-code-flow-0123456789abcdef';

let live: { server: TestServer; base: string; userId: string } | null = null;
afterEach(async () => {
  await live?.server.close();
  live = null;
});

async function start(
  backend: { postgres?: boolean; redisUrl?: string },
  keyRing?: KeyRing,
  env: Record<string, string> = {},
) {
  const server = await createTestServer({
    ...backend,
    ...(keyRing === undefined ? {} : { keyRing }),
    env: { GATEHOUSE_INTROSPECTION_SECRET: INTROSPECTION, ...env },
    clock: createFixedClock(Date.now()),
  });
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
  const signup = await fetch(`${base}/v1/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
  });
  expect(signup.status).toBe(201);
  const userId = ((await signup.json()) as { id: string }).id;
  await registerTestClient(server, SPA, {
    grantTypes: ['authorization_code', 'refresh_token'],
    scopes: ['openid', 'email'],
    redirectUris: [SPA_URI, 'com.example.app:/oauth'],
    postLogoutRedirectUris: ['https://spa.example/bye'],
  });
  await registerTestClient(server, SHOP, {
    secret: SECRET,
    grantTypes: ['authorization_code', 'refresh_token'],
    scopes: ['openid'],
    redirectUris: [SHOP_URI],
  });
  live = { server, base, userId };
  return live;
}

const pkce = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

const query = (params: Record<string, string>) => new URLSearchParams(params).toString();

/** The hidden fields of the sign-in form, as a browser would send them back. */
function hiddenFields(html: string): Record<string, string> {
  const unescapeHtml = (text: string) =>
    text
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="([a-z_]+)" value="([^"]*)">/g))
    if (match[1] !== 'intent') fields[match[1] as string] = unescapeHtml(match[2] as string);
  return fields;
}

const sessionCookieOf = (response: Response) =>
  (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';

interface Flow {
  readonly verifier: string;
  readonly state: string;
  readonly nonce: string;
  readonly params: Record<string, string>;
}

function newFlow(overrides: Record<string, string> = {}): Flow {
  const { verifier, challenge } = pkce();
  const state = randomBytes(8).toString('hex');
  const nonce = randomBytes(8).toString('hex');
  return {
    verifier,
    state,
    nonce,
    params: {
      client_id: SPA,
      redirect_uri: SPA_URI,
      response_type: 'code',
      scope: 'openid email',
      state,
      nonce,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...overrides,
    },
  };
}

/** Opens /authorize, fills the form, and returns the redirect back to the client. */
async function signIn(base: string, flow: Flow, password = PASSWORD) {
  const page = await fetch(`${base}/authorize?${query(flow.params)}`, { redirect: 'manual' });
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain('<form method="post" action="/authorize">');
  const response = await fetch(`${base}/authorize`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ISSUER },
    body: query({ ...hiddenFields(html), email: EMAIL, password }),
  });
  return response;
}

function codeOf(response: Response, flow: Flow, redirectUri = SPA_URI) {
  expect(response.status).toBeGreaterThanOrEqual(302);
  expect(response.status).toBeLessThanOrEqual(303);
  const location = new URL(response.headers.get('location') ?? '');
  expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
  expect(location.searchParams.get('state')).toBe(flow.state);
  expect(location.searchParams.get('iss')).toBe(ISSUER);
  const code = location.searchParams.get('code');
  expect(code).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  return code as string;
}

async function token(base: string, params: Record<string, string>, authorization?: string) {
  const response = await fetch(`${base}/v1/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(authorization === undefined ? {} : { authorization }),
    },
    body: query(params),
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

const exchange = (base: string, code: string, flow: Flow, extra: Record<string, string> = {}) =>
  token(base, {
    grant_type: 'authorization_code',
    client_id: SPA,
    code,
    redirect_uri: SPA_URI,
    code_verifier: flow.verifier,
    ...extra,
  });

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe.each(BACKENDS)('authorization code flow (%s)', (_name, backend) => {
  it('a public client signs a user in through the form, gets an ID token, calls UserInfo and refreshes', async () => {
    const { base, userId, server } = await start(backend);
    const flow = newFlow();
    const back = await signIn(base, flow);
    expect(back.status).toBe(303);
    expect(sessionCookieOf(back)).toMatch(/^__Host-gatehouse_session=/);
    const code = codeOf(back, flow);

    const { status, body } = await exchange(base, code, flow);
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', scope: 'openid email' });
    expect(body.refresh_token).toEqual(expect.any(String));

    const jwks = (await (await fetch(`${base}/.well-known/jwks.json`)).json()) as {
      keys: Record<string, string>[];
    };
    const { payload, protectedHeader } = await jwtVerify(
      body.id_token as string,
      createLocalJWKSet(jwks),
      { issuer: ISSUER, audience: SPA, currentDate: new Date(server.clock.nowMs()) },
    );
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'JWT' });
    const digest = createHash('sha256')
      .update(body.access_token as string)
      .digest();
    expect(payload).toMatchObject({
      sub: userId,
      nonce: flow.nonce,
      at_hash: digest.subarray(0, 16).toString('base64url'),
      auth_time: Math.floor(server.clock.nowMs() / 1000),
      sid: expect.stringMatching(/^t/),
    });
    expect(payload).not.toHaveProperty('email');

    const info = await fetch(`${base}/userinfo`, {
      headers: { authorization: `Bearer ${body.access_token}` },
    });
    expect(info.status).toBe(200);
    expect(await info.json()).toEqual({ sub: userId, email: EMAIL, email_verified: false });

    const refreshed = await token(base, {
      grant_type: 'refresh_token',
      client_id: SPA,
      refresh_token: body.refresh_token as string,
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.scope).toBe('openid email');
  });

  it('reuses the browser session: no second password; prompt=login asks again; prompt=none without a session is login_required', async () => {
    const { base, server } = await start(backend);
    const first = newFlow();
    const cookie = sessionCookieOf(await signIn(base, first));

    const again = newFlow();
    const silent = await fetch(`${base}/authorize?${query(again.params)}`, {
      redirect: 'manual',
      headers: { cookie },
    });
    expect(silent.status).toBe(302);
    expect((await exchange(base, codeOf(silent, again), again)).status).toBe(200);

    const none = newFlow({ prompt: 'none' });
    const noneWithSession = await fetch(`${base}/authorize?${query(none.params)}`, {
      redirect: 'manual',
      headers: { cookie },
    });
    codeOf(noneWithSession, none);
    // Signed in: the error page offers to end this browser's session.
    const errorPage = await fetch(
      `${base}/authorize?${query(newFlow({ client_id: 'nobody' }).params)}`,
      { redirect: 'manual', headers: { cookie } },
    );
    expect(errorPage.status).toBe(400);
    expect(await errorPage.text()).toContain('action="/end-session"');

    const login = newFlow({ prompt: 'login' });
    const asked = await fetch(`${base}/authorize?${query(login.params)}`, {
      redirect: 'manual',
      headers: { cookie },
    });
    expect(asked.status).toBe(200);
    expect(await asked.text()).toContain('name="password"');

    // max_age: a sign-in 10 s old is too old for max_age=5, fine for max_age=60.
    server.clock.advanceMs(10_000);
    const old = await fetch(`${base}/authorize?${query(newFlow({ max_age: '5' }).params)}`, {
      redirect: 'manual',
      headers: { cookie },
    });
    expect(old.status).toBe(200);
    const recent = newFlow({ max_age: '60' });
    const ok = await fetch(`${base}/authorize?${query(recent.params)}`, {
      redirect: 'manual',
      headers: { cookie },
    });
    codeOf(ok, recent);

    const anonymous = newFlow({ prompt: 'none' });
    const refused = await fetch(`${base}/authorize?${query(anonymous.params)}`, {
      redirect: 'manual',
    });
    expect(refused.status).toBe(302);
    const location = new URL(refused.headers.get('location') ?? '');
    expect(Object.fromEntries(location.searchParams)).toMatchObject({
      error: 'login_required',
      state: anonymous.state,
      iss: ISSUER,
    });
    expect(location.searchParams.has('code')).toBe(false);
  });

  it('a confidential client exchanges with client_secret_basic; a wrong secret is invalid_client', async () => {
    const { base } = await start(backend);
    const flow = newFlow({ client_id: SHOP, redirect_uri: SHOP_URI, scope: 'openid' });
    const code = codeOf(await signIn(base, flow), flow, SHOP_URI);
    const params = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: SHOP_URI,
      code_verifier: flow.verifier,
    };
    const wrong = await token(base, params, basic(SHOP, `${SECRET}x`));
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
    // No secret at all from a confidential client: refused the same way.
    expect((await token(base, { ...params, client_id: SHOP })).status).toBe(401);
    const right = await token(base, params, basic(SHOP, SECRET));
    expect(right.status).toBe(200);
    expect(right.body.id_token).toEqual(expect.any(String));
  });

  it('revocation: a confidential client authenticates and ends only its own tokens', async () => {
    const { base } = await start(backend);
    const shopFlow = newFlow({ client_id: SHOP, redirect_uri: SHOP_URI, scope: 'openid' });
    const shopCode = codeOf(await signIn(base, shopFlow), shopFlow, SHOP_URI);
    const shop = await token(
      base,
      {
        grant_type: 'authorization_code',
        code: shopCode,
        redirect_uri: SHOP_URI,
        code_verifier: shopFlow.verifier,
      },
      basic(SHOP, SECRET),
    );
    const spaFlow = newFlow();
    const spa = await exchange(base, codeOf(await signIn(base, spaFlow), spaFlow), spaFlow);
    const revoke = (tokenValue: string, authorization: string) =>
      fetch(`${base}/v1/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization },
        body: query({ token: tokenValue }),
      });
    const active = async (refreshToken: string, client: string, authorization?: string) =>
      (
        await token(
          base,
          {
            grant_type: 'refresh_token',
            refresh_token: refreshToken,
            ...(authorization === undefined ? { client_id: client } : {}),
          },
          authorization,
        )
      ).status === 200;

    const wrong = await revoke(shop.body.refresh_token as string, basic(SHOP, `${SECRET}x`));
    expect(wrong.status).toBe(401);
    // Naming a confidential client without its secret is not a way around it.
    const unnamed = await fetch(`${base}/v1/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: query({ token: spa.body.refresh_token as string, client_id: SHOP }),
    });
    expect(unnamed.status).toBe(401);
    // The shop cannot end the SPA's session (RFC 7009 2.1: only tokens issued to it).
    expect((await revoke(spa.body.refresh_token as string, basic(SHOP, SECRET))).status).toBe(200);
    const spaPair = await token(base, {
      grant_type: 'refresh_token',
      client_id: SPA,
      refresh_token: spa.body.refresh_token as string,
    });
    expect(spaPair.status).toBe(200);
    expect((await revoke(shop.body.refresh_token as string, basic(SHOP, SECRET))).status).toBe(200);
    expect(await active(shop.body.refresh_token as string, SHOP, basic(SHOP, SECRET))).toBe(false);
    expect(await active(spaPair.body.refresh_token as string, SPA)).toBe(true);
  });

  it('refuses a wrong verifier, another redirect_uri, client A’s code at client B, and an expired code', async () => {
    const { base, server } = await start(backend);
    const flow = newFlow();
    const code = codeOf(await signIn(base, flow), flow);
    const refused = async (extra: Record<string, string>, authorization?: string) => {
      const params = {
        grant_type: 'authorization_code',
        client_id: SPA,
        code,
        redirect_uri: SPA_URI,
        code_verifier: flow.verifier,
        ...extra,
      };
      const { status, body } = await token(base, params, authorization);
      return `${status} ${body.error}`;
    };
    expect(await refused({ code_verifier: pkce().verifier })).toBe('400 invalid_grant');
    expect(await refused({ code_verifier: 'short' })).toBe('400 invalid_grant');
    expect(await refused({ redirect_uri: 'com.example.app:/oauth' })).toBe('400 invalid_grant');
    expect(await refused({ client_id: SHOP }, basic(SHOP, SECRET))).toBe('400 invalid_grant');
    expect(await refused({ code: `${code}x` })).toBe('400 invalid_grant');
    // None of these spent it: the right request still works.
    expect((await exchange(base, code, flow)).status).toBe(200);

    const late = newFlow();
    const lateCode = codeOf(await signIn(base, late), late);
    server.clock.advanceMs(61_000);
    expect((await exchange(base, lateCode, late)).body.error).toBe('invalid_grant');
  });

  it('a code used twice ends the session of its first use; 100 parallel uses give at most one pair, which dies', async () => {
    const { base } = await start(backend);
    const flow = newFlow();
    const code = codeOf(await signIn(base, flow), flow);
    const first = await exchange(base, code, flow);
    expect(first.status).toBe(200);
    const second = await exchange(base, code, flow);
    expect(second.body.error).toBe('invalid_grant');
    const me = await fetch(`${base}/v1/me`, {
      headers: { authorization: `Bearer ${first.body.access_token}` },
    });
    expect(me.status).toBe(401);
    const refresh = await token(base, {
      grant_type: 'refresh_token',
      client_id: SPA,
      refresh_token: first.body.refresh_token as string,
    });
    expect(refresh.body.error).toBe('invalid_grant');

    const racing = newFlow();
    const raceCode = codeOf(await signIn(base, racing), racing);
    const results = await Promise.all(
      Array.from({ length: 100 }, () => exchange(base, raceCode, racing)),
    );
    const winners = results.filter((r) => r.status === 200);
    expect(winners.length).toBeLessThanOrEqual(1);
    expect(results.filter((r) => r.body.error === 'invalid_grant').length).toBe(
      100 - winners.length,
    );
    for (const winner of winners) {
      const after = await token(base, {
        grant_type: 'refresh_token',
        client_id: SPA,
        refresh_token: winner.body.refresh_token as string,
      });
      expect(after.body.error).toBe('invalid_grant');
    }
  });

  it('never redirects to a redirect_uri that is not registered exactly; shows the error instead', async () => {
    const { base } = await start(backend);
    for (const redirect of [
      `${SPA_URI}x`,
      'https://spa.example/callbacK',
      `${SPA_URI}/more`,
      `${SPA_URI}?next=1`,
      'https://spa.example/callback#',
      'https://evil.example/callback',
    ]) {
      const response = await fetch(
        `${base}/authorize?${query(newFlow({ redirect_uri: redirect }).params)}`,
        { redirect: 'manual' },
      );
      expect(response.status, redirect).toBe(400);
      expect(response.headers.get('location'), redirect).toBeNull();
      expect(await response.text()).toContain('not registered');
    }
    const unknown = await fetch(
      `${base}/authorize?${query(newFlow({ client_id: 'nobody' }).params)}`,
      {
        redirect: 'manual',
      },
    );
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get('location')).toBeNull();
    // Nobody is signed in in this browser: no "Sign out" to offer.
    expect(await unknown.text()).not.toContain('action="/end-session"');
    // A client with one registered URI may omit it (OAuth 2.1), but not for OpenID Connect.
    const { redirect_uri: _dropped, ...params } = newFlow({
      client_id: SHOP,
      scope: 'openid',
    }).params;
    const missing = await fetch(`${base}/authorize?${query(params)}`, { redirect: 'manual' });
    const location = new URL(missing.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(SHOP_URI);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    // With several registered, it must name one: shown, since none can be chosen.
    const { redirect_uri: _also, ...several } = newFlow().params;
    const ambiguous = await fetch(`${base}/authorize?${query(several)}`, { redirect: 'manual' });
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.headers.get('location')).toBeNull();
  });

  it('refuses plain PKCE, a missing challenge, and other response types, at the client’s redirect URI', async () => {
    const { base } = await start(backend);
    const errorOf = async (overrides: Record<string, string>, drop: string[] = []) => {
      const flow = newFlow(overrides);
      const params = Object.fromEntries(
        Object.entries(flow.params).filter(([name]) => !drop.includes(name)),
      );
      const response = await fetch(`${base}/authorize?${query(params)}`, { redirect: 'manual' });
      expect(response.status).toBe(302);
      const location = new URL(response.headers.get('location') ?? '');
      expect(location.searchParams.get('state')).toBe(flow.state);
      expect(location.searchParams.get('iss')).toBe(ISSUER);
      return location.searchParams.get('error');
    };
    expect(await errorOf({ code_challenge_method: 'plain' })).toBe('invalid_request');
    expect(await errorOf({}, ['code_challenge_method'])).toBe('invalid_request');
    expect(await errorOf({}, ['code_challenge'])).toBe('invalid_request');
    expect(await errorOf({ code_challenge: 'too-short' })).toBe('invalid_request');
    expect(await errorOf({ response_type: 'token' })).toBe('unsupported_response_type');
    expect(await errorOf({ scope: 'openid admin' })).toBe('invalid_scope');
    expect(await errorOf({ request: 'eyJ' })).toBe('request_not_supported');
  });

  it('a new user creates an account on the sign-in page and goes straight back to the app', async () => {
    const { base } = await start(backend);
    const flow = newFlow();
    const html = await (await fetch(`${base}/authorize?${query(flow.params)}`)).text();
    expect(html).toContain('autocomplete="new-password"');
    const signUp = (email: string, password: string) =>
      fetch(`${base}/authorize`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ISSUER },
        body: query({ ...hiddenFields(html), intent: 'signup', email, password }),
      });
    const taken = await signUp(EMAIL, 'another password 1');
    expect(taken.status).toBe(400);
    expect(await taken.text()).toContain('An account with this email exists');
    const short = await signUp('new@example.com', 'short');
    expect(short.status).toBe(400);
    const created = await signUp('new@example.com', 'a new password 1');
    const tokens = await exchange(base, codeOf(created, flow), flow);
    expect(tokens.status).toBe(200);
    const info = await fetch(`${base}/userinfo`, {
      headers: { authorization: `Bearer ${tokens.body.access_token}` },
    });
    expect(((await info.json()) as { email: string }).email).toBe('new@example.com');
  });

  it('when addresses must be verified, a sign-up on the page asks to confirm it and issues no code', async () => {
    const { base } = await start(backend, undefined, { GATEHOUSE_REQUIRE_VERIFIED_EMAIL: 'true' });
    const flow = newFlow();
    const html = await (await fetch(`${base}/authorize?${query(flow.params)}`)).text();
    const created = await fetch(`${base}/authorize`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ISSUER },
      body: query({
        ...hiddenFields(html),
        intent: 'signup',
        email: 'unverified@example.com',
        password: 'a new password 1',
      }),
    });
    expect(created.status).toBe(200);
    expect(created.headers.get('location')).toBeNull();
    expect(created.headers.get('set-cookie')).toBeNull();
    expect(await created.text()).toContain('Confirm your email address');
  });

  it('hostile parameters get 400, never a 500 or a false outage: repeated, non-text, NUL', async () => {
    const { base } = await start(backend);
    for (const path of [
      '/end-session?state=a&state=b',
      '/end-session?client_id=a&client_id=b',
      '/authorize?client_id=%00&response_type=code',
      `/authorize?${query(newFlow({ nonce: 'a\u0000b' }).params)}`,
      '/end-session?client_id=%00',
    ]) {
      const response = await fetch(`${base}${path}`, { redirect: 'manual' });
      expect(response.status, path).toBe(400);
    }
    const flow = newFlow();
    for (const extra of [
      { prompt: [1] },
      { state: ['x'] },
      { nonce: [{ a: 1 }] },
      { client_id: { a: 1 } },
    ]) {
      const response = await fetch(`${base}/authorize`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/json', origin: ISSUER },
        body: JSON.stringify({ ...flow.params, email: EMAIL, password: PASSWORD, ...extra }),
      });
      expect(response.status, JSON.stringify(extra)).toBe(400);
      expect(response.headers.get('set-cookie')).toBeNull();
    }
    const endSession = await fetch(`${base}/end-session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ state: ['x'] }),
    });
    expect(endSession.status).toBe(400);
    const nulCaller = await fetch(`${base}/v1/introspect`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from('a\u0000b:x').toString('base64')}`,
      },
      body: query({ token: 'x' }),
    });
    expect(nulCaller.status).toBe(401);
  });

  it('a code is worthless once the session that signed in ends (logout everywhere)', async () => {
    const { base } = await start(backend);
    const first = newFlow();
    const cookie = sessionCookieOf(await signIn(base, first));
    const flow = newFlow({ prompt: 'none' });
    const code = codeOf(
      await fetch(`${base}/authorize?${query(flow.params)}`, {
        redirect: 'manual',
        headers: { cookie },
      }),
      flow,
    );
    const logout = await fetch(`${base}/v1/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, origin: ISSUER },
      body: JSON.stringify({ scope: 'global' }),
    });
    expect(logout.status).toBe(204);
    expect((await exchange(base, code, flow)).body.error).toBe('invalid_grant');
  });

  it('a sign-in form posted from another site is refused and signs nobody in; a wrong password shows the form again', async () => {
    const { base } = await start(backend);
    const flow = newFlow();
    const page = await (await fetch(`${base}/authorize?${query(flow.params)}`)).text();
    const body = query({ ...hiddenFields(page), email: EMAIL, password: PASSWORD });
    const forged = await fetch(`${base}/authorize`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'https://evil.example',
      },
      body,
    });
    expect(forged.status).toBe(403);
    expect(forged.headers.get('set-cookie')).toBeNull();
    expect(forged.headers.get('location')).toBeNull();
    // No Origin, but the browser says the form came from another site.
    const crossSite = await fetch(`${base}/authorize`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'sec-fetch-site': 'cross-site',
      },
      body,
    });
    expect(crossSite.status).toBe(403);
    expect(crossSite.headers.get('set-cookie')).toBeNull();

    const wrong = await signIn(base, flow, 'not the password');
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('location')).toBeNull();
    const html = await wrong.text();
    expect(html).toContain('Invalid email or password.');
    expect(html).toContain(`value="${EMAIL}"`);
    expect(html).not.toContain('not the password');
    expect(wrong.headers.get('content-security-policy')).toContain(
      "form-action 'self' https://spa.example",
    );
  });

  it('UserInfo needs the openid scope; RP-initiated logout ends the session; introspection then says inactive', async () => {
    const { base } = await start(backend);
    const plain = newFlow({ scope: 'email' });
    const plainCode = codeOf(await signIn(base, plain), plain);
    const plainTokens = await exchange(base, plainCode, plain);
    expect(plainTokens.body.id_token).toBeUndefined();
    const info = await fetch(`${base}/userinfo`, {
      headers: { authorization: `Bearer ${plainTokens.body.access_token}` },
    });
    expect(info.status).toBe(403);
    expect(info.headers.get('www-authenticate')).toContain('insufficient_scope');
    expect((await fetch(`${base}/userinfo`)).status).toBe(401);

    const flow = newFlow();
    const back = await signIn(base, flow);
    const cookie = sessionCookieOf(back);
    const tokens = await exchange(base, codeOf(back, flow), flow);
    const introspect = async () =>
      (await (
        await fetch(`${base}/v1/introspect`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: basic('resource-server', INTROSPECTION),
          },
          body: query({ token: tokens.body.access_token as string }),
        })
      ).json()) as { active: boolean };
    expect((await introspect()).active).toBe(true);

    // Not registered: shown, not followed.
    const unregistered = await fetch(
      `${base}/end-session?${query({ id_token_hint: tokens.body.id_token as string, post_logout_redirect_uri: 'https://evil.example/' })}`,
      { redirect: 'manual', headers: { cookie } },
    );
    expect(unregistered.status).toBe(400);
    expect((await introspect()).active).toBe(true);
    // Without a hint, a link cannot sign anyone out: the user is asked.
    const asked = await fetch(`${base}/end-session`, { redirect: 'manual', headers: { cookie } });
    expect(asked.status).toBe(200);
    expect(await asked.text()).toContain('Sign out?');
    expect((await introspect()).active).toBe(true);

    const logout = await fetch(
      `${base}/end-session?${query({ id_token_hint: tokens.body.id_token as string, post_logout_redirect_uri: 'https://spa.example/bye', state: 'after' })}`,
      { redirect: 'manual', headers: { cookie } },
    );
    expect(logout.status).toBe(302);
    expect(logout.headers.get('location')).toBe('https://spa.example/bye?state=after');
    expect(logout.headers.get('set-cookie')).toContain('Max-Age=0');
    expect((await introspect()).active).toBe(false);
    // The browser session ended too: the next authorization asks for the password.
    const next = await fetch(`${base}/authorize?${query(newFlow().params)}`, {
      redirect: 'manual',
      headers: { cookie },
    });
    expect(next.status).toBe(200);
  });

  it('OpenID Provider metadata tells the truth; with an HMAC secret there is no OpenID Connect', async () => {
    const { base } = await start(backend);
    const meta = (await (await fetch(`${base}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(meta).toMatchObject({
      issuer: ISSUER,
      authorization_endpoint: `${ISSUER}/authorize`,
      token_endpoint: `${ISSUER}/v1/token`,
      userinfo_endpoint: `${ISSUER}/userinfo`,
      end_session_endpoint: `${ISSUER}/end-session`,
      jwks_uri: `${ISSUER}/.well-known/jwks.json`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['ES256'],
      code_challenge_methods_supported: ['S256'],
      // Only what the page acts on (no consent screen, one account per browser session).
      prompt_values_supported: ['none', 'login'],
    });
    await live?.server.close();
    live = null;
    const hmac = await start(
      backend,
      createKeyRing({ signingKey: importHmacSecret(randomBytes(32), 'HS256') }),
    );
    expect((await fetch(`${hmac.base}/.well-known/openid-configuration`)).status).toBe(404);
    const response = await fetch(`${hmac.base}/authorize?${query(newFlow().params)}`, {
      redirect: 'manual',
    });
    expect(new URL(response.headers.get('location') ?? '').searchParams.get('error')).toBe(
      'invalid_scope',
    );
  });
});
