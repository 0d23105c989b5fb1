import { describe, expect, it } from 'vitest';
import { createFixedClock } from '../core/clock.js';
import { AuthError } from '../core/errors.js';
import type { RandomSource } from '../core/random.js';
import { createKeyRing, generateJwtKey, type KeyRing } from '../jwt/index.js';
import { hashSessionId } from './revocation-log.js';
import { createRevocationRegistry, type RevocationSource } from './revocations.js';
import { createAccessTokens } from './tokens.js';

const T0 = 1_700_000_000_000;
const TTL_MS = 600_000;
// Entries last the access-token lifetime plus one second (iat is rounded down to seconds).
const GUARD_MS = TTL_MS + 1_000;
const SKEW_MS = 60_000;

/** A session store's revocation rows, recording every `sinceMs` it is asked for. */
function createFakeSource(rows: Array<{ id: string; revokedAtMs: number }> = []) {
  const asked: number[] = [];
  const source: RevocationSource & { asked: number[]; rows: typeof rows; onRead?: () => void } = {
    asked,
    rows,
    async listRevokedSince(sinceMs) {
      asked.push(sinceMs);
      source.onRead?.();
      // As the stores do: revoked_at >= sinceMs.
      return rows.filter((row) => row.revokedAtMs >= sinceMs).map((row) => ({ ...row }));
    },
  };
  return source;
}

function setup(rows: Array<{ id: string; revokedAtMs: number }> = [], ttlMs = TTL_MS) {
  const clock = createFixedClock(T0);
  const source = createFakeSource(rows);
  const registry = createRevocationRegistry({ source, accessTokenTtlMs: ttlMs, clock });
  return { clock, source, registry };
}

describe('revoked', () => {
  it('marks each session until atMs + lifetime + 1 s: revoked at until - 1, not at until', () => {
    const { clock, registry, source } = setup();
    registry.revoked(['s1', 's2'], T0);
    expect(registry.isRevoked('s1')).toBe(true);
    expect(registry.isRevoked('s2')).toBe(true);
    expect(registry.isRevoked('s3')).toBe(false);
    expect(registry.size).toBe(2);
    clock.setMs(T0 + GUARD_MS - 1);
    expect(registry.isRevoked('s1')).toBe(true);
    clock.setMs(T0 + GUARD_MS);
    expect(registry.isRevoked('s1')).toBe(false);
    expect(registry.isRevoked('s2')).toBe(false);
    // Marking is in memory only: no storage read.
    expect(source.asked).toEqual([]);
  });

  it('counts from the revocation time, not from now', () => {
    const { clock, registry } = setup();
    clock.setMs(T0 + 5_000);
    registry.revoked(['s1'], T0);
    clock.setMs(T0 + GUARD_MS - 1);
    expect(registry.isRevoked('s1')).toBe(true);
    clock.setMs(T0 + GUARD_MS);
    expect(registry.isRevoked('s1')).toBe(false);
  });

  it('a later revocation of the same session extends it, an earlier one does not shorten it', () => {
    const { clock, registry } = setup();
    registry.revoked(['s1'], T0 + 10_000);
    registry.revoked(['s1'], T0);
    clock.setMs(T0 + GUARD_MS + 9_999);
    expect(registry.isRevoked('s1')).toBe(true);
    expect(registry.size).toBe(1);
  });

  it('publishes each id with its end to the publisher set by publishTo, and not before', () => {
    const { registry } = setup();
    const published: Array<[string, number]> = [];
    registry.revoked(['before'], T0);
    expect(registry.isRevoked('before')).toBe(true);
    registry.publishTo((id, untilMs) => published.push([id, untilMs]));
    expect(published).toEqual([]);
    registry.revoked(['a', 'b'], T0 + 1_000);
    expect(published).toEqual([
      ['a', T0 + 1_000 + GUARD_MS],
      ['b', T0 + 1_000 + GUARD_MS],
    ]);
    registry.revoked([], T0 + 2_000);
    expect(published).toHaveLength(2);
  });

  it('publishes to the latest publisher only', () => {
    const { registry } = setup();
    const first: string[] = [];
    const second: string[] = [];
    registry.publishTo((id) => first.push(id));
    registry.publishTo((id) => second.push(id));
    registry.revoked(['s1'], T0);
    expect(first).toEqual([]);
    expect(second).toEqual(['s1']);
  });
});

describe('receive', () => {
  it('marks a session until the pushed time, without publishing it back', () => {
    const { clock, registry, source } = setup();
    const published: string[] = [];
    registry.publishTo((id) => published.push(id));
    registry.receive('s1', T0 + 5_000);
    expect(registry.isRevoked('s1')).toBe(true);
    clock.setMs(T0 + 4_999);
    expect(registry.isRevoked('s1')).toBe(true);
    clock.setMs(T0 + 5_000);
    expect(registry.isRevoked('s1')).toBe(false);
    expect(published).toEqual([]);
    expect(source.asked).toEqual([]);
  });

  it('an entry already in the past marks nothing now', () => {
    const { registry } = setup();
    registry.receive('s1', T0);
    expect(registry.isRevoked('s1')).toBe(false);
  });
});

describe('load', () => {
  it('reads listRevokedSince(now - ttl - 1 s) and marks each row until revokedAtMs + ttl + 1 s', async () => {
    const { clock, registry, source } = setup([
      { id: 'too-old', revokedAtMs: T0 - GUARD_MS - 1 },
      { id: 'at-the-bound', revokedAtMs: T0 - GUARD_MS },
      { id: 'recent', revokedAtMs: T0 - 1_000 },
      { id: 'now', revokedAtMs: T0 },
    ]);
    expect(await registry.load()).toBe(3);
    expect(source.asked).toEqual([T0 - GUARD_MS]);
    expect(registry.size).toBe(3);
    expect(registry.isRevoked('too-old')).toBe(false);
    // Revoked exactly one lifetime ago: its last token expires now.
    expect(registry.isRevoked('at-the-bound')).toBe(false);
    expect(registry.isRevoked('recent')).toBe(true);
    expect(registry.isRevoked('now')).toBe(true);
    clock.setMs(T0 - 1_000 + GUARD_MS - 1);
    expect(registry.isRevoked('recent')).toBe(true);
    clock.setMs(T0 - 1_000 + GUARD_MS);
    expect(registry.isRevoked('recent')).toBe(false);
    expect(registry.isRevoked('now')).toBe(true);
    clock.setMs(T0 + GUARD_MS);
    expect(registry.isRevoked('now')).toBe(false);
  });

  it('uses the time of the load, not of the registry creation', async () => {
    const { clock, registry, source } = setup();
    clock.setMs(T0 + 42_000);
    expect(await registry.load()).toBe(0);
    expect(source.asked).toEqual([T0 + 42_000 - GUARD_MS]);
  });

  it('does not publish what it loads', async () => {
    const { registry } = setup([{ id: 's1', revokedAtMs: T0 }]);
    const published: string[] = [];
    registry.publishTo((id) => published.push(id));
    await registry.load();
    expect(registry.isRevoked('s1')).toBe(true);
    expect(published).toEqual([]);
  });
});

describe('sync', () => {
  it('asks from the last sync time minus the 60 s skew margin', async () => {
    const { clock, registry, source } = setup();
    clock.setMs(T0 + 2_000);
    expect(await registry.sync()).toBe(0);
    // Never synced: from the registry's creation.
    expect(source.asked).toEqual([T0 - SKEW_MS]);
    clock.setMs(T0 + 4_000);
    await registry.sync();
    expect(source.asked).toEqual([T0 - SKEW_MS, T0 + 2_000 - SKEW_MS]);
  });

  it('after a load, asks from the load time minus the margin', async () => {
    const { clock, registry, source } = setup();
    clock.setMs(T0 + 10_000);
    await registry.load();
    clock.setMs(T0 + 12_000);
    await registry.sync();
    expect(source.asked).toEqual([T0 + 10_000 - GUARD_MS, T0 + 10_000 - SKEW_MS]);
  });

  it('counts from the start of the previous read, so a revocation written during it is not missed', async () => {
    const { clock, registry, source } = setup();
    source.onRead = () => clock.advanceMs(3_000);
    clock.setMs(T0 + 1_000);
    await registry.sync();
    await registry.sync();
    expect(source.asked).toEqual([T0 - SKEW_MS, T0 + 1_000 - SKEW_MS]);
  });

  it('when the clock went back, asks from now minus the margin', async () => {
    const { clock, registry, source } = setup();
    clock.setMs(T0 + 100_000);
    await registry.sync();
    clock.setMs(T0 + 20_000);
    await registry.sync();
    expect(source.asked).toEqual([T0 - SKEW_MS, T0 + 20_000 - SKEW_MS]);
  });

  it('marks what another instance revoked, stamped by a clock up to 60 s behind', async () => {
    const { clock, registry, source } = setup();
    clock.setMs(T0 + 5_000);
    await registry.sync();
    // Another instance, its clock 60 s behind ours, revokes just after our last sync.
    source.rows.push({ id: 'elsewhere', revokedAtMs: T0 + 5_000 - SKEW_MS });
    source.rows.push({ id: 'older', revokedAtMs: T0 + 5_000 - SKEW_MS - 1 });
    clock.setMs(T0 + 7_000);
    expect(await registry.sync()).toBe(1);
    expect(registry.isRevoked('elsewhere')).toBe(true);
    expect(registry.isRevoked('older')).toBe(false);
    clock.setMs(T0 + 5_000 - SKEW_MS + GUARD_MS - 1);
    expect(registry.isRevoked('elsewhere')).toBe(true);
    clock.setMs(T0 + 5_000 - SKEW_MS + GUARD_MS);
    expect(registry.isRevoked('elsewhere')).toBe(false);
  });
});

describe('sweep', () => {
  it('drops only the entries that have ended and returns how many remain', () => {
    const { clock, registry } = setup();
    registry.revoked(['a'], T0);
    registry.revoked(['b'], T0 + 1_000);
    registry.receive('c', T0 + 50_000_000);
    expect(registry.sweep()).toBe(3);
    clock.setMs(T0 + GUARD_MS - 1);
    expect(registry.sweep()).toBe(3);
    expect(registry.size).toBe(3);
    clock.setMs(T0 + GUARD_MS);
    expect(registry.sweep()).toBe(2);
    expect(registry.size).toBe(2);
    expect(registry.isRevoked('b')).toBe(true);
    expect(registry.isRevoked('c')).toBe(true);
    clock.setMs(T0 + 1_000 + GUARD_MS);
    expect(registry.sweep()).toBe(1);
    expect(registry.isRevoked('c')).toBe(true);
  });
});

/**
 * Issue 10 item 6: a session revoked under one access-token lifetime stays revoked after a
 * restart with another. The registry remembers a revocation for the new lifetime; the verifier
 * refuses tokens older than the new lifetime (maxTokenAge) whatever their exp: between them,
 * every token of the session issued before the revocation is refused at every moment.
 */
describe('feed', () => {
  const sidHash = (id: string) => hashSessionId(id);

  it('serves every way a revocation arrives: made here, pushed, loaded and synced from storage', async () => {
    const { clock, registry, source } = setup([{ id: 'loaded', revokedAtMs: T0 - 1_000 }]);
    await registry.load();
    const first = registry.feed(undefined);
    expect(first.snapshot).toBe(true);
    expect(first.entries).toEqual([{ sidHash: sidHash('loaded'), untilMs: T0 - 1_000 + GUARD_MS }]);

    registry.revoked(['here'], T0);
    registry.receive('pushed', T0 + 9_000);
    source.rows.push({ id: 'synced', revokedAtMs: T0 + 500 });
    clock.setMs(T0 + 2_000);
    await registry.sync();
    const next = registry.feed(first.cursor);
    expect(next.snapshot).toBe(false);
    expect(next.entries).toEqual([
      { sidHash: sidHash('here'), untilMs: T0 + GUARD_MS },
      { sidHash: sidHash('pushed'), untilMs: T0 + 9_000 },
      { sidHash: sidHash('synced'), untilMs: T0 + 500 + GUARD_MS },
    ]);
    // Read back again by the storage poll: the same end, nothing new for followers.
    clock.setMs(T0 + 4_000);
    await registry.sync();
    expect(registry.feed(next.cursor).entries).toEqual([]);
  });

  it("another registry's cursor (another instance, or this one restarted) gets the snapshot", () => {
    const a = setup();
    const b = setup();
    a.registry.revoked(['s1'], T0);
    b.registry.revoked(['s2'], T0);
    const cursorOfA = a.registry.feed(undefined).cursor;
    expect(a.registry.feed(cursorOfA).snapshot).toBe(false);
    const atB = b.registry.feed(cursorOfA);
    expect(atB.snapshot).toBe(true);
    expect(atB.entries).toEqual([{ sidHash: sidHash('s2'), untilMs: T0 + GUARD_MS }]);
  });

  it('leaves out entries that ended; sweep compacts the log with the list', () => {
    const { clock, registry } = setup();
    registry.revoked(['s1'], T0);
    registry.receive('short', T0 + 1_000);
    clock.setMs(T0 + 1_000);
    expect(registry.feed(undefined).entries.map((e) => e.sidHash)).toEqual([sidHash('s1')]);
    expect(registry.sweep()).toBe(1);
    clock.setMs(T0 + GUARD_MS);
    expect(registry.feed(undefined).entries).toEqual([]);
  });

  it('pages at the given limit', () => {
    const { registry } = setup();
    registry.revoked(['a', 'b', 'c'], T0);
    const page = registry.feed(undefined, 2);
    expect(page.entries).toHaveLength(2);
    expect(page.more).toBe(true);
    const rest = registry.feed(page.cursor, 2);
    expect(rest.entries).toEqual([{ sidHash: sidHash('c'), untilMs: T0 + GUARD_MS }]);
    expect(rest.more).toBe(false);
  });
});

describe('restart with another lifetime', () => {
  const R = T0; // the revocation, on a whole second
  const OLD_TTL_S = 3600;
  const NEW_TTL_S = 600;
  const PROFILE = { issuer: 'https://auth.example', audience: 'https://api.example' };
  const GRANT = {
    userId: 'user-1',
    sessionId: 't-revoked',
    sessionExpiresAtMs: R + 30 * 86_400_000,
    clientId: 'web',
  };

  function counterRandom(): RandomSource {
    let n = 0;
    return {
      bytes: (length) => Uint8Array.from({ length }, (_, i) => (n++ * 31 + i) & 0xff),
    };
  }

  /** The instance before the restart, its tokens for the session, and its revocation. */
  function beforeRestart(keyRing: KeyRing, issuedAtMs: readonly number[]) {
    const clock = createFixedClock(R - OLD_TTL_S * 1000);
    const source = createFakeSource();
    const registry = createRevocationRegistry({
      source,
      accessTokenTtlMs: OLD_TTL_S * 1000,
      clock,
    });
    const access = createAccessTokens({
      profile: { ...PROFILE, ttlSeconds: OLD_TTL_S },
      keyRing,
      revocations: registry,
      clock,
      random: counterRandom(),
    });
    const tokens = issuedAtMs.map((atMs) => {
      clock.setMs(atMs);
      return access.issue(GRANT).token;
    });
    clock.setMs(R);
    // What the session service does: the row in storage, and the registry told.
    source.rows.push({ id: GRANT.sessionId, revokedAtMs: R });
    registry.revoked([GRANT.sessionId], R);
    for (const token of tokens) expect(() => access.authenticate(token)).toThrow(AuthError);
    return { source, tokens };
  }

  async function restartAt(restartMs: number, keyRing: KeyRing, source: RevocationSource) {
    const clock = createFixedClock(restartMs);
    const registry = createRevocationRegistry({
      source,
      accessTokenTtlMs: NEW_TTL_S * 1000,
      clock,
    });
    await registry.load();
    const access = createAccessTokens({
      profile: { ...PROFILE, ttlSeconds: NEW_TTL_S },
      keyRing,
      revocations: registry,
      clock,
      random: counterRandom(),
    });
    return { clock, access };
  }

  /** Every whole second from `fromMs` until the old tokens' exp has passed, plus `edgesMs`. */
  function moments(fromMs: number, edgesMs: readonly number[]): number[] {
    const all = new Set<number>(edgesMs.filter((t) => t >= fromMs));
    for (let t = fromMs; t <= R + (OLD_TTL_S + 1) * 1000; t += 1000) all.add(t);
    return [...all].sort((a, b) => a - b);
  }

  function accepted(access: { authenticate(token: string): unknown }, token: string): boolean {
    try {
      access.authenticate(token);
      return true;
    } catch (error) {
      if (error instanceof AuthError && error.code === 'ERR_AUTH_UNAUTHENTICATED') return false;
      throw error;
    }
  }

  // Tokens from the session's first second to the millisecond before the revocation.
  const ISSUED = [R - 3_599_000, R - 1_200_000, R - 600_000, R - 599_999, R - 1_000, R - 1];
  const EDGES = [
    ...ISSUED.flatMap((iat) => {
      const bound = Math.floor(iat / 1000) * 1000 + NEW_TTL_S * 1000;
      return [bound - 1, bound, bound + 1];
    }),
    R + NEW_TTL_S * 1000 - 1,
    R + NEW_TTL_S * 1000,
    R + NEW_TTL_S * 1000 + 1,
  ];

  it.each([
    ['two minutes after the revocation', R + 120_000],
    ['just inside the new lifetime', R + NEW_TTL_S * 1000 - 1],
    ['after the new lifetime (the row is not even read)', R + 700_000],
  ])('restarted %s: every token issued before it is refused at every moment', async (_n, at) => {
    const keyRing = createKeyRing({ signingKey: generateJwtKey('ES256') });
    const { source, tokens } = beforeRestart(keyRing, ISSUED);
    const { clock, access } = await restartAt(at, keyRing, source);
    const acceptedAt: Array<[number, number]> = [];
    for (const t of moments(at, EDGES)) {
      clock.setMs(t);
      tokens.forEach((token, i) => {
        if (accepted(access, token)) acceptedAt.push([i, t - R]);
      });
    }
    expect(acceptedAt).toEqual([]);
    // Control: the restarted instance does accept a fresh token of another session.
    clock.setMs(at);
    const fresh = access.issue({ ...GRANT, sessionId: 't-other' }).token;
    expect(accepted(access, fresh)).toBe(true);
  });

  it('a token issued in the very millisecond of the revocation is refused at every moment too', async () => {
    // The revocation lands on a whole second and the token was issued just before it, within
    // the same millisecond: iat * 1000 === R. The age bound refuses only when now - iat > new
    // TTL (strict), so at exactly R + new TTL only the registry can refuse: its entries last one
    // second past the lifetime for this moment (found by this test: they used to end at R + TTL).
    const keyRing = createKeyRing({ signingKey: generateJwtKey('ES256') });
    const { source, tokens } = beforeRestart(keyRing, [R]);
    const { clock, access } = await restartAt(R + 120_000, keyRing, source);
    const acceptedAt: number[] = [];
    for (const t of moments(R + 120_000, EDGES)) {
      clock.setMs(t);
      if (accepted(access, tokens[0] as string)) acceptedAt.push(t - R);
    }
    expect(acceptedAt).toEqual([]);
  });
});
