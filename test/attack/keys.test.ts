/**
 * Signing keys under attack and under change: a rotation is published before it signs, so an API
 * that cached the JWKS never meets a token it cannot check; a key is not retired while tokens it
 * signed may be valid; and a logged-out access token stays refused across a restart that changes
 * the access-token lifetime (issue 10, items 6 and 7).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import type { KeysCliIo } from '../../src/cli/stored-keys.js';
import { createFixedClock } from '../../src/core/clock.js';
import { decodeJwtUnverified } from '../../src/jwt/decode.js';
import { generateJwtKey } from '../../src/jwt/index.js';
import { createKeyRing } from '../../src/jwt/key-ring.js';
import { createTokenGuard } from '../../src/middleware/token-guard.js';
import { createDummyHash } from '../../src/passwords/hash.js';
import { configFromEnv } from '../../src/server/config.js';
import { createServer, type GatehouseServer } from '../../src/server/create-server.js';
import { loadServerKeys } from '../../src/server/signing-keys.js';
import { openPostgres, type PostgresHandle } from '../../src/storage/postgres/database.js';
import { createSqlStores } from '../../src/storage/sql/index.js';
import { createTestServer, signupAndLogin, T0, type TokenPairBody } from '../support/server.js';
import {
  dropSchema,
  POSTGRES_URL,
  postgresReachable,
  serviceGate,
  uniqueSchema,
} from '../support/services.js';

const enabled = serviceGate('PostgreSQL', await postgresReachable());
const ISSUER = 'https://auth.test';
const EMAIL = 'keys@example.com';
const PASSWORD = 'keys password 1';

describe.runIf(enabled)('key rotation on two instances sharing PostgreSQL', () => {
  const schema = uniqueSchema('gh_attack_keys');
  const clock = createFixedClock(T0);
  const instances: Array<GatehouseServer & { handle: PostgresHandle }> = [];
  const out: string[] = [];
  const err: string[] = [];
  let io: KeysCliIo;

  beforeAll(async () => {
    const config = configFromEnv({
      GATEHOUSE_ISSUER: ISSUER,
      GATEHOUSE_DATABASE_URL: POSTGRES_URL,
    });
    const dummyHash = await createDummyHash();
    for (const handle of await Promise.all(
      [0, 1].map(() => openPostgres(POSTGRES_URL, { schema })),
    )) {
      const stores = createSqlStores(handle.db, 'postgres');
      const { ring } = await loadServerKeys(config, stores.keys, clock);
      const server = await createServer({
        config,
        stores,
        keyRing: ring,
        dummyHash,
        clock,
        logger: false,
      });
      instances.push({ ...server, handle });
    }
    const url = new URL(POSTGRES_URL);
    url.searchParams.set('options', `-c search_path=${schema}`);
    io = {
      ...processIo,
      env: { GATEHOUSE_ISSUER: ISSUER, GATEHOUSE_DATABASE_URL: url.toString() },
      stdout: (text) => void out.push(text),
      stderr: (text) => void err.push(text),
      clock,
    };
    const signup = await at(0).app.inject({
      method: 'POST',
      url: '/v1/signup',
      payload: { email: EMAIL, password: PASSWORD },
    });
    expect(signup.statusCode).toBe(201);
  });

  afterAll(async () => {
    for (const instance of instances) {
      await instance.app.close();
      await instance.handle.close();
    }
    await dropSchema(schema);
  });

  const at = (n: number) => instances[n] as GatehouseServer & { handle: PostgresHandle };
  const both = [0, 1] as const;
  const tickAll = () => Promise.all(instances.map((instance) => instance.jobs.tick()));
  const login = async (n: number) => {
    const response = await at(n).app.inject({
      method: 'POST',
      url: '/v1/token',
      payload: { grant_type: 'password', username: EMAIL, password: PASSWORD },
    });
    expect(response.statusCode).toBe(200);
    return response.json() as TokenPairBody;
  };
  const kidOf = (token: string) => decodeJwtUnverified(token).header.kid;
  const jwksKids = async (n: number) =>
    (
      (await at(n).app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json() as {
        keys: Array<{ kid: string }>;
      }
    ).keys
      .map((key) => key.kid)
      .sort();
  const me = async (n: number, token: string) =>
    (
      await at(n).app.inject({
        method: 'GET',
        url: '/v1/me',
        headers: { authorization: `Bearer ${token}` },
      })
    ).statusCode;
  /** An API's middleware, fetching metadata and JWKS from instance n (no HTTP cache: none in Node's fetch). */
  const guardOn = (n: number) =>
    createTokenGuard({
      issuer: ISSUER,
      audience: ISSUER,
      clock,
      fetch: async (input) => {
        const response = await at(n).app.inject({
          method: 'GET',
          url: new URL(String(input)).pathname,
        });
        return new Response(response.body, {
          status: response.statusCode,
          headers: { 'content-type': 'application/json' },
        });
      },
    });
  const rotate = async (...args: string[]) => {
    out.length = 0;
    err.length = 0;
    expect(await main(['keys', 'rotate', ...args], io)).toBe(0);
    const kid = /new signing key (\S+)/.exec(out.join(''))?.[1];
    expect(kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    return kid as string;
  };
  const retire = async (kid: string, ...args: string[]) => {
    out.length = 0;
    err.length = 0;
    return main(['keys', 'retire', `--kid=${kid}`, ...args], io);
  };

  it('a rotated key is published at the next tick, signs only after the delay, then on both instances', async () => {
    const oldKid = at(0).context.keyRing.signingKey()?.kid as string;
    expect(at(1).context.keyRing.signingKey()?.kid).toBe(oldKid);
    // An API that checked a token just before the rotation holds the old JWKS for 30 s.
    const guard = guardOn(1);
    const before = await login(0);
    expect((await guard.check(`Bearer ${before.access_token}`)).ok).toBe(true);

    const newKid = await rotate();
    expect(out.join('')).toContain(
      `signs from ${new Date(T0 + 60_000).toISOString().slice(0, 19)}Z (in 60 s)`,
    );
    expect(err.join('')).toBe('');
    await tickAll();
    for (const n of both) {
      expect(await jwksKids(n)).toEqual([oldKid, newKid].sort());
      expect(kidOf((await login(n)).access_token)).toBe(oldKid);
    }

    clock.advanceMs(59_999);
    await tickAll();
    for (const n of both) expect(kidOf((await login(n)).access_token)).toBe(oldKid);

    clock.advanceMs(1);
    // Until its next sync tick an instance keeps the old key: still valid, just not the newest.
    expect(kidOf((await login(0)).access_token)).toBe(oldKid);
    await tickAll();
    const after = await login(1);
    for (const n of both) {
      expect(at(n).context.keyRing.signingKey()?.kid).toBe(newKid);
      expect(kidOf((await login(n)).access_token)).toBe(newKid);
      expect(await me(n, before.access_token)).toBe(200);
      expect(await me(n, after.access_token)).toBe(200);
    }
    // The API's cached JWKS is 60 s old: one refetch finds the key that was published in time.
    expect((await guard.check(`Bearer ${after.access_token}`)).ok).toBe(true);

    // Retiring the old key now would break tokens it signed a moment ago.
    expect(await retire(oldKid)).toBe(1);
    expect(err.join('')).toContain('refused: tokens signed by that key may be valid until');
    expect(await retire(newKid)).toBe(1);
    expect(err.join('')).toContain('that is the key that signs now');
    // One access-token lifetime (1 h) and one sync tick (2 s) after the new key began signing.
    clock.advanceMs(3_600_000 + 2_000 - 1);
    expect(await retire(oldKid)).toBe(1);
    clock.advanceMs(1);
    expect(await retire(oldKid)).toBe(0);
    expect(out.join('')).toBe(`retired ${oldKid}\n`);
    await tickAll();
    for (const n of both) {
      expect(await jwksKids(n)).toEqual([newKid]);
      expect(await me(n, before.access_token)).toBe(401);
    }
  });

  it('--delay sets the delay; under the sound minimum it warns, and an API that just fetched refuses the first tokens', async () => {
    const current = at(0).context.keyRing.signingKey()?.kid as string;
    const guard = guardOn(0);
    expect((await guard.check(`Bearer ${(await login(0)).access_token}`)).ok).toBe(true);

    const quick = await rotate('--delay=0');
    expect(out.join('')).toContain('(in 0 s)');
    expect(err.join('')).toContain('warning: a delay under 47 s');
    await tickAll();
    const early = await login(0);
    expect(kidOf(early.access_token)).toBe(quick);
    expect(await me(1, early.access_token)).toBe(200);
    // What the delay is for: fetched under 30 s ago, the API does not refetch for an unknown kid.
    expect((await guard.check(`Bearer ${early.access_token}`)).ok).toBe(false);
    clock.advanceMs(30_000);
    expect((await guard.check(`Bearer ${early.access_token}`)).ok).toBe(true);

    // After a leak: the replaced key goes at once, by force; its tokens fail from the next tick.
    expect(await retire(current)).toBe(1);
    expect(await retire(current, '--force')).toBe(0);
    expect(out.join('')).toContain('forced');
    await tickAll();
    for (const n of both) expect(await jwksKids(n)).toEqual([quick]);

    const later = await rotate('--delay=2m');
    expect(out.join('')).toContain('(in 120 s)');
    expect(err.join('')).toBe('');
    // A key that has not begun signing has signed nothing: retiring it cancels the rotation.
    expect(await retire(later)).toBe(0);
    await tickAll();
    expect(at(1).context.keyRing.signingKey()?.kid).toBe(quick);
    for (const bad of ['--delay=soon', '--delay=-1', '--delay=2d'])
      expect(await main(['keys', 'rotate', bad], io)).toBe(2);
  });
});

describe('a logged-out access token across a restart that changes GATEHOUSE_ACCESS_TOKEN_TTL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-attack-keys-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cases: ReadonlyArray<[string, string, string, number, number]> = [
    // name, TTL before, TTL after, logout after login (ms), restart after logout (ms)
    ['shorter, logout in the second of login, restart at once', '1h', '15m', 0, 0],
    ['shorter, restart at once', '1h', '15m', 1500, 0],
    ['shorter, restart after the new TTL has passed', '1h', '15m', 1500, 20 * 60_000],
    ['longer, logout in the second of login, restart at once', '15m', '1h', 0, 0],
    ['longer, restart later', '15m', '1h', 1500, 10 * 60_000],
  ];

  it.each(cases)(
    '%s: refused at every moment until it expires',
    async (_name, before, after, logoutMs, restartMs) => {
      const path = join(dir, `${before}-${after}-${logoutMs}-${restartMs}.db`);
      const keyRing = createKeyRing({ signingKey: generateJwtKey('ES256') });
      const clock = createFixedClock(T0);
      const first = await createTestServer({
        path,
        keyRing,
        clock,
        env: { GATEHOUSE_ACCESS_TOKEN_TTL: before },
      });
      const { pair } = await signupAndLogin(first);
      const token = pair.access_token;
      const issuedAtMs = (decodeJwtUnverified(token).payload.iat as number) * 1000;
      clock.advanceMs(logoutMs);
      const logout = await first.app.inject({
        method: 'POST',
        url: '/v1/logout',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(logout.statusCode).toBe(204);
      await first.close();

      clock.advanceMs(restartMs);
      const second = await createTestServer({
        path,
        keyRing,
        clock,
        env: { GATEHOUSE_ACCESS_TOKEN_TTL: after },
      });
      try {
        const me = async () =>
          (
            await second.app.inject({
              method: 'GET',
              url: '/v1/me',
              headers: { authorization: `Bearer ${token}` },
            })
          ).statusCode;
        // Every second until well after the longer lifetime, and each millisecond around the ends
        // of both lifetimes, of the revocation entries, and of the token's age bound.
        const longestMs = 60 * 60_000 + 10_000;
        const edges = [15 * 60_000, 60 * 60_000].flatMap((ttlMs) =>
          [issuedAtMs, T0 + logoutMs].flatMap((fromMs) =>
            [-1001, -1000, -999, -1, 0, 1, 999, 1000, 1001].map((d) => fromMs + ttlMs + d),
          ),
        );
        const moments = [
          ...Array.from({ length: Math.ceil(longestMs / 1000) }, (_, i) => issuedAtMs + i * 1000),
          ...edges,
        ]
          .filter((ms) => ms >= clock.nowMs())
          .sort((a, b) => a - b);
        const accepted: number[] = [];
        for (const ms of moments) {
          clock.setMs(ms);
          if ((await me()) !== 401) accepted.push(ms - issuedAtMs);
        }
        expect(accepted).toEqual([]);
      } finally {
        await second.close();
      }
    },
  );
});
