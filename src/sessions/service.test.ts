import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../test/support/random.js';
import { createFixedClock } from '../core/clock.js';
import type { RandomSource } from '../core/random.js';
import type { SessionPolicy } from './policy.js';
import { createSessionService } from './service.js';
import type { SessionRecord, SessionStore } from './store.js';

const T0 = 1_700_000_000_000;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const POLICY: SessionPolicy = {
  absoluteTtlMs: 8 * HOUR,
  idleTtlMs: 30 * MINUTE,
  touchIntervalMs: MINUTE,
};

const META = { userAgent: 'Mozilla/5.0 (test)', ip: '203.0.113.7' };

/** Random bytes that are all `value`, each call: ids that start with a chosen character. */
function constantRandom(value: number): RandomSource {
  return { bytes: (length) => new Uint8Array(length).fill(value) };
}

type StoredSession = SessionRecord & { revokeReason: string | null };

/** An in-memory SessionStore with the SQL store's semantics, and a log of the writes. */
function createMemoryStore() {
  const rows = new Map<string, StoredSession>();
  const touches: Array<{ id: string; nowMs: number }> = [];
  const finds: string[] = [];
  const copy = ({ revokeReason: _r, ...session }: StoredSession): SessionRecord => ({ ...session });
  const store: SessionStore = {
    async createSession(session) {
      if (rows.has(session.id)) throw new Error(`duplicate session id ${session.id}`);
      rows.set(session.id, { ...session, revokeReason: null });
    },
    async findSession(id) {
      finds.push(id);
      const row = rows.get(id);
      return row === undefined ? null : copy(row);
    },
    async touchSession(id, nowMs) {
      touches.push({ id, nowMs });
      const row = rows.get(id);
      if (row !== undefined && row.lastUsedAtMs < nowMs)
        rows.set(id, { ...row, lastUsedAtMs: nowMs });
    },
    async listUserSessions(userId, nowMs) {
      return [...rows.values()]
        .filter((r) => r.userId === userId && r.revokedAtMs === null && r.expiresAtMs > nowMs)
        .sort((a, b) => b.createdAtMs - a.createdAtMs)
        .map(copy);
    },
    async revokeSession(id, nowMs, reason) {
      const row = rows.get(id);
      if (row === undefined || row.revokedAtMs !== null) return false;
      rows.set(id, { ...row, revokedAtMs: nowMs, revokeReason: reason });
      return true;
    },
    async revokeUserSessions(userId, nowMs, reason, exceptId) {
      const ids: string[] = [];
      for (const row of rows.values()) {
        if (row.userId !== userId || row.revokedAtMs !== null || row.id === exceptId) continue;
        rows.set(row.id, { ...row, revokedAtMs: nowMs, revokeReason: reason });
        ids.push(row.id);
      }
      return ids;
    },
    async listRevokedSince(sinceMs) {
      return [...rows.values()]
        .filter((r) => r.revokedAtMs !== null && r.revokedAtMs >= sinceMs)
        .map((r) => ({ id: r.id, revokedAtMs: r.revokedAtMs as number }));
    },
    async pruneSessions(endedBeforeMs) {
      let n = 0;
      for (const [id, r] of rows)
        if (
          (r.revokedAtMs !== null && r.revokedAtMs < endedBeforeMs) ||
          r.expiresAtMs < endedBeforeMs
        ) {
          rows.delete(id);
          n++;
        }
      return n;
    },
  };
  return { store, rows, touches, finds };
}

function setup(options: { policy?: SessionPolicy; random?: RandomSource } = {}) {
  const clock = createFixedClock(T0);
  const memory = createMemoryStore();
  const revocations: Array<{ ids: readonly string[]; atMs: number }> = [];
  const service = createSessionService({
    store: memory.store,
    policy: options.policy ?? POLICY,
    clock,
    random: options.random ?? seededRandom(0x2545f491),
    onRevoked: (ids, atMs) => revocations.push({ ids: [...ids], atMs }),
  });
  return { clock, service, revocations, ...memory };
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64url');

describe('start', () => {
  it('a cookie session: id starting with c, cookie <id>.<secret>, only the hash stored', async () => {
    const { service, rows } = setup();
    const { session, cookieValue } = await service.start('user-1', 'cookie', META);
    expect(session.id).toMatch(/^c[A-Za-z0-9_-]{21}$/);
    expect(cookieValue).not.toBeNull();
    const [id, secret, ...rest] = (cookieValue as string).split('.');
    expect(id).toBe(session.id);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(rest).toEqual([]);
    const stored = rows.get(session.id);
    expect(stored).toEqual({
      id: session.id,
      userId: 'user-1',
      kind: 'cookie',
      secretHash: sha256(secret as string),
      createdAtMs: T0,
      lastUsedAtMs: T0,
      expiresAtMs: T0 + POLICY.absoluteTtlMs,
      userAgent: META.userAgent,
      ip: META.ip,
      revokedAtMs: null,
      revokeReason: null,
    });
    // Whoever reads the database cannot present the cookie.
    expect(JSON.stringify(stored)).not.toContain(secret as string);
    expect(JSON.stringify(session)).not.toContain(secret as string);
  });

  it('a token session: id starting with t, no cookie, no secret hash', async () => {
    const { service, rows } = setup();
    const { session, cookieValue } = await service.start('user-1', 'token', META);
    expect(session.id).toMatch(/^t[A-Za-z0-9_-]{21}$/);
    expect(cookieValue).toBeNull();
    expect(session.secretHash).toBeNull();
    expect(rows.get(session.id)).toMatchObject({ kind: 'token', secretHash: null });
  });

  it.each([
    ['A', 0x00],
    ['c', 0x71],
    ['t', 0xb7],
    ['_', 0xff],
  ])(
    'the kind decides the first character whatever the random id starts with (%s)',
    async (_c, byte) => {
      for (const kind of ['cookie', 'token'] as const) {
        const { service } = setup({ random: constantRandom(byte) });
        const { session } = await service.start('user-1', kind, META);
        expect(session.id[0]).toBe(kind === 'cookie' ? 'c' : 't');
        expect(session.id).toHaveLength(22);
      }
    },
  );

  it('gives every session its own id and secret', async () => {
    const { service } = setup();
    const cookies = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const { cookieValue } = await service.start('user-1', 'cookie', META);
      cookies.add(cookieValue as string);
    }
    expect(new Set([...cookies].map((c) => c.split('.')[0])).size).toBe(10);
    expect(new Set([...cookies].map((c) => c.split('.')[1])).size).toBe(10);
  });

  it('keeps at most 512 characters of the user agent', async () => {
    const { service, rows } = setup();
    const { session } = await service.start('user-1', 'cookie', {
      userAgent: 'x'.repeat(2_000),
      ip: null,
    });
    expect(session.userAgent).toBe('x'.repeat(512));
    expect(rows.get(session.id)?.userAgent).toBe('x'.repeat(512));
    expect(rows.get(session.id)?.ip).toBeNull();
  });
});

describe('authenticateCookie', () => {
  it('returns the session for its cookie', async () => {
    const { service } = setup();
    const { session, cookieValue } = await service.start('user-1', 'cookie', META);
    expect(await service.authenticateCookie(cookieValue as string)).toEqual(session);
  });

  it('is null for a wrong secret, another session’s secret, or an unknown id', async () => {
    const { service } = setup();
    const a = await service.start('user-1', 'cookie', META);
    const b = await service.start('user-1', 'cookie', META);
    const [idA, secretA] = (a.cookieValue as string).split('.') as [string, string];
    const [idB, secretB] = (b.cookieValue as string).split('.') as [string, string];
    const flipped = `${secretA[0] === 'A' ? 'B' : 'A'}${secretA.slice(1)}`;
    expect(flipped).not.toBe(secretA);
    expect(await service.authenticateCookie(`${idA}.${flipped}`)).toBeNull();
    expect(await service.authenticateCookie(`${idA}.${secretB}`)).toBeNull();
    expect(await service.authenticateCookie(`${idB}.${secretA}`)).toBeNull();
    const unknownId = `c${'Z'.repeat(21)}`;
    expect(await service.authenticateCookie(`${unknownId}.${secretA}`)).toBeNull();
    // And the right pairs still work.
    expect((await service.authenticateCookie(a.cookieValue as string))?.id).toBe(idA);
  });

  it('is null for a token session, whatever secret comes with its id', async () => {
    const { service } = setup();
    const { session } = await service.start('user-1', 'token', META);
    expect(await service.authenticateCookie(`${session.id}.${'A'.repeat(43)}`)).toBeNull();
  });

  it('rejects malformed values without a storage read', async () => {
    const { service, finds } = setup();
    const { cookieValue } = await service.start('user-1', 'cookie', META);
    const value = cookieValue as string;
    const [id, secret] = value.split('.') as [string, string];
    const malformed = [
      '',
      id,
      `${id}.`,
      `.${secret}`,
      `${id}.${secret}.`,
      `${id}.${secret}x`,
      `${id}.${secret.slice(1)}`,
      `${id}x.${secret}`,
      ` ${value}`,
      `${value} `,
      `${id}.${secret.slice(0, -1)}=`,
      `${id}.${secret.slice(0, -1)}+`,
      `${id}:${secret}`,
      value.replace('.', '%2E'),
    ];
    for (const candidate of malformed) {
      expect(await service.authenticateCookie(candidate)).toBeNull();
    }
    expect(finds).toEqual([]);
  });

  it('is null for a revoked session', async () => {
    const { service } = setup();
    const { session, cookieValue } = await service.start('user-1', 'cookie', META);
    await service.revoke(session.id, 'logout');
    expect(await service.authenticateCookie(cookieValue as string)).toBeNull();
  });

  it('idle timeout: active at lastUsed + idle - 1 ms, null at lastUsed + idle', async () => {
    const { service, clock } = setup();
    const a = await service.start('user-1', 'cookie', META);
    const b = await service.start('user-1', 'cookie', META);
    clock.setMs(T0 + POLICY.idleTtlMs - 1);
    expect((await service.authenticateCookie(a.cookieValue as string))?.id).toBe(a.session.id);
    clock.setMs(T0 + POLICY.idleTtlMs);
    expect(await service.authenticateCookie(b.cookieValue as string)).toBeNull();
  });

  it('a use renews the idle timeout from the time it was recorded', async () => {
    const { service, clock } = setup();
    const { cookieValue } = await service.start('user-1', 'cookie', META);
    const used = T0 + 20 * MINUTE;
    clock.setMs(used);
    expect((await service.authenticateCookie(cookieValue as string))?.lastUsedAtMs).toBe(used);
    clock.setMs(used + POLICY.idleTtlMs - 1);
    expect(await service.authenticateCookie(cookieValue as string)).not.toBeNull();
  });

  it('the renewed idle timeout ends at the new lastUsed + idle', async () => {
    const { service, clock } = setup();
    const { cookieValue } = await service.start('user-1', 'cookie', META);
    const used = T0 + 20 * MINUTE;
    clock.setMs(used);
    await service.authenticateCookie(cookieValue as string);
    clock.setMs(used + POLICY.idleTtlMs);
    expect(await service.authenticateCookie(cookieValue as string)).toBeNull();
  });

  it('absolute timeout: active at expiresAt - 1 ms, null at expiresAt, however recently used', async () => {
    const { service, clock } = setup();
    const a = await service.start('user-1', 'cookie', META);
    const b = await service.start('user-1', 'cookie', META);
    // Keep both sessions busy so that only the absolute limit can end them.
    for (let t = T0 + 20 * MINUTE; t < T0 + POLICY.absoluteTtlMs; t += 20 * MINUTE) {
      clock.setMs(t);
      expect(await service.authenticateCookie(a.cookieValue as string)).not.toBeNull();
      expect(await service.authenticateCookie(b.cookieValue as string)).not.toBeNull();
    }
    const end = T0 + POLICY.absoluteTtlMs;
    clock.setMs(end - 1);
    expect((await service.authenticateCookie(a.cookieValue as string))?.expiresAtMs).toBe(end);
    clock.setMs(end);
    expect(await service.authenticateCookie(b.cookieValue as string)).toBeNull();
    expect(await service.authenticateCookie(a.cookieValue as string)).toBeNull();
  });

  it('writes lastUsed only once the touch interval has passed', async () => {
    const { service, clock, touches, rows } = setup();
    const { session, cookieValue } = await service.start('user-1', 'cookie', META);
    const cookie = cookieValue as string;

    clock.setMs(T0 + POLICY.touchIntervalMs - 1);
    expect((await service.authenticateCookie(cookie))?.lastUsedAtMs).toBe(T0);
    expect(touches).toEqual([]);
    expect(rows.get(session.id)?.lastUsedAtMs).toBe(T0);

    const first = T0 + POLICY.touchIntervalMs;
    clock.setMs(first);
    expect((await service.authenticateCookie(cookie))?.lastUsedAtMs).toBe(first);
    expect(touches).toEqual([{ id: session.id, nowMs: first }]);
    expect(rows.get(session.id)?.lastUsedAtMs).toBe(first);

    clock.setMs(first + POLICY.touchIntervalMs - 1);
    expect((await service.authenticateCookie(cookie))?.lastUsedAtMs).toBe(first);
    expect(touches).toHaveLength(1);

    clock.setMs(first + POLICY.touchIntervalMs);
    await service.authenticateCookie(cookie);
    expect(touches).toEqual([
      { id: session.id, nowMs: first },
      { id: session.id, nowMs: first + POLICY.touchIntervalMs },
    ]);
  });

  it('does not touch a session it refuses', async () => {
    const { service, clock, touches } = setup();
    const { cookieValue } = await service.start('user-1', 'cookie', META);
    clock.setMs(T0 + POLICY.idleTtlMs);
    expect(await service.authenticateCookie(cookieValue as string)).toBeNull();
    expect(touches).toEqual([]);
  });
});

describe('findActive', () => {
  it('returns an active session and null for unknown, revoked or expired ones', async () => {
    const { service, clock } = setup();
    const a = await service.start('user-1', 'token', META);
    const b = await service.start('user-1', 'token', META);
    expect(await service.findActive(a.session.id)).toEqual(a.session);
    expect(await service.findActive(`t${'Q'.repeat(21)}`)).toBeNull();
    await service.revoke(b.session.id, 'logout');
    expect(await service.findActive(b.session.id)).toBeNull();
    clock.setMs(T0 + POLICY.absoluteTtlMs - 1);
    expect(await service.findActive(a.session.id)).not.toBeNull();
    clock.setMs(T0 + POLICY.absoluteTtlMs);
    expect(await service.findActive(a.session.id)).toBeNull();
  });

  it('the idle timeout applies to cookie sessions only', async () => {
    const { service, clock } = setup();
    const cookie = await service.start('user-1', 'cookie', META);
    const token = await service.start('user-1', 'token', META);
    clock.setMs(T0 + POLICY.idleTtlMs);
    expect(await service.findActive(cookie.session.id)).toBeNull();
    expect(await service.findActive(token.session.id)).toEqual(token.session);
  });
});

describe('list', () => {
  it("lists the user's active sessions at the current time", async () => {
    const { service, clock } = setup();
    const old = await service.start('user-1', 'token', META);
    clock.setMs(T0 + HOUR);
    const recent = await service.start('user-1', 'cookie', META);
    const revoked = await service.start('user-1', 'cookie', META);
    await service.start('user-2', 'cookie', META);
    await service.revoke(revoked.session.id, 'logout');
    expect((await service.list('user-1')).map((s) => s.id).sort()).toEqual(
      [old.session.id, recent.session.id].sort(),
    );
    clock.setMs(T0 + POLICY.absoluteTtlMs);
    expect((await service.list('user-1')).map((s) => s.id)).toEqual([recent.session.id]);
  });
});

describe('revoke', () => {
  it('revokes in storage and tells onRevoked the id and the time', async () => {
    const { service, clock, rows, revocations } = setup();
    const a = await service.start('user-1', 'cookie', META);
    const b = await service.start('user-1', 'cookie', META);
    clock.setMs(T0 + 5_000);
    expect(await service.revoke(a.session.id, 'logout')).toBe(true);
    expect(revocations).toEqual([{ ids: [a.session.id], atMs: T0 + 5_000 }]);
    expect(rows.get(a.session.id)).toMatchObject({
      revokedAtMs: T0 + 5_000,
      revokeReason: 'logout',
    });
    expect(rows.get(b.session.id)?.revokedAtMs).toBeNull();
    expect(await service.authenticateCookie(b.cookieValue as string)).not.toBeNull();
  });

  it('is false for a session already revoked, and keeps the first revocation time', async () => {
    const { service, clock, rows } = setup();
    const { session } = await service.start('user-1', 'token', META);
    await service.revoke(session.id, 'logout');
    clock.setMs(T0 + 1_000);
    expect(await service.revoke(session.id, 'again')).toBe(false);
    expect(rows.get(session.id)).toMatchObject({ revokedAtMs: T0, revokeReason: 'logout' });
  });

  it('works without an onRevoked listener', async () => {
    const memory = createMemoryStore();
    const service = createSessionService({
      store: memory.store,
      policy: POLICY,
      clock: createFixedClock(T0),
      random: seededRandom(0x2545f491),
    });
    const { session } = await service.start('user-1', 'token', META);
    expect(await service.revoke(session.id, 'logout')).toBe(true);
    expect(memory.rows.get(session.id)?.revokedAtMs).toBe(T0);
  });
});

describe('revokeAllForUser', () => {
  it("revokes every session of the user but exceptId, tells onRevoked once, leaves others' alone", async () => {
    const { service, clock, rows, revocations } = setup();
    const keep = await service.start('user-1', 'cookie', META);
    const a = await service.start('user-1', 'cookie', META);
    const b = await service.start('user-1', 'token', META);
    const stranger = await service.start('user-2', 'cookie', META);
    clock.setMs(T0 + 7_000);
    const ids = await service.revokeAllForUser('user-1', 'password changed', keep.session.id);
    expect([...ids].sort()).toEqual([a.session.id, b.session.id].sort());
    expect(revocations).toEqual([{ ids, atMs: T0 + 7_000 }]);
    expect(rows.get(a.session.id)).toMatchObject({
      revokedAtMs: T0 + 7_000,
      revokeReason: 'password changed',
    });
    expect(rows.get(keep.session.id)?.revokedAtMs).toBeNull();
    expect(rows.get(stranger.session.id)?.revokedAtMs).toBeNull();
    expect(await service.authenticateCookie(keep.cookieValue as string)).not.toBeNull();
    expect(await service.authenticateCookie(a.cookieValue as string)).toBeNull();
    expect(await service.authenticateCookie(stranger.cookieValue as string)).not.toBeNull();
  });

  it('without exceptId revokes all, and sessions already revoked are not listed again', async () => {
    const { service, clock, revocations } = setup();
    const a = await service.start('user-1', 'cookie', META);
    const b = await service.start('user-1', 'token', META);
    await service.revoke(a.session.id, 'logout');
    clock.setMs(T0 + 9_000);
    const ids = await service.revokeAllForUser('user-1', 'admin');
    expect(ids).toEqual([b.session.id]);
    expect(revocations).toEqual([
      { ids: [a.session.id], atMs: T0 },
      { ids: [b.session.id], atMs: T0 + 9_000 },
    ]);
    expect(await service.list('user-1')).toEqual([]);
  });
});
