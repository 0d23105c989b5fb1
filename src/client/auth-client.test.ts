/**
 * The client against an in-process fake of the server's DPoP contract: every proof is checked
 * with jose (signature with the embedded key, typ, htm, htu, ath, nonce), so what passes here is
 * what a strict RFC 9449 server accepts. The real server is in test/integration/client.test.ts.
 */
import { spawn } from 'node:child_process';
import { calculateJwkThumbprint, EmbeddedJWK, type JWK, jwtVerify } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { seededRandom } from '../../test/support/random.js';
import { createFixedClock, encodeBase64Url } from '../core/index.js';
import { type AuthClientOptions, type AuthEvent, createAuthClient } from './auth-client.js';
import { accessTokenHash } from './dpop.js';
import { memoryTokenStore } from './token-store.js';

const AUTH = 'https://auth.example';
const API = 'https://api.example';
const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);

interface Call {
  readonly url: string;
  readonly method: string;
  readonly authorization: string | null;
  readonly proof: Record<string, unknown> | null;
  readonly jkt: string | null;
  readonly body: Record<string, unknown> | null;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(body === null ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });

/** An unsigned JWT-shaped token: the client only reads its claims. */
const fakeJwt = (claims: Record<string, unknown>) =>
  `${encodeBase64Url(new TextEncoder().encode('{"alg":"ES256","typ":"at+jwt"}'))}.${encodeBase64Url(
    new TextEncoder().encode(JSON.stringify(claims)),
  )}.c2ln`;

/**
 * A fake Gatehouse: nonces required at /v1/token (and at the resource when `resourceNonce`),
 * tokens bound to the proof's key, a server clock of its own.
 */
function fakeServer(
  options: {
    serverClock?: { nowMs(): number };
    lifetimeSeconds?: number;
    tokenType?: 'DPoP' | 'Bearer';
    /** At the resource: require the latest nonce, or refuse every proof with a new one. */
    resourceNonce?: 'latest' | 'never-satisfied';
    alwaysNewNonce?: boolean;
    revoke?: 'ok' | 'down' | '503';
  } = {},
) {
  const serverClock = options.serverClock ?? createFixedClock(T0);
  const calls: Call[] = [];
  const failures: string[] = [];
  let nonceCounter = 0;
  let nonce = 'nonce-0';
  const fresh = () => {
    nonce = `nonce-${++nonceCounter}`;
    return nonce;
  };
  const issued = new Map<string, { jkt: string | null; refresh: string }>();
  let tokenCounter = 0;

  const checkProof = async (
    proof: string | null,
    method: string,
    url: URL,
    accessToken?: string,
  ): Promise<{ payload: Record<string, unknown>; jkt: string } | null> => {
    if (proof === null) return null;
    const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, {
      typ: 'dpop+jwt',
      algorithms: ['ES256'],
      currentDate: new Date(serverClock.nowMs()),
    });
    const problems = [
      payload.htm !== method && 'htm',
      payload.htu !== `${url.origin}${url.pathname}` && 'htu',
      typeof payload.jti !== 'string' && 'jti',
      Math.abs((payload.iat ?? 0) - serverClock.nowMs() / 1000) > 5 && 'iat',
      accessToken !== undefined && payload.ath !== (await accessTokenHash(accessToken)) && 'ath',
      accessToken === undefined && payload.ath !== undefined && 'ath present',
    ].filter(Boolean);
    if (problems.length > 0) failures.push(`${url.pathname}: ${problems.join(', ')}`);
    return {
      payload: payload as Record<string, unknown>,
      jkt: await calculateJwkThumbprint(protectedHeader.jwk as JWK, 'sha256'),
    };
  };

  const issue = (jkt: string | null) => {
    const lifetime = options.lifetimeSeconds ?? 3600;
    const iat = Math.floor(serverClock.nowMs() / 1000);
    const type = options.tokenType ?? 'DPoP';
    const access = fakeJwt({
      sub: 'u1',
      iat,
      exp: iat + lifetime,
      n: ++tokenCounter,
      ...(type === 'DPoP' && jkt !== null ? { cnf: { jkt } } : {}),
    });
    const refresh = `refresh-${tokenCounter}`;
    issued.set(access, { jkt: type === 'DPoP' ? jkt : null, refresh });
    return json(
      200,
      {
        access_token: access,
        token_type: type,
        expires_in: lifetime,
        refresh_token: refresh,
        refresh_token_expires_in: 86_400,
      },
      { 'dpop-nonce': fresh() },
    );
  };

  const fetch: typeof globalThis.fetch = async (input, init = {}) => {
    // As fetch does: a Request gives the URL, and its method, headers and body unless init does.
    const request = input instanceof Request ? new Request(input, init) : null;
    const url = new URL(request?.url ?? String(input));
    const headers = request?.headers ?? new Headers(init.headers);
    const method = (request?.method ?? init.method ?? 'GET').toUpperCase();
    const authorization = headers.get('authorization');
    const text = request !== null ? await request.text() : init.body;
    const body =
      typeof text === 'string' && text !== ''
        ? (JSON.parse(text) as Record<string, unknown>)
        : null;
    const accessToken = authorization?.replace(/^(DPoP|Bearer) /, '');
    const checked = await checkProof(
      headers.get('dpop'),
      method,
      url,
      url.pathname === '/v1/token' ? undefined : accessToken,
    );
    calls.push({
      url: url.href,
      method,
      authorization,
      proof: checked?.payload ?? null,
      jkt: checked?.jkt ?? null,
      body,
    });
    if (url.origin !== AUTH && url.origin !== API) return json(200, { elsewhere: true });
    if (url.pathname === '/v1/token') {
      if (checked !== null && (checked.payload.nonce !== nonce || options.alwaysNewNonce))
        return json(400, { error: 'use_dpop_nonce' }, { 'dpop-nonce': fresh() });
      if (body?.grant_type === 'password')
        return body.password === 'right'
          ? issue(checked?.jkt ?? null)
          : json(400, { error: 'invalid_grant' }, { 'retry-after': '0' });
      const held = [...issued.values()].find((entry) => entry.refresh === body?.refresh_token);
      if (held === undefined || (held.jkt !== null && held.jkt !== checked?.jkt))
        return json(400, { error: 'invalid_grant' });
      issued.forEach((entry, key) => {
        if (entry === held) issued.delete(key);
      });
      return issue(checked?.jkt ?? null);
    }
    if (url.pathname === '/v1/revoke') {
      if (options.revoke === 'down') throw new TypeError('fetch failed');
      return options.revoke === '503'
        ? json(503, { error: 'temporarily_unavailable' })
        : json(200, null);
    }
    if (url.pathname === '/v1/signup')
      return body?.email === 'taken@example.com'
        ? json(409, { error: 'email_taken' })
        : json(201, { id: 'u1', email: body?.email });
    // Any other path is a protected resource.
    const entry = accessToken === undefined ? undefined : issued.get(accessToken);
    const challenge = (scheme: string, error: string) => ({
      'www-authenticate': `${scheme} error="${error}"`,
    });
    if (entry === undefined)
      return json(401, { error: 'invalid_token' }, challenge('Bearer', 'invalid_token'));
    if (entry.jkt !== null) {
      if (!authorization?.startsWith('DPoP ') || checked?.jkt !== entry.jkt)
        return json(401, { error: 'invalid_token' }, challenge('DPoP', 'invalid_token'));
      if (
        options.resourceNonce !== undefined &&
        (checked.payload.nonce !== nonce || options.resourceNonce === 'never-satisfied')
      )
        return json(
          401,
          { error: 'use_dpop_nonce' },
          { ...challenge('DPoP', 'use_dpop_nonce'), 'dpop-nonce': fresh() },
        );
    }
    return json(200, { id: 'u1', email: 'ada@example.com' });
  };
  return { fetch, calls, failures, serverClock };
}

function makeClient(
  server: ReturnType<typeof fakeServer>,
  extra: Partial<AuthClientOptions> & { clock?: ReturnType<typeof createFixedClock> } = {},
) {
  const clock = extra.clock ?? createFixedClock(T0);
  const events: AuthEvent[] = [];
  const client = createAuthClient({
    baseUrl: AUTH,
    apiOrigins: [API],
    fetch: server.fetch,
    clock,
    random: seededRandom(),
    ...extra,
  });
  client.onChange((event) => events.push(event));
  return { client, clock, events };
}

const tokenCalls = (server: ReturnType<typeof fakeServer>) =>
  server.calls.filter((call) => call.url === `${AUTH}/v1/token`);

describe('@gatehouse/client with DPoP', () => {
  it('login: the first proof meets use_dpop_nonce, the second carries the nonce; the tokens are bound to the key', async () => {
    const server = fakeServer();
    const { client, events } = makeClient(server);
    await client.login('ada@example.com', 'right');
    const [first, second, ...rest] = tokenCalls(server);
    expect(rest).toEqual([]);
    expect(first?.proof).toMatchObject({ htm: 'POST', htu: `${AUTH}/v1/token` });
    expect(first?.proof).not.toHaveProperty('nonce');
    expect(second?.proof).toMatchObject({ nonce: 'nonce-1' });
    expect(first?.proof?.jti).not.toBe(second?.proof?.jti);
    expect(second?.jkt).toBe(await client.keyThumbprint());
    expect(server.failures).toEqual([]);
    expect(events).toEqual(['signed_in']);
  });

  it('a server that asks for a new nonce every time gets two token requests, not a loop', async () => {
    const server = fakeServer({ alwaysNewNonce: true });
    const { client } = makeClient(server);
    await expect(client.login('ada@example.com', 'right')).rejects.toMatchObject({
      name: 'AuthClientError',
      status: 400,
      error: 'use_dpop_nonce',
    });
    expect(tokenCalls(server)).toHaveLength(2);
    expect(await client.getAccessToken()).toBeNull();
  });

  it('API calls send Authorization: DPoP and a proof with htm, htu without query, ath, and the latest nonce', async () => {
    const server = fakeServer();
    const { client } = makeClient(server);
    await client.login('ada@example.com', 'right');
    const token = (await client.getAccessToken()) as string;
    const response = await client.fetch(`${API}/orders?page=2#top`, { method: 'post', body: '{}' });
    expect(response.status).toBe(200);
    const call = server.calls.at(-1);
    expect(call?.authorization).toBe(`DPoP ${token}`);
    expect(call?.proof).toMatchObject({
      htm: 'POST',
      htu: `${API}/orders`,
      ath: await accessTokenHash(token),
    });
    expect(call?.jkt).toBe(await client.keyThumbprint());
    expect(server.failures).toEqual([]);
  });

  it('a resource use_dpop_nonce is retried once with the new nonce, which is then kept', async () => {
    const server = fakeServer({ resourceNonce: 'latest' });
    const { client } = makeClient(server);
    await client.login('ada@example.com', 'right');
    const before = server.calls.length;
    // The API's origin has given no nonce yet: refused once, then accepted.
    expect((await client.fetch(`${API}/orders`)).status).toBe(200);
    const sent = server.calls.slice(before);
    expect(sent.map((call) => call.proof?.nonce)).toEqual([undefined, 'nonce-3']);
    expect((await client.fetch(`${API}/orders`)).status).toBe(200);
    expect(server.calls.slice(before + 2).map((call) => call.proof?.nonce)).toEqual(['nonce-3']);
    expect(server.failures).toEqual([]);
  });

  it("the token endpoint's nonce is not sent to a resource, even on the same origin (RFC 9449 section 9)", async () => {
    const server = fakeServer();
    const { client } = makeClient(server);
    await client.login('ada@example.com', 'right');
    expect((await client.fetch(`${AUTH}/v1/me`)).status).toBe(200);
    expect(server.calls.at(-1)?.proof).not.toHaveProperty('nonce');
    expect(server.calls.at(-1)?.proof).toHaveProperty('ath');
  });

  it('a resource that keeps asking for a nonce gets two sends and its 401, no refresh', async () => {
    const server = fakeServer({ resourceNonce: 'never-satisfied' });
    const { client, events } = makeClient(server);
    await client.login('ada@example.com', 'right');
    const before = server.calls.length;
    const response = await client.fetch(`${API}/orders`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('DPoP error="use_dpop_nonce"');
    expect(server.calls.slice(before).map((call) => call.url)).toEqual([
      `${API}/orders`,
      `${API}/orders`,
    ]);
    expect(events).toEqual(['signed_in']);
  });

  it('tokens go to the auth origin and apiOrigins only: elsewhere, no Authorization and no proof', async () => {
    const server = fakeServer();
    const { client } = makeClient(server);
    await client.login('ada@example.com', 'right');
    for (const url of [
      'https://evil.example/collect',
      'https://api.example:8443/orders',
      'http://api.example/orders',
      'https://sub.api.example/orders',
    ]) {
      await client.fetch(url, { headers: { 'x-test': '1' } });
      const call = server.calls.at(-1);
      expect(call?.url).toBe(url);
      expect(call?.authorization).toBeNull();
      expect(call?.proof).toBeNull();
    }
    await client.fetch(`${API}/orders`);
    expect(server.calls.at(-1)?.authorization).toMatch(/^DPoP /);
  });

  it('a Request is sent where its url points: to evil.example without Authorization or proof, even from a page on an API origin', async () => {
    // In a page on the API's origin a Request once stringified to "[object Request]", resolved
    // against location, passed the origin check, and the token went to the Request's real URL.
    vi.stubGlobal('location', { href: `${API}/app/page` });
    try {
      const server = fakeServer();
      const { client } = makeClient(server);
      await client.login('ada@example.com', 'right');
      await client.fetch(new Request('https://evil.example/x', { headers: { 'x-test': '1' } }));
      expect(server.calls.at(-1)).toMatchObject({
        url: 'https://evil.example/x',
        authorization: null,
        proof: null,
      });

      // A Request to an API origin: its method, headers and body, with the token and a proof.
      const token = (await client.getAccessToken()) as string;
      const response = await client.fetch(
        new Request(`${API}/orders?page=2`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json', 'x-test': '1' },
          body: '{"item":"tea"}',
        }),
      );
      expect(response.status).toBe(200);
      const call = server.calls.at(-1);
      expect(call).toMatchObject({
        url: `${API}/orders?page=2`,
        method: 'PUT',
        authorization: `DPoP ${token}`,
        body: { item: 'tea' },
      });
      expect(call?.proof).toMatchObject({ htm: 'PUT', htu: `${API}/orders` });
      expect(server.failures).toEqual([]);

      // Anything but a string, URL or Request is refused before any request.
      const before = server.calls.length;
      const sneaky = { toString: () => `${API}/orders` } as unknown as string;
      await expect(client.fetch(sneaky)).rejects.toThrow(TypeError);
      expect(server.calls.length).toBe(before);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('apiOrigins entries that are not origins are all refused at construction', () => {
    expect(() =>
      createAuthClient({
        baseUrl: AUTH,
        apiOrigins: [
          'https://api.example/',
          'api.example',
          '*',
          'https://ok.example',
          'ftp://x.example',
        ],
      }),
    ).toThrow(/"https:\/\/api.example\/".*"api.example".*"\*".*"ftp:\/\/x.example"/);
    expect(() => createAuthClient({ baseUrl: 'not a url' })).toThrow(/baseUrl/);
  });

  it.each([
    [30, 15],
    [100, 50],
    [3600, 60],
  ])(
    'a %i s token is refreshed %i s before it ends (margin capped at half the lifetime)',
    async (lifetime, margin) => {
      const server = fakeServer({ lifetimeSeconds: lifetime });
      const { client, clock } = makeClient(server);
      await client.login('ada@example.com', 'right');
      const first = await client.getAccessToken();
      await client.fetch(`${API}/orders`);
      expect(tokenCalls(server)).toHaveLength(2);
      clock.advanceMs((lifetime - margin) * 1000 - 1);
      expect(await client.getAccessToken()).toBe(first);
      expect(tokenCalls(server)).toHaveLength(2);
      clock.advanceMs(1);
      expect(await client.getAccessToken()).not.toBe(first);
      const refresh = tokenCalls(server).at(-1);
      expect(refresh?.body?.grant_type).toBe('refresh_token');
      expect(refresh?.jkt).toBe(await client.keyThumbprint());
    },
  );

  it.each([
    ['3 h ahead', 3 * 3600_000],
    ['3 h behind', -3 * 3600_000],
  ])(
    'a device clock %s: expiry runs on expires_in, proofs carry the server time; one refresh per lifetime',
    async (_label, skewMs) => {
      const serverClock = createFixedClock(T0);
      const server = fakeServer({ serverClock, lifetimeSeconds: 300 });
      const clock = createFixedClock(T0 + skewMs);
      const { client } = makeClient(server, { clock });
      const tick = (ms: number) => {
        clock.advanceMs(ms);
        serverClock.advanceMs(ms);
      };
      // The login's proofs can only use the device's clock (the fake checks iat within 5 s and
      // lets it pass); every later proof is corrected by the access token's iat.
      await client.login('ada@example.com', 'right');
      expect(server.failures).toEqual(['/v1/token: iat', '/v1/token: iat']);
      server.failures.length = 0;
      for (let second = 0; second < 3 * 300; second += 10) {
        expect((await client.fetch(`${API}/orders`)).status).toBe(200);
        tick(10_000);
      }
      const refreshes = tokenCalls(server).filter(
        (call) => call.body?.grant_type === 'refresh_token',
      );
      // 900 s with a 300 s token refreshed 60 s early: at 240, 480 and 720 s.
      expect(refreshes).toHaveLength(3);
      expect(server.failures).toEqual([]);
    },
  );

  it('a server with DPoP off answers Bearer: API calls go as Bearer, without proofs', async () => {
    const server = fakeServer({ tokenType: 'Bearer' });
    const { client } = makeClient(server);
    await client.login('ada@example.com', 'right');
    const token = await client.getAccessToken();
    await client.fetch(`${API}/orders`, { headers: { dpop: 'stale' } });
    expect(server.calls.at(-1)).toMatchObject({ authorization: `Bearer ${token}`, proof: null });
  });

  it('dpop: false sends no proof, not even to the token endpoint', async () => {
    const server = fakeServer({ tokenType: 'Bearer' });
    const { client } = makeClient(server, { dpop: false });
    await client.login('ada@example.com', 'right');
    expect(tokenCalls(server)).toHaveLength(1);
    expect(tokenCalls(server)[0]?.proof).toBeNull();
    expect(await client.keyThumbprint()).toBeNull();
  });

  it('a refused login throws with the server error and stores nothing', async () => {
    const server = fakeServer();
    const { client, events } = makeClient(server);
    await expect(client.login('ada@example.com', 'wrong')).rejects.toMatchObject({
      status: 400,
      error: 'invalid_grant',
      retryAfterSeconds: null,
    });
    expect(await client.getAccessToken()).toBeNull();
    expect(events).toEqual([]);
  });

  it.each([
    ['ok', true],
    ['503', false],
    ['down', false],
  ] as const)(
    'logout with the revocation endpoint %s: revoked %s, tokens forgotten either way',
    async (revoke, revoked) => {
      const server = fakeServer({ revoke });
      const store = memoryTokenStore();
      const { client, events } = makeClient(server, { storage: store });
      await client.login('ada@example.com', 'right');
      const refreshToken = (store.get() as { refreshToken: string }).refreshToken;
      expect(await client.logout()).toEqual({ revoked });
      expect(store.get()).toBeNull();
      expect(await client.getAccessToken()).toBeNull();
      expect(events).toEqual(['signed_in', 'signed_out']);
      expect(server.calls.at(-1)).toMatchObject({
        url: `${AUTH}/v1/revoke`,
        body: { token: refreshToken, client_id: 'gatehouse-client' },
      });
    },
  );

  it('logout when signed out revokes nothing', async () => {
    const server = fakeServer();
    const { client } = makeClient(server);
    expect(await client.logout()).toEqual({ revoked: false });
    expect(server.calls).toEqual([]);
  });

  it('signup returns the account and does not sign in; a refusal throws its error', async () => {
    const server = fakeServer();
    const { client, events } = makeClient(server);
    expect(await client.signup('new@example.com', 'right')).toEqual({
      id: 'u1',
      email: 'new@example.com',
    });
    expect(server.calls.at(-1)?.authorization).toBeNull();
    await expect(client.signup('taken@example.com', 'right')).rejects.toMatchObject({
      status: 409,
      error: 'email_taken',
    });
    expect(events).toEqual([]);
  });

  it('me() answers the user when signed in, null when signed out (without a request)', async () => {
    const server = fakeServer();
    const { client } = makeClient(server);
    expect(await client.me()).toBeNull();
    expect(server.calls).toEqual([]);
    await client.login('ada@example.com', 'right');
    expect(await client.me()).toEqual({ id: 'u1', email: 'ada@example.com' });
    expect(server.calls.at(-1)?.url).toBe(`${AUTH}/v1/me`);
  });

  it('tokens held by another client (another key) are refused at the API and at refresh', async () => {
    const server = fakeServer();
    const store = memoryTokenStore();
    const { client } = makeClient(server, { storage: store });
    await client.login('ada@example.com', 'right');
    const thief = makeClient(server, { storage: memoryTokenStore() });
    await thief.client.login('ada@example.com', 'right');
    expect(await thief.client.keyThumbprint()).not.toBe(await client.keyThumbprint());
    // The thief's client now holds the victim's tokens.
    const stolen = store.get();
    const thiefStore = memoryTokenStore();
    thiefStore.set(stolen);
    const withStolen = makeClient(server, { storage: thiefStore, clock: thief.clock });
    expect((await withStolen.client.fetch(`${API}/orders`)).status).toBe(401);
    expect(withStolen.events).toEqual(['signed_out']);
    expect(thiefStore.get()).toBeNull();
  });
});

describe('gatehouse/client in Node', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  // Node 24.5 added navigator.locks; BroadcastChannel is there since Node 18. Before the fix, two
  // clients of one process on Node 24 took each other's tokens and sign-outs as "other tabs".
  it('two clients of one process share nothing, even with navigator.locks and BroadcastChannel', async () => {
    const requests: string[] = [];
    vi.stubGlobal('navigator', {
      locks: {
        request: <T>(name: string, callback: () => Promise<T>) => {
          requests.push(name);
          return callback();
        },
      },
    });
    expect(typeof BroadcastChannel).toBe('function');
    const serverClock = createFixedClock(T0);
    const server = fakeServer({ serverClock });
    const alice = makeClient(server, { storage: memoryTokenStore() });
    const bob = makeClient(server, { storage: memoryTokenStore() });

    await alice.client.login('ada@example.com', 'right');
    const alicesFirst = await alice.client.getAccessToken();
    expect(alicesFirst).not.toBeNull();
    await bob.client.login('ada@example.com', 'right');
    const bobsFirst = await bob.client.getAccessToken();
    expect(bobsFirst).not.toBe(alicesFirst);
    // A refresh by one and a logout by the other: each keeps to itself.
    alice.clock.advanceMs(3600 * 1000);
    serverClock.advanceMs(3600 * 1000);
    const alicesSecond = await alice.client.getAccessToken();
    expect(alicesSecond).not.toBe(alicesFirst);
    await bob.client.logout();
    // A BroadcastChannel message is delivered on a later turn of the event loop, never at once.
    await new Promise<void>((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(await alice.client.getAccessToken()).toBe(alicesSecond);
    expect(await bob.client.getAccessToken()).toBeNull();
    expect(alice.events).toEqual(['signed_in', 'refreshed']);
    expect(bob.events).toEqual(['signed_in', 'signed_out']);
    expect(requests).toEqual([]);
  });

  it('a Node process that used the client exits by itself', async () => {
    const source = new URL('./index.ts', import.meta.url).href;
    const script = `
      const { createAuthClient } = await import(${JSON.stringify(source)});
      const fetch = async () => { throw new TypeError('fetch failed'); };
      const client = createAuthClient({ baseUrl: 'http://127.0.0.1:9', fetch });
      createAuthClient({ baseUrl: 'http://127.0.0.1:9', fetch });
      console.log(JSON.stringify(await client.logout()));
    `;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '--eval', script],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += String(chunk);
    });
    child.stderr.on('data', (chunk) => {
      output += String(chunk);
    });
    // A live BroadcastChannel would keep it running for ever: give up after 20 s (the import of
    // the TypeScript sources through tsx takes about a second).
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.once('exit', (exitCode, exitSignal) => resolve([exitCode, exitSignal])),
    );
    clearTimeout(timer);
    expect({ code, signal, output: output.trim() }).toEqual({
      code: 0,
      signal: null,
      output: '{"revoked":false}',
    });
  });
});
