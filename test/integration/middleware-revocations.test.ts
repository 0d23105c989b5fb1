/**
 * An Express API protected by gatehouse/middleware with `followRevocations`, against a real
 * Gatehouse over HTTP, on SQLite and on PostgreSQL + Redis (there the API follows one instance
 * and the user logs out on the other): after a logout the API refuses the old token within the
 * stated bound (one poll interval plus one read); with the feed down it follows the stated policy
 * in both settings. And the middleware against a down issuer (100 checks, one fetch) and a stalled
 * one (a socket that accepts and never answers: the fetch times out).
 */
import type { AddressInfo, Server, Socket } from 'node:net';
import { createServer as createTcpServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import express from 'express';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { createFixedClock } from '../../src/core/clock.js';
import { requireAccessToken } from '../../src/middleware/express.js';
import {
  createTokenGuard,
  type TokenGuard,
  type TokenGuardOptions,
} from '../../src/middleware/token-guard.js';
import { startSharedInstances } from '../support/instances.js';
import { createTestServer, type TestServer } from '../support/server.js';
import { serverBackends } from '../support/services.js';

const BACKENDS = await serverBackends();
const ISSUER = 'https://auth.test';
const POLL_MS = 2000;
// One read of a local feed takes milliseconds; the margin covers a loaded test machine.
const MARGIN_MS = 3000;

/** Real HTTP to a Gatehouse that calls itself https://auth.test; counts the feed reads. */
function issuerFetch(target: () => string) {
  const feedReads: number[] = [];
  const fetchImpl: typeof fetch = (input, init) => {
    const url = String(input);
    if (url.includes('/v1/revocations')) feedReads.push(performance.now());
    return fetch(url.replace(ISSUER, target()), init);
  };
  return { fetchImpl, feedReads };
}

interface Api {
  call(token: string): Promise<{ status: number; reason: string | undefined }>;
  close(): Promise<void>;
}

/** An Express API with the guard; a logging middleware records the refusal reasons. */
async function startApi(guard: TokenGuard): Promise<Api> {
  const app = express();
  const reasons = new Map<string, string | undefined>();
  app.use((req, res, next) => {
    res.on('finish', () =>
      reasons.set(String(req.headers['x-call']), res.locals.gatehouseRefusal as string | undefined),
    );
    next();
  });
  app.get('/orders', requireAccessToken(guard), (_req, res) => {
    res.json({ user: res.locals.gatehouse.sub });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let calls = 0;
  return {
    async call(token) {
      const id = String(++calls);
      const response = await fetch(`${base}/orders`, {
        headers: { authorization: `Bearer ${token}`, 'x-call': id },
      });
      await response.arrayBuffer();
      return { status: response.status, reason: reasons.get(id) };
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function login(base: string, email: string) {
  const password = 'follow the feed';
  const post = (path: string, body: unknown) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  await post('/v1/signup', { email, password });
  const response = await post('/v1/token', { grant_type: 'password', username: email, password });
  expect(response.status).toBe(200);
  return (await response.json()) as { access_token: string };
}

const logout = async (base: string, token: string) =>
  (
    await fetch(`${base}/v1/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    })
  ).status;

/** Calls the API until it refuses the token (or gives up after 30 s: then the test fails). */
async function untilRefused(api: Api, token: string) {
  const start = performance.now();
  for (;;) {
    const answer = await api.call(token);
    if (answer.status !== 200) return { ...answer, afterMs: performance.now() - start };
    if (performance.now() - start > 30_000) throw new Error('never refused');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.each(BACKENDS)('followRevocations on %s', (backendName, backend) => {
  const name = backendName.replace(/\W+/g, '-').toLowerCase();
  // The API reads the feed of `feedBase`; the user logs out at `logoutBase` (on PostgreSQL +
  // Redis another instance, whose revocation reaches the first by pub/sub or the storage poll).
  let feedBase = '';
  let logoutBase = '';
  let clock: ReturnType<typeof createFixedClock>;
  let closeIssuer: () => Promise<void> = async () => {};
  beforeAll(async () => {
    if (backend.postgres === true) {
      const shared = await startSharedInstances({});
      [feedBase, logoutBase] = shared.bases as [string, string];
      clock = shared.clock;
      closeIssuer = shared.close;
    } else {
      const server: TestServer = await createTestServer({ ...backend });
      feedBase = await server.app.listen({ port: 0, host: '127.0.0.1' });
      logoutBase = feedBase;
      clock = server.clock;
      closeIssuer = server.close;
    }
  });
  afterAll(async () => {
    await closeIssuer();
  });

  let guard: TokenGuard | null = null;
  let api: Api | null = null;
  afterEach(async () => {
    guard?.close();
    await api?.close();
    guard = null;
    api = null;
  });
  const start = async (fetchImpl: typeof fetch, extra: Partial<TokenGuardOptions> = {}) => {
    guard = createTokenGuard({
      issuer: ISSUER,
      audience: ISSUER,
      fetch: fetchImpl,
      clock,
      followRevocations: true,
      ...extra,
    });
    api = await startApi(guard);
    return api;
  };

  it(`after a logout the API refuses the old token within the poll interval (${POLL_MS} ms) plus one read`, async () => {
    const { fetchImpl, feedReads } = issuerFetch(() => feedBase);
    const api = await start(fetchImpl);
    const pair = await login(logoutBase, `bound-${name}@example.com`);
    expect(await api.call(pair.access_token)).toEqual({ status: 200, reason: undefined });

    expect(await logout(logoutBase, pair.access_token)).toBe(204);
    const loggedOutAt = performance.now();
    const refused = await untilRefused(api, pair.access_token);
    expect(refused).toMatchObject({ status: 401, reason: 'revoked' });
    // At most the read in flight at the logout and the one after it: one interval apart.
    expect(feedReads.filter((at) => at >= loggedOutAt).length).toBeLessThanOrEqual(2);
    expect(refused.afterMs).toBeLessThan(POLL_MS + MARGIN_MS);
    // A token of another session is still welcome.
    const other = await login(logoutBase, `other-${name}@example.com`);
    expect((await api.call(other.access_token)).status).toBe(200);
  });

  it('feed down, policy refuse: answers while the last read is under 10 s old, then 503 revocations_stale, then answers again', async () => {
    let down = false;
    const { fetchImpl } = issuerFetch(() => (down ? 'http://127.0.0.1:1' : feedBase));
    const api = await start(fetchImpl);
    const pair = await login(logoutBase, `refuse-${name}@example.com`);
    expect((await api.call(pair.access_token)).status).toBe(200);
    down = true;
    const downAt = clock.nowMs();
    clock.setMs(downAt + 10_000);
    expect((await api.call(pair.access_token)).status).toBe(200);
    clock.setMs(downAt + 10_001);
    expect(await api.call(pair.access_token)).toEqual({
      status: 503,
      reason: 'revocations_stale',
    });
    down = false;
    // Past the backoff the next check reads the feed again, and is answered.
    clock.setMs(downAt + 20_000);
    expect(await api.call(pair.access_token)).toEqual({ status: 200, reason: undefined });
  });

  it('feed down, policy accept: keeps answering from the last read', async () => {
    let down = false;
    const { fetchImpl } = issuerFetch(() => (down ? 'http://127.0.0.1:1' : feedBase));
    const api = await start(fetchImpl, { whenRevocationsStale: 'accept' });
    const pair = await login(logoutBase, `accept-${name}@example.com`);
    expect((await api.call(pair.access_token)).status).toBe(200);
    down = true;
    const downAt = clock.nowMs();
    clock.setMs(downAt + 600_000);
    expect(await api.call(pair.access_token)).toEqual({ status: 200, reason: undefined });
  });
});

describe('an issuer that is down or stalled', () => {
  let stalled: Server;
  const sockets = new Set<Socket>();
  let connections = 0;
  beforeAll(async () => {
    // Accepts connections and never answers.
    stalled = createTcpServer((socket) => {
      connections++;
      sockets.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => stalled.close(resolve));
  });

  it('100 parallel checks against a down issuer make exactly one fetch; the next ones, none', async () => {
    let fetches = 0;
    const guard = createTokenGuard({
      issuer: 'http://127.0.0.1:1',
      audience: 'a',
      fetch: (input, init) => {
        fetches++;
        return fetch(input, init);
      },
    });
    const results = await Promise.all(
      Array.from({ length: 100 }, () => guard.check('Bearer a.b.c')),
    );
    expect(fetches).toBe(1);
    for (const result of results)
      expect(result).toMatchObject({ ok: false, status: 503, reason: 'issuer_unavailable' });
    expect(await guard.check('Bearer a.b.c')).toMatchObject({ status: 503 });
    expect(fetches).toBe(1);
  });

  it('a stalled socket times out: the checks answer 503 issuer_unavailable, over one connection', async () => {
    const port = (stalled.address() as AddressInfo).port;
    const guard = createTokenGuard({
      issuer: `http://127.0.0.1:${port}`,
      audience: 'a',
      fetchTimeoutMs: 300,
    });
    const results = await Promise.all(
      Array.from({ length: 100 }, () => guard.check('Bearer a.b.c')),
    );
    for (const result of results)
      expect(result).toMatchObject({ ok: false, status: 503, reason: 'issuer_unavailable' });
    expect(connections).toBe(1);
  });
});
