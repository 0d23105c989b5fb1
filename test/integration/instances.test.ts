/**
 * Two instances sharing one PostgreSQL database (two pools, two apps, as two processes would):
 * shared keys, login on one and use on the other, and revocations that reach the other instance
 * through the revocation feed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import type { KeysCliIo } from '../../src/cli/stored-keys.js';
import { createFixedClock } from '../../src/core/clock.js';
import { decodeJwtUnverified } from '../../src/jwt/decode.js';
import { createDummyHash } from '../../src/passwords/hash.js';
import { configFromEnv } from '../../src/server/config.js';
import { createServer } from '../../src/server/create-server.js';
import type { GatehouseApp } from '../../src/server/http.js';
import type { ServerContext } from '../../src/server/services.js';
import { loadServerKeys, reloadServerKeys } from '../../src/server/signing-keys.js';
import { openPostgres, type PostgresHandle } from '../../src/storage/postgres/database.js';
import { createSqlStores } from '../../src/storage/sql/index.js';
import { T0, type TokenPairBody } from '../support/server.js';
import {
  dropSchema,
  POSTGRES_URL,
  postgresReachable,
  serviceGate,
  uniqueSchema,
} from '../support/services.js';

const enabled = serviceGate('PostgreSQL', await postgresReachable());

interface Instance {
  app: GatehouseApp;
  context: ServerContext;
  handle: PostgresHandle;
}

describe.runIf(enabled)('two instances on one PostgreSQL', () => {
  const schema = uniqueSchema('gh_instances');
  const clock = createFixedClock(T0);
  const instances: Instance[] = [];

  beforeAll(async () => {
    const config = configFromEnv({
      GATEHOUSE_ISSUER: 'https://auth.test',
      GATEHOUSE_DATABASE_URL: POSTGRES_URL,
    });
    expect(config.keysSource).toBe('database');
    const dummyHash = await createDummyHash();
    const handles = await Promise.all([0, 1].map(() => openPostgres(POSTGRES_URL, { schema })));
    for (const handle of handles) {
      const stores = createSqlStores(handle.db, 'postgres');
      const { ring } = await loadServerKeys(config, stores.keys, clock);
      const { app, context } = await createServer({
        config,
        stores,
        keyRing: ring,
        dummyHash,
        clock,
        logger: false,
      });
      instances.push({ app, context, handle });
    }
  });

  afterAll(async () => {
    for (const i of instances) {
      await i.app.close();
      await i.handle.close();
    }
    await dropSchema(schema);
  });

  const at = (n: number) => instances[n] as Instance;
  const me = (n: number, token: string) =>
    at(n).app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: { authorization: `Bearer ${token}` },
    });
  const refresh = (n: number, token: string) =>
    at(n).app.inject({
      method: 'POST',
      url: '/v1/token',
      payload: { grant_type: 'refresh_token', refresh_token: token },
    });
  const login = async (n: number) =>
    (
      await at(n).app.inject({
        method: 'POST',
        url: '/v1/token',
        payload: {
          grant_type: 'password',
          username: 'multi@example.com',
          password: 'multi password',
        },
      })
    ).json() as TokenPairBody;

  it('both sign with the one key the first instance stored', () => {
    expect(at(0).context.keyRing.signingKey()?.kid).toBe(at(1).context.keyRing.signingKey()?.kid);
  });

  it('login on A; /v1/me and refresh on B; logout on B reaches A through the revocation feed', async () => {
    expect(
      (
        await at(0).app.inject({
          method: 'POST',
          url: '/v1/signup',
          payload: { email: 'multi@example.com', password: 'multi password' },
        })
      ).statusCode,
    ).toBe(201);
    const pair = await login(0);
    expect((await me(1, pair.access_token)).statusCode).toBe(200);
    const next = (await refresh(1, pair.refresh_token)).json() as TokenPairBody;
    expect((await me(0, next.access_token)).statusCode).toBe(200);

    expect(
      (
        await at(1).app.inject({
          method: 'POST',
          url: '/v1/logout',
          headers: { authorization: `Bearer ${next.access_token}` },
        })
      ).statusCode,
    ).toBe(204);
    expect((await me(1, next.access_token)).statusCode).toBe(401);
    // A learns at its next sync (every GATEHOUSE_REVOCATION_SYNC_INTERVAL, default 2 s): run it now.
    expect(await at(0).context.revocations.sync()).toBeGreaterThan(0);
    expect((await me(0, next.access_token)).statusCode).toBe(401);
  });

  it('keys rotate and retire through the CLI reach both instances', async () => {
    const url = new URL(POSTGRES_URL);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const env = { GATEHOUSE_DATABASE_URL: url.toString() };
    const out: string[] = [];
    const io: KeysCliIo = {
      ...processIo,
      env,
      stdout: (t: string) => void out.push(t),
      stderr: (t: string) => void out.push(t),
      clock,
    };
    const before = (await login(0)) as TokenPairBody;
    const oldKid = at(0).context.keyRing.signingKey()?.kid as string;

    // --delay=0: signs from the next reload (the delayed path: test/attack/keys.test.ts). A
    // second later than the first key: keys made in the same millisecond would tie.
    clock.advanceMs(1000);
    expect(await main(['keys', 'rotate', '--delay=0'], io)).toBe(0);
    for (const i of [0, 1])
      expect(
        await reloadServerKeys(
          at(i).context.keyRing,
          createSqlStores(at(i).handle.db, 'postgres').keys,
          clock.nowMs(),
        ),
      ).toBe(true);
    const newKid = at(0).context.keyRing.signingKey()?.kid as string;
    expect(newKid).not.toBe(oldKid);
    expect(at(1).context.keyRing.signingKey()?.kid).toBe(newKid);
    const after = (await login(1)) as TokenPairBody;
    expect(decodeJwtUnverified(after.access_token).header.kid).toBe(newKid);
    // Tokens signed before the rotation keep working until their key is retired.
    expect((await me(0, before.access_token)).statusCode).toBe(200);
    expect(await main(['keys', 'retire', `--kid=${newKid}`], io)).toBe(1);
    // Its tokens may be valid for another access-token lifetime: refused unless forced.
    expect(await main(['keys', 'retire', `--kid=${oldKid}`], io)).toBe(1);
    expect(await main(['keys', 'retire', `--kid=${oldKid}`, '--force'], io)).toBe(0);
    for (const i of [0, 1])
      await reloadServerKeys(
        at(i).context.keyRing,
        createSqlStores(at(i).handle.db, 'postgres').keys,
        clock.nowMs(),
      );
    expect((await me(1, before.access_token)).statusCode).toBe(401);
    expect((await me(1, after.access_token)).statusCode).toBe(200);
    expect(
      at(0)
        .context.keyRing.list()
        .map((k) => k.kid),
    ).toEqual([newKid]);
  });

  it('a refresh-token reuse detected on A revokes the session on B', async () => {
    const pair = await login(0);
    const next = (await refresh(0, pair.refresh_token)).json() as TokenPairBody;
    expect((await me(1, next.access_token)).statusCode).toBe(200);
    clock.advanceMs(11_000);
    expect((await refresh(0, pair.refresh_token)).statusCode).toBe(400);
    await at(1).context.revocations.sync();
    expect((await me(1, next.access_token)).statusCode).toBe(401);
    expect(decodeJwtUnverified(next.access_token).payload.sid).toBe(
      decodeJwtUnverified(pair.access_token).payload.sid,
    );
  });
});
