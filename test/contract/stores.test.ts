/**
 * One contract for every SQL backend: the same cases against SQLite and PostgreSQL, including
 * the concurrency of each atomic operation.
 */
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixedClock } from '../../src/core/clock.js';
import { systemRandom } from '../../src/core/random.js';
import { createOpaqueToken } from '../../src/core/tokens.js';
import type { SecurityEvent } from '../../src/limits/store.js';
import type { RefreshRecord } from '../../src/refresh/store.js';
import type { SessionRecord } from '../../src/sessions/store.js';
import { migrations } from '../../src/storage/migrations/index.js';
import { openPostgres } from '../../src/storage/postgres/database.js';
import type { Database } from '../../src/storage/schema.js';
import { createSqlStores } from '../../src/storage/sql/index.js';
import { openSqlite } from '../../src/storage/sqlite/database.js';
import type { Stores } from '../../src/storage/stores.js';
import {
  dropSchema,
  IN_CI,
  POSTGRES_URL,
  postgresReachable,
  serviceGate,
  uniqueSchema,
} from '../support/services.js';
import { checkLimiterContract } from './limiter.js';

interface Backend {
  readonly stores: Stores;
  readonly db: Kysely<Database>;
  close(): Promise<void>;
}

const pgReachable = await postgresReachable();

const backends: Array<[string, boolean, () => Promise<Backend>]> = [
  [
    'sqlite',
    true,
    async () => {
      const h = await openSqlite(':memory:');
      return { stores: createSqlStores(h.db, 'sqlite'), db: h.db, close: h.close };
    },
  ],
  [
    'postgres',
    serviceGate('PostgreSQL', pgReachable),
    async () => {
      const schema = uniqueSchema('gh_contract');
      const h = await openPostgres(POSTGRES_URL, { schema });
      return {
        stores: createSqlStores(h.db, 'postgres'),
        db: h.db,
        close: async () => {
          await h.close();
          await dropSchema(schema);
        },
      };
    },
  ],
];

if (IN_CI) {
  describe('services under CI', () => {
    it('PostgreSQL is reachable', () => {
      expect(pgReachable, `PostgreSQL at ${POSTGRES_URL.replace(/:[^:@/]*@/, ':***@')}`).toBe(true);
    });
  });
}

const T = 1_800_000_000_000;
const user = (id: string, email: string) => ({
  id,
  email,
  passwordHash: '$argon2id$x',
  createdAtMs: T,
  updatedAtMs: T,
});
const session = (
  id: string,
  userId: string,
  extra: Partial<SessionRecord> = {},
): SessionRecord => ({
  id,
  userId,
  kind: 'token',
  secretHash: null,
  createdAtMs: T,
  lastUsedAtMs: T,
  expiresAtMs: T + 86_400_000,
  userAgent: 'ua',
  ip: '127.0.0.1',
  revokedAtMs: null,
  ...extra,
});
const refreshRecord = (sessionId: string, extra: Partial<RefreshRecord> = {}): RefreshRecord => ({
  id: createOpaqueToken(systemRandom).id,
  sessionId,
  secretHash: 'hash',
  createdAtMs: T,
  expiresAtMs: T + 1000,
  consumedAtMs: null,
  replayCiphertext: null,
  replayExpiresAtMs: null,
  ...extra,
});

describe.each(backends)('%s store contract', (_name, enabled, open) => {
  let backend: Backend;
  beforeAll(async () => {
    if (enabled) backend = await open();
  });
  afterAll(async () => {
    if (enabled) await backend.close();
  });

  it.runIf(enabled)('accounts: unique emails, lookups, password updates', async () => {
    const { accounts } = backend.stores;
    expect(await accounts.createUser(user('u1', 'a@x.io'))).toBe(true);
    expect(await accounts.createUser(user('u2', 'a@x.io'))).toBe(false);
    expect((await accounts.findUserByEmail('a@x.io'))?.id).toBe('u1');
    expect(await accounts.findUserByEmail('b@x.io')).toBeNull();
    expect(await accounts.updatePasswordHash('u1', '$argon2id$y', T + 5)).toBe(true);
    // Only while the given address is the account's.
    expect(await accounts.updatePasswordHash('u1', '$argon2id$z', T + 5, 'other@x.io')).toBe(false);
    expect(await accounts.updatePasswordHash('nobody', '$argon2id$z', T + 5)).toBe(false);
    expect(await accounts.findUserById('u1')).toMatchObject({
      passwordHash: '$argon2id$y',
      updatedAtMs: T + 5,
      createdAtMs: T,
    });
  });

  it.runIf(enabled)(
    'accounts: changeEmail moves an address (verified), refuses a taken one, and of 10 concurrent moves to one address exactly one wins',
    async () => {
      const { accounts } = backend.stores;
      const run = createOpaqueToken(systemRandom).id.slice(0, 8).toLowerCase();
      const at = (name: string) => `${name}-${run}@x.io`;
      expect(await accounts.createUser(user(`ce1-${run}`, at('one')))).toBe(true);
      expect(await accounts.createUser(user(`ce2-${run}`, at('two')))).toBe(true);
      expect(await accounts.changeEmail(`ce1-${run}`, at('moved'), T + 7, T + 8)).toBe('changed');
      expect(await accounts.findUserById(`ce1-${run}`)).toMatchObject({
        email: at('moved'),
        emailVerifiedAtMs: T + 7,
        updatedAtMs: T + 8,
      });
      expect(await accounts.findUserByEmail(at('one'))).toBeNull();
      // Its own address again: no conflict with itself.
      expect(await accounts.changeEmail(`ce1-${run}`, at('moved'), T + 9, T + 9)).toBe('changed');
      expect(await accounts.changeEmail(`ce1-${run}`, at('two'), T + 9, T + 9)).toBe('taken');
      expect((await accounts.findUserById(`ce1-${run}`))?.email).toBe(at('moved'));
      expect(await accounts.changeEmail(`nobody-${run}`, at('free'), T, T)).toBe('gone');

      const ids = Array.from({ length: 10 }, (_, i) => `race${i}-${run}`);
      for (const id of ids) await accounts.createUser(user(id, `${id}@x.io`));
      const outcomes = await Promise.all(
        ids.map((id) => accounts.changeEmail(id, at('contested'), T, T)),
      );
      expect(outcomes.filter((o) => o === 'changed')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'taken')).toHaveLength(9);
      const winner = ids[outcomes.indexOf('changed')];
      expect((await accounts.findUserByEmail(at('contested')))?.id).toBe(winner);
    },
  );

  it.runIf(enabled)(
    'accounts: a confirmed change loses to an undo link spent since it was issued, also when they race',
    async () => {
      const { accounts, emailTokens } = backend.stores;
      const run = createOpaqueToken(systemRandom).id.slice(0, 8).toLowerCase();
      const id = `undo-${run}`;
      const at = (name: string) => `${name}-${run}@x.io`;
      await accounts.createUser(user(id, at('old')));
      const undoLink = async (name: string, createdAtMs: number) => {
        const token = {
          id: `${name}-${run}`,
          secretHash: 'h',
          purpose: 'undo_email_change' as const,
          userId: id,
          email: at('old'),
          createdAtMs,
          expiresAtMs: createdAtMs + 60_000,
          consumedAtMs: null,
        };
        const message = {
          id: `m-${name}-${run}`,
          to: at('old'),
          subject: 's',
          text: 't',
          html: 'h',
        };
        await emailTokens.issueToken(token, message);
        return token.id;
      };
      // Spent before the change was issued: no effect.
      const earlier = await undoLink('u1', T);
      expect(await emailTokens.consumeToken(earlier, 'undo_email_change', T + 10)).toBe(true);
      expect(await accounts.changeEmail(id, at('new'), T + 20, T + 20, T + 11)).toBe('changed');
      expect(await accounts.changeEmail(id, at('old'), T + 21, T + 21)).toBe('changed');
      // Spent at or after it: undone, nothing changes.
      expect(await accounts.changeEmail(id, at('new'), T + 20, T + 20, T + 10)).toBe('undone');
      expect((await accounts.findUserById(id))?.email).toBe(at('old'));
      expect(await accounts.changeEmail(`nobody-${run}`, at('x'), T, T, T)).toBe('gone');

      // Racing: whichever order, the old address is where it ends.
      for (let round = 0; round < 5; round++) {
        const since = T + 1000 * (round + 1);
        const undo = await undoLink(`r${round}`, since);
        await Promise.all([
          accounts.changeEmail(id, at(`new${round}`), since + 1, since + 1, since),
          (async () => {
            expect(await emailTokens.consumeToken(undo, 'undo_email_change', since + 1)).toBe(true);
            await accounts.changeEmail(id, at('old'), since + 1, since + 1);
          })(),
        ]);
        expect((await accounts.findUserById(id))?.email, `round ${round}`).toBe(at('old'));
      }
    },
  );

  it.runIf(enabled)(
    'accounts: list by email (paged, literal filter), disable, delete',
    async () => {
      const { accounts, sessions, roles, events } = backend.stores;
      for (const [id, email] of [
        ['pg1', 'pg1@list.io'],
        ['pg2', 'pg2@list.io'],
        ['p_g', 'p_g@other.io'],
      ] as const)
        await accounts.createUser(user(id, email));
      const emails = async (query: Parameters<typeof accounts.listUsers>[0]) =>
        (await accounts.listUsers(query)).map((u) => u.email);
      expect(await emails({ emailContains: '@list.io', limit: 1 })).toEqual(['pg1@list.io']);
      expect(
        await emails({ emailContains: '@list.io', afterEmail: 'pg1@list.io', limit: 1 }),
      ).toEqual(['pg2@list.io']);
      // LIKE's wildcards are literal: '_g' is not "any character, then g".
      expect(await emails({ emailContains: '_g', limit: 10 })).toEqual(['p_g@other.io']);
      expect(await emails({ emailContains: '%', limit: 10 })).toEqual([]);

      expect(await accounts.setUserDisabled('pg1', T + 1, T + 1)).toBe(true);
      expect(await accounts.findUserById('pg1')).toMatchObject({ disabledAtMs: T + 1 });
      // Already disabled: no change, and the first time stays.
      expect(await accounts.setUserDisabled('pg1', T + 5, T + 5)).toBe(false);
      expect(await accounts.findUserById('pg1')).toMatchObject({ disabledAtMs: T + 1 });
      expect(await accounts.setUserDisabled('pg1', null, T + 2)).toBe(true);
      expect(await accounts.findUserById('pg1')).toMatchObject({ disabledAtMs: null });
      expect(await accounts.setUserDisabled('pg1', null, T + 2)).toBe(false);
      expect(await accounts.setUserDisabled('missing', T + 1, T + 1)).toBe(false);
      // Of parallel writes, exactly one changes it each way.
      const parallel = (disabledAtMs: number | null) =>
        Promise.all(
          Array.from({ length: 20 }, () => accounts.setUserDisabled('pg1', disabledAtMs, T + 3)),
        );
      expect((await parallel(T + 3)).filter(Boolean)).toHaveLength(1);
      expect((await parallel(null)).filter(Boolean)).toHaveLength(1);

      await sessions.createSession(session('pg2-session', 'pg2'));
      await roles.addUserRole('pg2', 'editor', T);
      await events.recordEvent({
        type: 'login',
        userId: 'pg2',
        sessionId: 'pg2-session',
        ip: '192.0.2.1',
        userAgent: 'ua',
        atMs: T,
      });
      // Of parallel deletions, one deletes.
      const deletions = await Promise.all(
        Array.from({ length: 20 }, () => accounts.deleteUser('pg2')),
      );
      expect(deletions.filter(Boolean)).toHaveLength(1);
      expect(await accounts.findUserByEmail('pg2@list.io')).toBeNull();
      expect(await sessions.findSession('pg2-session')).toBeNull();
      expect(await roles.listUserRoles('pg2')).toEqual([]);
      expect(await events.listEvents({ userId: 'pg2', limit: 10 })).toEqual([]);
      expect(await accounts.deleteUser('pg2')).toBe(false);
      expect(await accounts.findUserById('pg1')).not.toBeNull();
    },
  );

  it.runIf(enabled)(
    'sessions: create, touch, list active, revoke one and all but one, list revoked',
    async () => {
      const { accounts, sessions } = backend.stores;
      await accounts.createUser(user('s-user', 's@x.io'));
      for (const id of ['s1', 's2', 's3']) await sessions.createSession(session(id, 's-user'));
      await sessions.createSession(session('s-old', 's-user', { expiresAtMs: T + 1 }));
      await sessions.touchSession('s1', T + 100);
      await sessions.touchSession('s1', T + 50);
      expect((await sessions.findSession('s1'))?.lastUsedAtMs).toBe(T + 100);
      expect((await sessions.listUserSessions('s-user', T + 10)).map((s) => s.id).sort()).toEqual([
        's1',
        's2',
        's3',
      ]);
      expect(await sessions.revokeSession('s1', T + 200, 'logout')).toBe(true);
      expect(await sessions.revokeSession('s1', T + 300, 'logout')).toBe(false);
      expect((await sessions.findSession('s1'))?.revokedAtMs).toBe(T + 200);
      expect(
        (await sessions.revokeUserSessions('s-user', T + 400, 'password_changed', 's3')).sort(),
      ).toEqual(['s-old', 's2']);
      expect((await sessions.listUserSessions('s-user', T + 10)).map((s) => s.id)).toEqual(['s3']);
      expect((await sessions.listRevokedSince(T + 250)).map((r) => r.id).sort()).toEqual([
        's-old',
        's2',
      ]);
      // Parallel revocations: each session is reported by the one call that ended it.
      for (const id of ['s4', 's5', 's6']) await sessions.createSession(session(id, 's-user'));
      const reported = await Promise.all(
        Array.from({ length: 20 }, () =>
          sessions.revokeUserSessions('s-user', T + 450, 'account_disabled'),
        ),
      );
      expect(reported.flat().sort()).toEqual(['s3', 's4', 's5', 's6']);
      expect(await sessions.findSession('missing')).toBeNull();
    },
  );

  it.runIf(enabled)(
    'refresh: 50 concurrent consumes of one token leave exactly one winner and one successor',
    async () => {
      const { accounts, sessions, refresh } = backend.stores;
      await accounts.createUser(user('r-user', 'r@x.io'));
      await sessions.createSession(session('r-session', 'r-user'));
      const record = refreshRecord('r-session');
      await refresh.insertRefreshToken(record);
      expect(await refresh.findRefreshToken(record.id)).toEqual(record);
      const successors = Array.from({ length: 50 }, () => refreshRecord('r-session'));
      const results = await Promise.all(
        successors.map((successor, i) =>
          refresh.consumeRefreshToken(
            record.id,
            T + i,
            { ciphertext: `c${i}`, expiresAtMs: T + 10_000 },
            successor,
          ),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      const consumed = await refresh.findRefreshToken(record.id);
      expect(consumed).toMatchObject({ consumedAtMs: T + winner, replayCiphertext: `c${winner}` });
      const stored = await backend.db
        .selectFrom('refresh_tokens')
        .select('id')
        .where('session_id', '=', 'r-session')
        .execute();
      expect(stored).toHaveLength(2);
      expect(stored.map((r) => r.id)).toContain(successors[winner]?.id);
    },
  );

  it.runIf(enabled)(
    'limits: reservations equal the policy; of 100 parallel attempts exactly the free ones and one more pass; refunds and pruning',
    async () => {
      await checkLimiterContract(backend.stores.limits, T, { prunes: true });
    },
  );

  it.runIf(enabled)(
    'signing keys: of five instances storing an initial key at once, exactly one wins',
    async () => {
      const { keys } = backend.stores;
      expect(await keys.listSigningKeys()).toEqual([]);
      const results = await Promise.all(
        [0, 1, 2, 3, 4].map((i) =>
          keys.addInitialSigningKey({ kid: `k${i}`, privateJwk: `{"i":${i}}`, createdAtMs: T + i }),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const stored = await keys.listSigningKeys();
      expect(stored).toHaveLength(1);
      expect(stored[0]?.kid).toBe(`k${results.indexOf(true)}`);
      // A rotation adds a newer key (listed first); retiring removes one.
      await keys.addSigningKey({ kid: 'rotated', privateJwk: '{}', createdAtMs: T + 100 });
      expect((await keys.listSigningKeys()).map((k) => k.kid)).toEqual([
        'rotated',
        `k${results.indexOf(true)}`,
      ]);
      expect(await keys.removeSigningKey(`k${results.indexOf(true)}`)).toBe(true);
      expect(await keys.removeSigningKey('missing')).toBe(false);
      expect((await keys.listSigningKeys()).map((k) => k.kid)).toEqual(['rotated']);
    },
  );

  it.runIf(enabled)('security events are recorded; ping answers', async () => {
    await backend.stores.events.recordEvent({
      type: 'refresh_reuse',
      userId: 'u',
      sessionId: 's',
      ip: null,
      userAgent: null,
      atMs: T,
    });
    await backend.stores.events.recordEvent({
      type: 'login_failed',
      userId: null,
      sessionId: null,
      ip: '1.2.3.4',
      userAgent: 'curl/8',
      atMs: T,
    });
    const rows = await backend.db
      .selectFrom('security_events')
      .select(['type'])
      .orderBy('type')
      .execute();
    expect(rows.map((r) => r.type)).toEqual(['login_failed', 'refresh_reuse']);
    await expect(backend.stores.ping()).resolves.toBeUndefined();
  });

  it.runIf(enabled)(
    'security events: listEvents filters, newest first, up to the limit',
    async () => {
      const { events } = backend.stores;
      // A user id of this run only: the PostgreSQL database may hold other runs' rows.
      const userId = `ev-${createOpaqueToken(systemRandom).id}`;
      const at = (type: SecurityEvent['type'], atMs: number, sessionId: string | null = null) =>
        events.recordEvent({ type, userId, sessionId, ip: '10.0.0.1', userAgent: 'ua/1', atMs });
      await at('signup', T + 1);
      await at('login', T + 2, 's1');
      await at('login_failed', T + 3);
      await at('login', T + 4, 's2');
      await at('logout', T + 5, 's2');
      await events.recordEvent({
        type: 'login',
        userId: `${userId}-other`,
        sessionId: null,
        ip: null,
        userAgent: null,
        atMs: T + 3,
      });

      const all = await events.listEvents({ userId, limit: 100 });
      expect(all.map((e) => e.atMs)).toEqual([T + 5, T + 4, T + 3, T + 2, T + 1]);
      expect(all[0]).toEqual({
        type: 'logout',
        userId,
        sessionId: 's2',
        ip: '10.0.0.1',
        userAgent: 'ua/1',
        atMs: T + 5,
      });
      expect(
        (await events.listEvents({ userId, type: 'login', limit: 100 })).map((e) => e.sessionId),
      ).toEqual(['s2', 's1']);
      // Both bounds are inclusive.
      expect(
        (await events.listEvents({ userId, sinceMs: T + 2, untilMs: T + 4, limit: 100 })).map(
          (e) => e.type,
        ),
      ).toEqual(['login', 'login_failed', 'login']);
      expect((await events.listEvents({ userId, limit: 2 })).map((e) => e.atMs)).toEqual([
        T + 5,
        T + 4,
      ]);
      expect(await events.listEvents({ userId, type: 'refresh_reuse', limit: 10 })).toEqual([]);
      expect(await events.listEvents({ userId, sinceMs: T + 6, limit: 10 })).toEqual([]);
      const anyone = await events.listEvents({
        type: 'login',
        sinceMs: T + 3,
        untilMs: T + 3,
        limit: 10,
      });
      expect(anyone.map((e) => e.userId)).toContain(`${userId}-other`);
    },
  );

  it.runIf(enabled)(
    'security events: pageEvents pages newest first by (time, id) with no gap or repeat, and reads the actor',
    async () => {
      const { events } = backend.stores;
      const userId = `pg-${createOpaqueToken(systemRandom).id}`;
      // Seven events at three instants: ties are broken by id.
      for (const [i, atMs] of [T + 1, T + 1, T + 2, T + 2, T + 2, T + 3, T + 3].entries())
        await events.recordEvent({
          type: 'login',
          userId,
          sessionId: `s${i}`,
          ip: null,
          userAgent: null,
          atMs,
          ...(i === 0 ? { actor: 'admin_token' } : {}),
        });
      const all = await events.pageEvents({ userId, limit: 100 });
      expect(all).toHaveLength(7);
      const seen: string[] = [];
      let after: { atMs: number; id: string } | undefined;
      for (;;) {
        const page = await events.pageEvents({ userId, limit: 3, ...(after ? { after } : {}) });
        seen.push(...page.map((e) => e.id));
        const last = page.at(-1);
        if (page.length < 3 || last === undefined) break;
        after = { atMs: last.atMs, id: last.id };
      }
      expect(seen).toEqual(all.map((e) => e.id));
      expect(all.map((e) => e.atMs)).toEqual([T + 3, T + 3, T + 2, T + 2, T + 2, T + 1, T + 1]);
      expect(all.filter((e) => e.actor === 'admin_token').map((e) => e.sessionId)).toEqual(['s0']);
      expect(all.filter((e) => e.actor === null)).toHaveLength(6);
      // The filters of listEvents hold here too.
      expect(
        (await events.pageEvents({ userId, sinceMs: T + 2, untilMs: T + 2, limit: 10 })).map(
          (e) => e.atMs,
        ),
      ).toEqual([T + 2, T + 2, T + 2]);
    },
  );

  it.runIf(enabled)(
    'retention (runs last: it prunes what earlier tests left too): ended sessions (with their refresh tokens), expired refresh tokens, old events and replay ciphertexts go; the rest stays',
    async () => {
      const { accounts, sessions, refresh, events } = backend.stores;
      await accounts.createUser(user('p-user', 'p@x.io'));
      await sessions.createSession(session('p-live', 'p-user'));
      await sessions.createSession(session('p-revoked', 'p-user'));
      await sessions.createSession(session('p-expired', 'p-user', { expiresAtMs: T + 10 }));
      await sessions.revokeSession('p-revoked', T + 5, 'logout');
      const live = refreshRecord('p-live', { expiresAtMs: T + 10_000 });
      const consumed = refreshRecord('p-live', {
        expiresAtMs: T + 10_000,
      });
      const expired = refreshRecord('p-live', { expiresAtMs: T + 50 });
      const ofRevoked = refreshRecord('p-revoked', { expiresAtMs: T + 10_000 });
      for (const r of [live, consumed, expired, ofRevoked]) await refresh.insertRefreshToken(r);
      const successor = refreshRecord('p-live', { expiresAtMs: T + 10_000 });
      expect(
        await refresh.consumeRefreshToken(
          consumed.id,
          T + 1,
          { ciphertext: 'c', expiresAtMs: T + 20 },
          successor,
        ),
      ).toBe(true);
      await events.recordEvent({
        type: 'login_failed',
        userId: null,
        sessionId: null,
        ip: null,
        userAgent: null,
        atMs: T,
      });
      await events.recordEvent({
        type: 'login_failed',
        userId: null,
        sessionId: null,
        ip: null,
        userAgent: null,
        atMs: T + 100,
      });

      // Before anything of ours ended: none of it goes.
      await sessions.pruneSessions(T + 5);
      await refresh.pruneRefreshTokens(T + 19);
      expect(await sessions.findSession('p-revoked')).not.toBeNull();
      expect(await sessions.findSession('p-expired')).not.toBeNull();
      expect((await refresh.findRefreshToken(consumed.id))?.replayCiphertext).toBe('c');
      expect(await refresh.findRefreshToken(expired.id)).not.toBeNull();

      expect(await refresh.pruneRefreshTokens(T + 60)).toBeGreaterThanOrEqual(1);
      expect(await refresh.findRefreshToken(expired.id)).toBeNull();
      // A consumed token stays (its reuse must still be recognised), without its replay.
      expect(await refresh.findRefreshToken(consumed.id)).toMatchObject({
        consumedAtMs: T + 1,
        replayCiphertext: null,
        replayExpiresAtMs: null,
      });
      expect(await sessions.pruneSessions(T + 11)).toBeGreaterThanOrEqual(2);
      expect(await sessions.findSession('p-revoked')).toBeNull();
      expect(await sessions.findSession('p-expired')).toBeNull();
      expect(await sessions.findSession('p-live')).not.toBeNull();
      expect(await refresh.findRefreshToken(ofRevoked.id)).toBeNull();
      expect(await refresh.findRefreshToken(live.id)).not.toBeNull();
      expect(await events.pruneEvents(T + 50)).toBeGreaterThanOrEqual(1);
      expect(await events.pruneEvents(T + 50)).toBe(0);
      expect(await events.pruneEvents(T + 101)).toBeGreaterThanOrEqual(1);
    },
  );
});

describe('the clock used by these cases is fixed', () => {
  it('does not read the wall clock', () => {
    expect(createFixedClock(T).nowMs()).toBe(T);
  });
});

describe.runIf(pgReachable)('keys shared through PostgreSQL', () => {
  it('two instances starting at once end up with the same signing key', async () => {
    const schema = uniqueSchema('gh_keys');
    const { loadServerKeys } = await import('../../src/server/signing-keys.js');
    try {
      const handles = await Promise.all([0, 1].map(() => openPostgres(POSTGRES_URL, { schema })));
      const config = { jwtSecret: null, signingKeysPath: '', keysSource: 'database' as const };
      const rings = await Promise.all(
        handles.map((h) =>
          loadServerKeys(config, createSqlStores(h.db, 'postgres').keys, createFixedClock(T)),
        ),
      );
      expect(rings.filter((r) => r.created)).toHaveLength(1);
      expect(rings[0]?.ring.signingKey()?.kid).toBe(rings[1]?.ring.signingKey()?.kid);
      expect(rings[0]?.ring.signingKey()?.kind).toBe('private');
      await Promise.all(handles.map((h) => h.close()));
    } finally {
      await dropSchema(schema);
    }
  });
});

describe.runIf(pgReachable)('PostgreSQL migrations', () => {
  it('migrate each schema on its own, even when another schema of the database is already migrated', async () => {
    const first = uniqueSchema('gh_first');
    const second = uniqueSchema('gh_second');
    try {
      const a = await openPostgres(POSTGRES_URL, { schema: first });
      const b = await openPostgres(POSTGRES_URL, { schema: second });
      expect(a.applied).toEqual(Object.keys(migrations));
      expect(b.applied).toEqual(Object.keys(migrations));
      await expect(
        createSqlStores(b.db, 'postgres').accounts.createUser({
          id: 'x',
          email: 'x@x.io',
          passwordHash: 'h',
          createdAtMs: T,
          updatedAtMs: T,
        }),
      ).resolves.toBe(true);
      await a.close();
      await b.close();
    } finally {
      await dropSchema(first);
      await dropSchema(second);
    }
  });

  it('three instances starting at once on a new schema: migrated exactly once, all usable', async () => {
    const schema = uniqueSchema('gh_migrate');
    try {
      const handles = await Promise.all(
        [0, 1, 2].map(() => openPostgres(POSTGRES_URL, { schema })),
      );
      expect(handles.map((h) => h.applied.length).sort()).toEqual([
        0,
        0,
        Object.keys(migrations).length,
      ]);
      for (const h of handles)
        await expect(createSqlStores(h.db, 'postgres').ping()).resolves.toBeUndefined();
      await Promise.all(handles.map((h) => h.close()));
    } finally {
      await dropSchema(schema);
    }
  });
});
