/**
 * The revocation feed over HTTP (GET /v1/revocations), on SQLite and on PostgreSQL + Redis:
 * announced in the metadata, public, never cached, `SHA-256(sid)` entries with the second until
 * which to refuse, read incrementally with the cursor it gives; a cursor of another instance (or
 * of an earlier start) gets the snapshot, flagged.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSharedInstances } from '../support/instances.js';
import { createTestServer, signupAndLogin, type TestServer } from '../support/server.js';
import { serverBackends } from '../support/services.js';

const BACKENDS = await serverBackends();
const sidHash = (sid: string) => createHash('sha256').update(sid).digest('base64url');
const sidOf = (token: string) =>
  (
    JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as {
      sid: string;
    }
  ).sid;

interface FeedBody {
  cursor: string;
  snapshot: boolean;
  more: boolean;
  poll_interval: number;
  entries: Array<{ sid_hash: string; until: number }>;
}

async function readFeed(base: string, cursor?: string) {
  const response = await fetch(
    `${base}/v1/revocations${cursor === undefined ? '' : `?cursor=${encodeURIComponent(cursor)}`}`,
  );
  expect(response.status).toBe(200);
  return { body: (await response.json()) as FeedBody, headers: response.headers };
}

const logout = (base: string, accessToken: string) =>
  fetch(`${base}/v1/logout`, {
    method: 'POST',
    headers: { authorization: `Bearer ${accessToken}` },
  });

describe.each(BACKENDS)('revocation feed on %s', (_name, backend) => {
  let server: TestServer;
  let base: string;
  beforeAll(async () => {
    server = await createTestServer({ ...backend, env: { GATEHOUSE_ACCESS_TOKEN_TTL: '15m' } });
    base = await server.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('is announced in the metadata under a prefixed name, public, and never cached', async () => {
    const metadata = (await (
      await fetch(`${base}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, unknown>;
    expect(metadata.gatehouse_revocation_feed_uri).toBe('https://auth.test/v1/revocations');
    const { body, headers } = await readFeed(base);
    expect(headers.get('cache-control')).toBe('no-store');
    // max_token_age: the access-token lifetime (GATEHOUSE_ACCESS_TOKEN_TTL, 15m here).
    expect(body).toMatchObject({
      snapshot: true,
      more: false,
      poll_interval: 2,
      max_token_age: 900,
    });
    const openapi = (await (await fetch(`${base}/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(openapi.paths).toHaveProperty('/v1/revocations');
  });

  it('a logout appears once, after the cursor, as SHA-256(sid) until revocation + lifetime + 1 s', async () => {
    const { pair } = await signupAndLogin(server, 'feed@example.com');
    const start = await readFeed(base);
    const cursor = start.body.cursor;
    expect(start.body.entries.map((e) => e.sid_hash)).not.toContain(
      sidHash(sidOf(pair.access_token)),
    );

    const revokedAtMs = server.clock.nowMs();
    expect((await logout(base, pair.access_token)).status).toBe(204);
    const next = await readFeed(base, cursor);
    expect(next.body.snapshot).toBe(false);
    expect(next.body.entries).toEqual([
      {
        sid_hash: sidHash(sidOf(pair.access_token)),
        until: Math.ceil((revokedAtMs + 15 * 60_000 + 1000) / 1000),
      },
    ]);
    expect(next.body.cursor).not.toBe(cursor);
    // Nothing new: nothing served, the cursor stays.
    const again = await readFeed(base, next.body.cursor);
    expect(again.body.entries).toEqual([]);
    expect(again.body.cursor).toBe(next.body.cursor);
    // The body names no session id and no token.
    expect(JSON.stringify(next.body)).not.toContain(sidOf(pair.access_token));
  });

  it('a cursor of another instance (or of an earlier start) gets the snapshot, flagged', async () => {
    const other = await createTestServer({ ...backend });
    try {
      const otherBase = await other.app.listen({ port: 0, host: '127.0.0.1' });
      const foreign = (await readFeed(otherBase)).body.cursor;
      const snapshot = await readFeed(base, foreign);
      expect(snapshot.body.snapshot).toBe(true);
      expect(snapshot.body.entries.length).toBeGreaterThan(0);
      expect(snapshot.body.entries).toEqual((await readFeed(base)).body.entries);
      for (const garbage of ['x', 'a.b.c', `${foreign}0`, '%00'])
        expect((await readFeed(base, garbage)).body.snapshot).toBe(true);
    } finally {
      await other.close();
    }
  });

  it('drops an entry once every token it guards has expired', async () => {
    const { pair } = await signupAndLogin(server, 'expiry@example.com');
    await logout(base, pair.access_token);
    const hash = sidHash(sidOf(pair.access_token));
    expect((await readFeed(base)).body.entries.map((e) => e.sid_hash)).toContain(hash);
    server.clock.advanceMs(15 * 60_000 + 1000);
    expect((await readFeed(base)).body.entries.map((e) => e.sid_hash)).not.toContain(hash);
  });
});

describe.runIf(BACKENDS.length > 1)('revocation feed across instances (PostgreSQL + Redis)', () => {
  it("a logout on one instance is in the other's feed (pushed by Redis, else by the storage poll)", async () => {
    const shared = await startSharedInstances({});
    try {
      const [a, b] = shared.bases as [string, string];
      const email = 'across@example.com';
      const password = 'across the feed';
      await fetch(`${a}/v1/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      });
      const pair = (await (
        await fetch(`${a}/v1/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ grant_type: 'password', username: email, password }),
        })
      ).json()) as { access_token: string };
      const cursor = (await readFeed(b)).body.cursor;
      expect((await logout(a, pair.access_token)).status).toBe(204);
      // Pub/sub is asynchronous: one sync tick of B stands in for "within the bound".
      await shared.servers[1]?.jobs.tick();
      const next = await readFeed(b, cursor);
      expect(next.body.snapshot).toBe(false);
      expect(next.body.entries.map((e) => e.sid_hash)).toEqual([sidHash(sidOf(pair.access_token))]);
    } finally {
      await shared.close();
    }
  });
});
