/**
 * The revocation registry: the one owner of the in-memory list of revoked sessions. It is filled
 * at start from storage (`load`), kept current with revocations made elsewhere (`sync`, the
 * storage poll that bounds how long another instance lags, and `receive`, the push feed), fed by
 * this instance's own revocations (`revoked`, which also tells the feed), and swept of entries
 * that no longer guard any token. Checking it (`isRevoked`) costs no storage read
 * (../shared/DESIGN-NOTES.md). Every entry also goes to an ordered log (revocation-log.ts) that
 * resource servers follow with a cursor (`feed`, GET /v1/revocations).
 */
import { type Clock, createRandomId, type RandomSource, systemRandom } from '../core/index.js';
import { createRevocationList, type RevocationList } from './revocation-list.js';
import { createRevocationLog, type RevocationFeedPage } from './revocation-log.js';

/** Where revocations made by any instance can be read back (the session store). */
export interface RevocationSource {
  /** Sessions revoked at or after `sinceMs`. */
  listRevokedSince(sinceMs: number): Promise<ReadonlyArray<{ id: string; revokedAtMs: number }>>;
}

/** Tells other instances of a revocation (best effort: the storage poll covers a lost one). */
export type RevocationPublisher = (sessionId: string, untilMs: number) => void;

export interface RevocationRegistryOptions {
  readonly source: RevocationSource;
  /**
   * How long a token issued just before a revocation can stay valid: the access-token lifetime.
   * The verifier refuses tokens older than this (maxTokenAge), whatever their `exp` says, so an
   * entry kept this long covers every token of the session, even across a restart with another
   * lifetime.
   */
  readonly accessTokenTtlMs: number;
  readonly clock: Clock;
  /** Draws the boot id of the feed's cursors (default: the system's generator). */
  readonly random?: RandomSource;
}

export interface RevocationRegistry {
  /** True when the session is revoked now. O(1), no allocation, no I/O. */
  isRevoked(sessionId: string): boolean;
  /** Records revocations made by this instance at `atMs` and publishes them. */
  revoked(sessionIds: readonly string[], atMs: number): void;
  /** A revocation pushed by another instance. */
  receive(sessionId: string, untilMs: number): void;
  /** Connects the push feed: this instance's revocations are published from now on. */
  publishTo(publisher: RevocationPublisher): void;
  /** Rebuilds the list from storage (at start). Returns how many entries it read. */
  load(): Promise<number>;
  /** Reads revocations made since the last load or sync. Returns how many entries it read. */
  sync(): Promise<number>;
  /**
   * The revocation feed for resource servers (GET /v1/revocations): live revocations learnt
   * after `cursor` (every one of them, flagged `snapshot`, when the cursor is absent or not this
   * instance start's), at most `limit` (default 5000) per page. Revocations made here, pushed by
   * other instances and read back from storage all appear, as soon as this registry has them.
   */
  feed(cursor: string | undefined, limit?: number): RevocationFeedPage;
  /** Drops entries that no longer guard any token; returns how many remain. */
  sweep(): number;
  readonly size: number;
}

/** Entries per feed page: ~75 bytes each in JSON, so a page stays under half a megabyte. */
export const FEED_PAGE_LIMIT = 5000;

// Instances stamp revocations with their own clocks: read back a margin to cover skew.
const SKEW_MARGIN_MS = 60_000;
// `iat` is in whole seconds and the age bound accepts a token exactly ttl old: a token issued in
// the second of the revocation is accepted until revokedAt + ttl inclusive. One second more
// keeps the entry strictly past that moment.
const IAT_ROUNDING_MS = 1000;

/**
 * Creates an empty registry.
 *
 * @example
 * const revocations = createRevocationRegistry({ source: stores.sessions, accessTokenTtlMs, clock });
 * await revocations.load();
 */
export function createRevocationRegistry(options: RevocationRegistryOptions): RevocationRegistry {
  const { source, clock } = options;
  const guardMs = options.accessTokenTtlMs + IAT_ROUNDING_MS;
  const list: RevocationList = createRevocationList();
  // The feed's ordered log beside the list: the list answers isRevoked, the log what is new.
  const log = createRevocationLog(createRandomId(options.random ?? systemRandom));
  const mark = (sessionId: string, untilMs: number) => {
    list.revoke(sessionId, untilMs);
    log.append(sessionId, untilMs);
  };
  let publish: RevocationPublisher | null = null;
  let syncedUntilMs = clock.nowMs();

  const readSince = async (sinceMs: number) => {
    const now = clock.nowMs();
    const rows = await source.listRevokedSince(sinceMs);
    for (const { id, revokedAtMs } of rows) mark(id, revokedAtMs + guardMs);
    syncedUntilMs = now;
    return rows.length;
  };

  return {
    isRevoked: (sessionId) => list.isRevoked(sessionId, clock.nowMs()),
    revoked(sessionIds, atMs) {
      for (const id of sessionIds) {
        mark(id, atMs + guardMs);
        publish?.(id, atMs + guardMs);
      }
    },
    receive: mark,
    publishTo(publisher) {
      publish = publisher;
    },
    load: () => readSince(clock.nowMs() - guardMs),
    sync: () => readSince(Math.min(syncedUntilMs, clock.nowMs()) - SKEW_MARGIN_MS),
    feed: (cursor, limit = FEED_PAGE_LIMIT) => log.read(cursor, clock.nowMs(), limit),
    sweep() {
      const now = clock.nowMs();
      log.compact(now);
      return list.sweep(now);
    },
    get size() {
      return list.size;
    },
  };
}
