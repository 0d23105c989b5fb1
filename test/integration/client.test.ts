/**
 * gatehouse/client in Node against a real Gatehouse server over a socket.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthClientError, type AuthEvent, createAuthClient } from '../../src/client/auth-client.js';
import { memoryTokenStore } from '../../src/client/token-store.js';
import { createFixedClock } from '../../src/core/clock.js';
import { createTestServer, T0, type TestServer } from '../support/server.js';

let server: TestServer;
let base: string;
let refreshCalls = 0;
const credentials = { email: 'client@example.com', password: 'client password' };

/** Real fetch, counting refresh requests. */
const countingFetch: typeof fetch = async (input, init) => {
  if (String(input).endsWith('/v1/token') && String(init?.body ?? '').includes('"refresh_token"'))
    refreshCalls++;
  return fetch(input, init);
};

beforeEach(async () => {
  server = await createTestServer();
  base = await server.app.listen({ port: 0, host: '127.0.0.1' });
  await server.app.inject({ method: 'POST', url: '/v1/signup', payload: credentials });
  refreshCalls = 0;
});
afterEach(async () => {
  await server.close();
});

function makeClient(extra: Partial<Parameters<typeof createAuthClient>[0]> = {}) {
  const clock = createFixedClock(T0);
  const events: AuthEvent[] = [];
  const client = createAuthClient({ baseUrl: base, fetch: countingFetch, clock, ...extra });
  client.onChange((event) => events.push(event));
  return { client, clock, events };
}

describe('gatehouse/client', () => {
  it('refreshes before exp minus the margin, not earlier', async () => {
    const { client, clock, events } = makeClient();
    await client.login(credentials.email, credentials.password);
    const first = await client.getAccessToken();
    clock.advanceMs((3600 - 61) * 1000);
    expect(await client.getAccessToken()).toBe(first);
    expect(refreshCalls).toBe(0);
    clock.advanceMs(2000);
    const second = await client.getAccessToken();
    expect(second).not.toBe(first);
    expect(refreshCalls).toBe(1);
    expect(events).toEqual(['signed_in', 'refreshed']);
  });

  it('20 parallel requests with an expired token make exactly one refresh request', async () => {
    const { client, clock } = makeClient();
    await client.login(credentials.email, credentials.password);
    clock.advanceMs(3600 * 1000);
    server.clock.advanceMs(3600 * 1000);
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => client.fetch(`${base}/v1/me`)),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(refreshCalls).toBe(1);
  });

  it('a 401 invalid_token leads to one refresh and one retry', async () => {
    const { client } = makeClient();
    await client.login(credentials.email, credentials.password);
    // The server's clock is past exp; the client's is not: it sends the token, gets 401.
    server.clock.advanceMs(3600 * 1000);
    const response = await client.fetch(`${base}/v1/me`);
    expect(response.status).toBe(200);
    expect(refreshCalls).toBe(1);
  });

  it('never loops: a 401 that persists after the retry is returned', async () => {
    let meCalls = 0;
    const alwaysRefused: typeof fetch = async (input, init) => {
      if (String(input).endsWith('/v1/me')) {
        meCalls++;
        return new Response('{"error":"invalid_token"}', {
          status: 401,
          headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
        });
      }
      return countingFetch(input, init);
    };
    const { client } = makeClient({ fetch: alwaysRefused });
    await client.login(credentials.email, credentials.password);
    const response = await client.fetch(`${base}/v1/me`);
    expect(response.status).toBe(401);
    expect(meCalls).toBe(2);
    expect(refreshCalls).toBe(1);
  });

  it('two clients holding the same tokens refresh at once inside the grace window: both stay signed in', async () => {
    const shared = memoryTokenStore();
    const b = makeClient({ storage: shared });
    // Give B the very same tokens C holds (as two tabs with shared storage would).
    const storeA = memoryTokenStore();
    const c = makeClient({ storage: storeA });
    await c.client.login(credentials.email, credentials.password);
    shared.set(storeA.get());
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
    const { client, clock, events } = makeClient();
    await client.login(credentials.email, credentials.password);
    const token = await client.getAccessToken();
    await fetch(`${base}/v1/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
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
      return fetch(input, init);
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

  it('a refused login throws with the server error; logout revokes at the server', async () => {
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
    await client.login(credentials.email, credentials.password);
    const token = (await client.getAccessToken()) as string;
    await client.logout();
    expect(await client.getAccessToken()).toBeNull();
    expect(
      (await fetch(`${base}/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(401);
  });
});
