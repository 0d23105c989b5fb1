/**
 * Follows the issuer's revocation feed (GET /v1/revocations) so that the middleware refuses the
 * access tokens of a session ended at the issuer (logout, password change, refresh-token reuse)
 * long before their `exp`. The first check waits for the snapshot; then a timer (unref'd: it never
 * keeps the process alive) reads what is new every `pollIntervalMs`, with the cursor of the
 * previous answer. Entries are `SHA-256(sid)` with the moment until which tokens of that session
 * must be refused; they are merged, never replaced (a revocation only ever ends by time), and
 * dropped once past.
 *
 * The bound: a revocation the feed's instance knows at time t is refused here from the end of the
 * first read that starts after t, so within `pollIntervalMs` plus the time of one read.
 *
 * When the feed cannot be read, the answers follow `whenStale` once the last complete read is
 * older than `staleAfterMs`: `refuse` (the default: a revocation could be missed, so answer 503
 * until the feed answers again; each such check may trigger one read, outside the backoff) or
 * `accept` (keep answering from what was last read, the tokens' `exp` as the only bound).
 */
import { hashSessionId } from '../access/index.js';
import type { Clock } from '../core/index.js';
import { createRetryGate, type RetryGate } from './issuer-fetch.js';

export interface RevocationFollowerOptions {
  /** The feed's URL (from the issuer's metadata, or given). */
  readonly feedUri: () => Promise<string>;
  /** GETs a URL as text, with its timeout (issuer-fetch.ts). */
  readonly fetchText: (url: string) => Promise<string>;
  readonly clock: Clock;
  readonly pollIntervalMs: number;
  readonly staleAfterMs: number;
  readonly whenStale: 'refuse' | 'accept';
  /**
   * Added to each entry's end: the verifier accepts a token until `exp` plus its clock
   * tolerance, so an entry must outlast that too.
   */
  readonly toleranceMs: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
}

/** What the feed says of a session now. */
export type RevocationState = 'revoked' | 'stale' | 'current';

export interface RevocationFollower {
  /** The state of the session `sid` now; the first call waits for the first read. */
  stateOf(sid: string): Promise<RevocationState>;
  /**
   * The issuer's `max_token_age` from the last read (seconds), or null before one or from an
   * issuer that does not send it: tokens older than this are refused whatever their `exp`.
   */
  maxTokenAgeSeconds(): number | null;
  /** Milliseconds until the feed may be read again (0: now), for Retry-After. */
  retryInMs(): number;
  /** Stops the timer; later checks read nothing (stale after `staleAfterMs`). */
  close(): void;
}

const SID_HASH = /^[A-Za-z0-9_-]{43}$/;
// A snapshot of 100 000 revocations is 20 pages of 5000: a feed that never ends is a fault.
const MAX_PAGES = 1000;

interface FeedPage {
  readonly cursor: string;
  readonly more: boolean;
  readonly max_token_age?: number;
  readonly entries: ReadonlyArray<{ readonly sid_hash: string; readonly until: number }>;
}

/** The page, or null when the body is not one (a wrong URL, a proxy's error page). */
function pageOf(text: string): FeedPage | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  const page = body as Partial<Record<keyof FeedPage, unknown>> | null;
  if (
    typeof page !== 'object' ||
    page === null ||
    typeof page.cursor !== 'string' ||
    page.cursor.length > 256 ||
    typeof page.more !== 'boolean' ||
    !Array.isArray(page.entries) ||
    (page.max_token_age !== undefined &&
      (!Number.isInteger(page.max_token_age) ||
        (page.max_token_age as number) < 1 ||
        (page.max_token_age as number) > 31_536_000))
  )
    return null;
  for (const entry of page.entries as unknown[]) {
    const { sid_hash, until } = (entry ?? {}) as { sid_hash?: unknown; until?: unknown };
    if (typeof sid_hash !== 'string' || !SID_HASH.test(sid_hash)) return null;
    if (typeof until !== 'number' || !Number.isFinite(until)) return null;
  }
  return page as FeedPage;
}

/**
 * Creates a follower; nothing is fetched before the first `stateOf`.
 *
 * @example
 * const follower = createRevocationFollower({ feedUri, fetchText, clock, pollIntervalMs: 2000, ... });
 * if ((await follower.stateOf(claims.sid)) === 'revoked') refuse();
 */
export function createRevocationFollower(options: RevocationFollowerOptions): RevocationFollower {
  const { clock, pollIntervalMs, staleAfterMs, toleranceMs } = options;
  /** SHA-256(sid) -> the end of the refusal, tolerance included (ms). */
  const revoked = new Map<string, number>();
  let cursor: string | undefined;
  let maxTokenAge: number | null = null;
  let lastReadMs = Number.NEGATIVE_INFINITY;
  let first: Promise<void> | null = null;
  let started = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;

  /** Reads every page after the cursor, then merges; nothing is merged from a failed read. */
  const read = async () => {
    const startedMs = clock.nowMs();
    const base = new URL(await options.feedUri());
    let next = cursor;
    const found: Array<[string, number]> = [];
    let age: number | null = null;
    for (let pages = 0; ; pages++) {
      if (pages === MAX_PAGES) throw new Error('the revocation feed does not end');
      const url = new URL(base);
      if (next !== undefined) url.searchParams.set('cursor', next);
      const page = pageOf(await options.fetchText(url.href));
      if (page === null) throw new Error('the revocation feed answered something else');
      for (const entry of page.entries) found.push([entry.sid_hash, entry.until * 1000]);
      age = page.max_token_age ?? age;
      next = page.cursor;
      if (!page.more) break;
    }
    for (const [hash, untilMs] of found) {
      const end = untilMs + toleranceMs;
      if (end > (revoked.get(hash) ?? Number.NEGATIVE_INFINITY)) revoked.set(hash, end);
    }
    const now = clock.nowMs();
    for (const [hash, end] of revoked) if (end <= now) revoked.delete(hash);
    cursor = next;
    maxTokenAge = age;
    // As fresh as the moment the read began: what the feed learnt later may be missing.
    lastReadMs = startedMs;
  };
  const gate: RetryGate = createRetryGate(read, {
    clock,
    initialBackoffMs: options.initialBackoffMs,
    maxBackoffMs: options.maxBackoffMs,
  });

  const schedule = () => {
    if (closed) return;
    timer = setTimeout(tick, Math.max(pollIntervalMs, gate.retryInMs()));
    timer.unref();
  };
  function tick() {
    timer = null;
    gate.run().then(schedule, schedule);
  }

  const isRevoked = (sid: string) => {
    if (revoked.size === 0) return false;
    const end = revoked.get(hashSessionId(sid));
    return end !== undefined && clock.nowMs() < end;
  };
  const isStale = () => clock.nowMs() - lastReadMs > staleAfterMs;

  return {
    async stateOf(sid) {
      if (!started) {
        if (first === null && !closed) {
          first = gate.run().catch(() => undefined);
          void first.then(schedule);
        }
        await first;
        // Once the first read is over, no check awaits anything on the way to an answer.
        started = true;
      }
      if (isRevoked(sid)) return 'revoked';
      if (!isStale()) return 'current';
      // Refusing until the feed answers again: try now rather than at the next tick, so the
      // answers resume as soon as it does (concurrent checks share the read; none in backoff).
      if (options.whenStale === 'refuse' && !closed && gate.retryInMs() === 0) {
        await gate.run().catch(() => undefined);
        if (isRevoked(sid)) return 'revoked';
        if (!isStale()) return 'current';
      }
      return 'stale';
    },
    maxTokenAgeSeconds: () => maxTokenAge,
    retryInMs: () => gate.retryInMs(),
    close() {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}
