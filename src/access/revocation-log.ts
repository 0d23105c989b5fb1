/**
 * The revocation feed's log (GET /v1/revocations): the revocations an instance knows of, in the
 * order it learnt them, so that a resource server reads only what is new since its cursor.
 * Sessions appear only as `SHA-256(sid)`: the feed is public like the JWKS, and a hash tells a
 * reader nothing it could use (a thief holding a token can at most learn that it is revoked).
 *
 * The cursor is `<boot id>.<sequence>`: sequences count from this log's creation (one per
 * instance start), so a cursor of another instance, of an earlier start, or one that is not a
 * cursor at all gets the full snapshot of live entries, flagged as such. Compaction drops only
 * entries no reader needs (expired, or superseded by a later entry for the same session, which
 * every reader behind it will also read), so an old cursor of this instance loses nothing and
 * is served incrementally: what it reads is never more than the snapshot.
 */
import { createHash } from 'node:crypto';
import { encodeBase64Url } from '../core/index.js';

/** One revocation as the feed serves it. */
export interface RevocationFeedEntry {
  /** base64url(SHA-256(sid)), see `hashSessionId`. */
  readonly sidHash: string;
  /** Tokens of that session must be refused until this moment (ms since the epoch). */
  readonly untilMs: number;
}

/** One answer of the feed. */
export interface RevocationFeedPage {
  /** Where the next read continues: opaque to readers. */
  readonly cursor: string;
  /**
   * True when the given cursor was absent or not one of this log (another instance, an earlier
   * start, garbage): the entries (with the pages that follow while `more`) are then every live
   * revocation, not only the new ones.
   */
  readonly snapshot: boolean;
  readonly entries: readonly RevocationFeedEntry[];
  /** More entries wait: read again at once with `cursor`. */
  readonly more: boolean;
}

export interface RevocationLog {
  /** Records that `sessionId` is revoked until `untilMs`; a shorter or equal end is ignored. */
  append(sessionId: string, untilMs: number): void;
  /** Live entries after `cursor` (all of them when it is not this log's), at most `limit`. */
  read(cursor: string | undefined, nowMs: number, limit: number): RevocationFeedPage;
  /** Drops entries that are expired at `nowMs` or superseded; returns how many remain. */
  compact(nowMs: number): number;
  /** Entries held, superseded and expired ones included until the next compaction. */
  readonly length: number;
}

interface LogEntry {
  readonly seq: number;
  readonly sessionId: string;
  readonly sidHash: string;
  readonly untilMs: number;
}

/**
 * How a session id is named in the feed: base64url of the SHA-256 of its UTF-8 bytes (43
 * characters). The middleware hashes a token's `sid` the same way to look it up.
 *
 * @example
 * hashSessionId('t3v...') // 'n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg'
 */
export function hashSessionId(sessionId: string): string {
  return encodeBase64Url(createHash('sha256').update(sessionId, 'utf8').digest());
}

const CURSOR = /^([A-Za-z0-9_-]{1,64})\.(0|[1-9][0-9]{0,14})$/;

/**
 * Creates an empty log for one instance start.
 *
 * @example
 * const log = createRevocationLog(createRandomId(random));
 * log.append('t123', nowMs + ttlMs);
 * const page = log.read(undefined, nowMs, 5000); // snapshot
 */
export function createRevocationLog(bootId: string): RevocationLog {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(bootId))
    throw new TypeError('the boot id must be 1 to 64 base64url characters');
  let entries: LogEntry[] = [];
  // The newest entry of each session: an older entry of the same session is superseded.
  const latest = new Map<string, LogEntry>();
  let head = 0;

  /** The sequence a cursor of this log stands for, or null (absent, foreign, unreadable). */
  const sequenceOf = (cursor: string | undefined): number | null => {
    if (cursor === undefined) return null;
    const match = CURSOR.exec(cursor);
    if (match === null || match[1] !== bootId) return null;
    const seq = Number(match[2]);
    // From the future of this log: not one we gave out.
    return seq <= head ? seq : null;
  };

  /** The index of the first entry whose sequence is after `seq` (entries are in order). */
  const firstAfter = (seq: number) => {
    let low = 0;
    let high = entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((entries[middle] as LogEntry).seq <= seq) low = middle + 1;
      else high = middle;
    }
    return low;
  };

  return {
    append(sessionId, untilMs) {
      const current = latest.get(sessionId);
      if (current !== undefined && current.untilMs >= untilMs) return;
      const entry: LogEntry = {
        seq: ++head,
        sessionId,
        sidHash: current?.sidHash ?? hashSessionId(sessionId),
        untilMs,
      };
      entries.push(entry);
      latest.set(sessionId, entry);
    },

    read(cursor, nowMs, limit) {
      const after = sequenceOf(cursor);
      const found: RevocationFeedEntry[] = [];
      let last = after ?? 0;
      let index = firstAfter(last);
      for (; index < entries.length && found.length < limit; index++) {
        const entry = entries[index] as LogEntry;
        last = entry.seq;
        if (latest.get(entry.sessionId) !== entry || entry.untilMs <= nowMs) continue;
        found.push({ sidHash: entry.sidHash, untilMs: entry.untilMs });
      }
      const more = index < entries.length;
      return {
        cursor: `${bootId}.${more ? last : head}`,
        snapshot: after === null,
        entries: found,
        more,
      };
    },

    compact(nowMs) {
      entries = entries.filter((entry) => {
        if (latest.get(entry.sessionId) !== entry) return false;
        if (entry.untilMs > nowMs) return true;
        latest.delete(entry.sessionId);
        return false;
      });
      return entries.length;
    },

    get length() {
      return entries.length;
    },
  };
}
