/**
 * gatehouse/client in Node against a real Gatehouse server over a socket: DPoP-bound login,
 * /v1/me and refresh; tokens copied to another client (its own key) refused; refresh scheduling by
 * `expires_in` whatever the device clock says; tokens never sent outside apiOrigins (a second
 * local server records what reaches it).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AuthClientError,
  type AuthClientOptions,
  type AuthEvent,
  createAuthClient,
} from '../../src/client/auth-client.js';
import { memoryKeyStore } from '../../src/client/key-store.js';
import { memoryTokenStore } from '../../src/client/token-store.js';
import { createFixedClock } from '../../src/core/clock.js';
import { freePort } from '../support/ports.js';
import { createTestServer, T0, type TestServer } from '../support/server.js';

let server: TestServer;
let base: string;
/** Every POST /v1/token the clients sent: its grant, whether it carried a proof, the answer. */
let tokenRequests: { grant: string; proof: boolean; status: number; error?: string }[] = [];
const credentials = { email: 'client@example.com', password: 'client password' };

/** Refreshes done: a refresh that first met use_dpop_nonce (an hour-old nonce) is one refresh. */
const refreshes = () =>
  tokenRequests.filter(
    (request) => request.grant === 'refresh_token' && request.error !== 'use_dpop_nonce',
  );

/** Real fetch, recording token requests. */
const recordingFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  if (String(input).endsWith('/v1/token')) {
    const body = JSON.parse(String(init?.body ?? '{}')) as { grant_type?: string };
    const answer = (await response.clone().json()) as { error?: string };
    tokenRequests.push({
      grant: String(body.grant_type),
      proof: new Headers(init?.headers).has('dpop'),
      status: response.status,
      ...(answer.error === undefined ? {} : { error: answer.error }),
    });
  }
  return response;
};

async function startServer(env: Record<string, string> = {}) {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = await createTestServer({ env: { GATEHOUSE_ISSUER: base, ...env } });
  await server.app.listen({ port, host: '127.0.0.1' });
  await server.app.inject({ method: 'POST', url: '/v1/signup', payload: credentials });
  tokenRequests = [];
}

beforeEach(async () => {
  await startServer();
});
afterEach(async () => {
  await server.close();
});

function makeClient(
  extra: Partial<AuthClientOptions> & { clock?: ReturnType<typeof createFixedClock> } = {},
) {
  const clock = extra.clock ?? createFixedClock(T0);
  const events: AuthEvent[] = [];
  const client = createAuthClient({ baseUrl: base, fetch: recordingFetch, ...extra, clock });
  client.onChange((event) => events.push(event));
  return { client, clock, events };
}

/** The claims of a token (the test reads them; the server verified them). */
const claimsOf = (token: string | null) =>
  JSON.parse(Buffer.from(token?.split('.')[1] ?? '', 'base64url').toString()) as {
    exp: number;
    iat: number;
    cnf?: { jkt?: string };
  };

/** A plain HTTP server that records the headers of every request it gets. */
async function recordingServer(
  answer: (url: string) => { status: number; headers?: Record<string, string> } = () => ({
    status: 200,
  }),
) {
  const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
  const http: Server = createServer((request, response) => {
    seen.push({ url: request.url ?? '', headers: request.headers });
    const { status, headers } = answer(request.url ?? '');
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end('{}');
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return {
    origin,
    seen,
    close: () => new Promise<void>((resolve) => http.close(() => resolve())),
  };
}

describe('gatehouse/client with DPoP against the server', () => {
  it('the server advertises DPoP', async () => {
    const metadata = (await (
      await fetch(`${base}/.well-known/oauth-authorization-server`)
    ).json()) as { dpop_signing_alg_values_supported?: string[] };
    expect(metadata.dpop_signing_alg_values_supported).toContain('ES256');
  });

  it('login, me and refresh are DPoP-bound to the client key', async () => {
    const { client, clock, events } = makeClient();
    await client.login(credentials.email, credentials.password);
    const jkt = await client.keyThumbprint();
    const first = await client.getAccessToken();
    expect(claimsOf(first).cnf?.jkt).toBe(jkt);
    expect(await client.me()).toMatchObject({ email: credentials.email });
    // The Authorization scheme is DPoP: the same token as Bearer is refused.
    expect(
      (await fetch(`${base}/v1/me`, { headers: { authorization: `Bearer ${first}` } })).status,
    ).toBe(401);

    clock.advanceMs(3600 * 1000);
    server.clock.advanceMs(3600 * 1000);
    const second = await client.getAccessToken();
    expect(second).not.toBe(first);
    expect(claimsOf(second).cnf?.jkt).toBe(jkt);
    expect(await client.me()).toMatchObject({ email: credentials.email });
    expect(tokenRequests.every((request) => request.proof)).toBe(true);
    expect(refreshes()).toHaveLength(1);
    expect(events).toEqual(['signed_in', 'refreshed']);
  });

  it('tokens copied to another client (its own key) are refused at the API and at refresh; the owner keeps working', async () => {
    const ownerStore = memoryTokenStore();
    const owner = makeClient({ storage: ownerStore });
    await owner.client.login(credentials.email, credentials.password);
    // Copy what the owner holds, as a thief reading its storage would.
    const stolen = memoryTokenStore();
    stolen.set(ownerStore.get());
    const thief = makeClient({ storage: stolen });
    expect(await thief.client.keyThumbprint()).not.toBe(await owner.client.keyThumbprint());

    const atApi = await thief.client.fetch(`${base}/v1/me`);
    expect(atApi.status).toBe(401);
    // The 401 led the thief's client to refresh with its own key: refused, so it is signed out.
    expect(refreshes()).toHaveLength(1);
    expect(thief.events).toEqual(['signed_out']);
    expect(stolen.get()).toBeNull();

    // The refresh token alone, without any proof: refused as well.
    const bare = await fetch(`${base}/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'refresh_token',
        refresh_token: ownerStore.get()?.refreshToken,
        client_id: 'gatehouse-client',
      }),
    });
    expect(bare.status).toBe(400);

    // None of this touched the owner, before or after its own refresh.
    expect(await owner.client.me()).toMatchObject({ email: credentials.email });
    owner.clock.advanceMs(3600 * 1000);
    server.clock.advanceMs(3600 * 1000);
    expect(await owner.client.me()).toMatchObject({ email: credentials.email });
    expect(owner.events).toEqual(['signed_in', 'refreshed']);
  });

  it('access lifetime 30 s: a call right after login sends no refresh; one refresh per 15 s after', async () => {
    await server.close();
    await startServer({ GATEHOUSE_ACCESS_TOKEN_TTL: '30' });
    const { client, clock } = makeClient();
    await client.login(credentials.email, credentials.password);
    expect((await client.fetch(`${base}/v1/me`)).status).toBe(200);
    expect((await client.fetch(`${base}/v1/me`)).status).toBe(200);
    expect(refreshes()).toHaveLength(0);
    for (let second = 0; second < 60; second += 5) {
      clock.advanceMs(5000);
      server.clock.advanceMs(5000);
      expect((await client.fetch(`${base}/v1/me`)).status).toBe(200);
    }
    // 60 s of a 30 s token refreshed half-way: at 15, 30, 45 and 60 s.
    expect(refreshes()).toHaveLength(4);
  });

  it.each([
    ['3 h ahead', 3 * 3600_000],
    ['3 h behind', -3 * 3600_000],
  ])('a device clock %s: calls succeed with one refresh per lifetime', async (_label, skewMs) => {
    await server.close();
    await startServer({ GATEHOUSE_ACCESS_TOKEN_TTL: '300' });
    let meRequests = 0;
    const counting: typeof fetch = (input, init) => {
      if (String(input).endsWith('/v1/me')) meRequests++;
      return recordingFetch(input, init);
    };
    const { client, clock } = makeClient({ clock: createFixedClock(T0 + skewMs), fetch: counting });
    await client.login(credentials.email, credentials.password);
    const statuses = new Set<number>();
    for (let second = 0; second < 900; second += 20) {
      statuses.add((await client.fetch(`${base}/v1/me`)).status);
      clock.advanceMs(20_000);
      server.clock.advanceMs(20_000);
    }
    expect([...statuses]).toEqual([200]);
    // One request per call: the proofs' iat is on the server's time (a device-clock iat would be
    // refused with use_dpop_nonce and sent twice).
    expect(meRequests).toBe(45);
    // 900 s of a 300 s token refreshed 60 s early: at 240, 480 and 720 s.
    expect(refreshes()).toHaveLength(3);
  });

  it('a URL outside apiOrigins gets no Authorization and no proof; a listed one gets both', async () => {
    const outside = await recordingServer();
    const api = await recordingServer();
    try {
      const { client } = makeClient({ apiOrigins: [api.origin] });
      await client.login(credentials.email, credentials.password);
      const token = await client.getAccessToken();
      await client.fetch(`${outside.origin}/collect?x=1`, { headers: { 'x-app': 'yes' } });
      await client.fetch(`${api.origin}/orders?page=2`);
      expect(outside.seen).toHaveLength(1);
      expect(outside.seen[0]?.headers['x-app']).toBe('yes');
      expect(outside.seen[0]?.headers.authorization).toBeUndefined();
      expect(outside.seen[0]?.headers.dpop).toBeUndefined();
      expect(api.seen[0]?.headers.authorization).toBe(`DPoP ${token}`);
      expect(api.seen[0]?.headers.dpop).toMatch(/^ey/);
    } finally {
      await outside.close();
      await api.close();
    }
  });

  it('a listed API that redirects elsewhere does not pass the token on', async () => {
    const outside = await recordingServer();
    const api = await recordingServer(() => ({
      status: 302,
      headers: { location: `${outside.origin}/landing` },
    }));
    try {
      const { client } = makeClient({ apiOrigins: [api.origin] });
      await client.login(credentials.email, credentials.password);
      await client.fetch(`${api.origin}/orders`);
      expect(api.seen[0]?.headers.authorization).toMatch(/^DPoP /);
      expect(outside.seen.map((request) => request.url)).toEqual(['/landing']);
      expect(outside.seen[0]?.headers.authorization).toBeUndefined();
    } finally {
      await outside.close();
      await api.close();
    }
  });
});

describe('gatehouse/client refresh behaviour against the server', () => {
  it('20 parallel requests with an expired token make exactly one refresh request', async () => {
    const { client, clock } = makeClient();
    await client.login(credentials.email, credentials.password);
    clock.advanceMs(3600 * 1000);
    server.clock.advanceMs(3600 * 1000);
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => client.fetch(`${base}/v1/me`)),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(refreshes()).toHaveLength(1);
  });

  it('a 401 invalid_token leads to one refresh and one retry', async () => {
    const { client } = makeClient();
    await client.login(credentials.email, credentials.password);
    // The server's clock is past exp; the client's is not: it sends the token, gets 401.
    server.clock.advanceMs(3600 * 1000);
    const response = await client.fetch(`${base}/v1/me`);
    expect(response.status).toBe(200);
    expect(refreshes()).toHaveLength(1);
  });

  it('never loops: a 401 that persists after the retry is returned', async () => {
    let meCalls = 0;
    const alwaysRefused: typeof fetch = async (input, init) => {
      if (String(input).endsWith('/v1/me')) {
        meCalls++;
        return new Response('{"error":"invalid_token"}', {
          status: 401,
          headers: { 'www-authenticate': 'DPoP error="invalid_token"' },
        });
      }
      return recordingFetch(input, init);
    };
    const { client } = makeClient({ fetch: alwaysRefused });
    await client.login(credentials.email, credentials.password);
    const response = await client.fetch(`${base}/v1/me`);
    expect(response.status).toBe(401);
    expect(meCalls).toBe(2);
    expect(refreshes()).toHaveLength(1);
  });

  it('two clients with the same key and tokens refresh at once inside the grace window: both stay signed in', async () => {
    // As two tabs: one key, the same tokens, no lock between them.
    const keyStore = memoryKeyStore();
    const storeC = memoryTokenStore();
    const c = makeClient({ storage: storeC, keyStore });
    await c.client.login(credentials.email, credentials.password);
    const storeB = memoryTokenStore();
    storeB.set(storeC.get());
    const b = makeClient({ storage: storeB, keyStore });
    c.clock.advanceMs(3600 * 1000);
    b.clock.advanceMs(3600 * 1000);
    const [tokenB, tokenC] = await Promise.all([
      b.client.getAccessToken(),
      c.client.getAccessToken(),
    ]);
    expect(tokenB).not.toBeNull();
    expect(tokenB).toBe(tokenC);
    expect(b.events).not.toContain('signed_out');
    expect(c.events).not.toContain('signed_out');
  });

  it('invalid_grant on refresh clears the tokens and emits signed_out', async () => {
    const store = memoryTokenStore();
    const { client, clock, events } = makeClient({ storage: store });
    await client.login(credentials.email, credentials.password);
    // The session is revoked behind the client's back (say, from another device): RFC 7009
    // takes the token alone, bound to a DPoP key or not.
    const tokens = store.get();
    const revoke = await fetch(`${base}/v1/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: tokens?.refreshToken, client_id: 'gatehouse-client' }),
    });
    expect(revoke.status).toBe(200);
    const sid = JSON.parse(
      Buffer.from(String(tokens?.accessToken.split('.')[1]), 'base64url').toString(),
    ).sid as string;
    expect(await server.context.sessions.findActive(sid)).toBeNull();
    clock.advanceMs(3600 * 1000);
    expect(await client.getAccessToken()).toBeNull();
    expect(events).toEqual(['signed_in', 'signed_out']);
  });

  it('network errors and 5xx keep the tokens and surface the error', async () => {
    let mode: 'down' | '503' | 'up' = 'down';
    const flaky: typeof fetch = async (input, init) => {
      if (
        String(input).endsWith('/v1/token') &&
        String(init?.body ?? '').includes('"refresh_token"')
      ) {
        if (mode === 'down') throw new TypeError('fetch failed');
        if (mode === '503')
          return new Response(JSON.stringify({ error: 'temporarily_unavailable' }), {
            status: 503,
          });
      }
      return recordingFetch(input, init);
    };
    const store = memoryTokenStore();
    const { client, clock, events } = makeClient({ fetch: flaky, storage: store });
    await client.login(credentials.email, credentials.password);
    clock.advanceMs(3600 * 1000);
    await expect(client.getAccessToken()).rejects.toMatchObject({
      name: 'AuthClientError',
      error: 'network_error',
    });
    mode = '503';
    await expect(client.getAccessToken()).rejects.toBeInstanceOf(AuthClientError);
    expect(store.get()).not.toBeNull();
    mode = 'up';
    expect(await client.getAccessToken()).toEqual(expect.any(String));
    expect(events).toEqual(['signed_in', 'refreshed']);
  });

  it('a refused login throws with the server error; logout revokes at the server and says so', async () => {
    const { client } = makeClient();
    await expect(client.login(credentials.email, 'wrong password')).rejects.toMatchObject({
      status: 400,
      error: 'invalid_grant',
      retryAfterSeconds: null,
    });
    for (let i = 0; i < 5; i++)
      await client.login(credentials.email, 'wrong password').catch(() => undefined);
    await expect(client.login(credentials.email, credentials.password)).rejects.toMatchObject({
      status: 429,
      error: 'rate_limited',
      retryAfterSeconds: 1,
    });
    server.clock.advanceMs(1000);
    const keyStore = memoryKeyStore();
    const store = memoryTokenStore();
    const { client: signedIn } = makeClient({ keyStore, storage: store });
    await signedIn.login(credentials.email, credentials.password);
    const copy = memoryTokenStore();
    copy.set(store.get());
    expect(await signedIn.logout()).toEqual({ revoked: true });
    expect(await signedIn.getAccessToken()).toBeNull();
    expect(await signedIn.me()).toBeNull();
    // The same key with the tokens it held: the session is over at the server.
    const after = makeClient({ keyStore, storage: copy });
    expect((await after.client.fetch(`${base}/v1/me`)).status).toBe(401);
    expect(after.events).toEqual(['signed_out']);
  });

  it('signup creates the account (and signs nobody in); a taken email is refused', async () => {
    const { client, events } = makeClient();
    expect(await client.signup('new@example.com', 'new password 1')).toMatchObject({
      email: 'new@example.com',
    });
    await expect(client.signup('new@example.com', 'new password 1')).rejects.toMatchObject({
      error: 'email_taken',
    });
    expect(events).toEqual([]);
    await client.login('new@example.com', 'new password 1');
    expect(await client.me()).toMatchObject({ email: 'new@example.com' });
  });
});
