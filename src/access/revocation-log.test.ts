import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createRevocationLog, hashSessionId } from './revocation-log.js';

const BOOT = 'boot-A';
const hash = (sid: string) => createHash('sha256').update(sid).digest('base64url');

describe('hashSessionId', () => {
  it('is base64url(SHA-256(utf8 sid)), 43 characters, no padding', () => {
    expect(hashSessionId('t-session-1')).toBe(hash('t-session-1'));
    expect(hashSessionId('é')).toBe(createHash('sha256').update('é', 'utf8').digest('base64url'));
    expect(hashSessionId('x')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('revocation log', () => {
  it('serves a snapshot without a cursor, then only what is new after the cursor it gave', () => {
    const log = createRevocationLog(BOOT);
    const empty = log.read(undefined, 0, 100);
    expect(empty).toEqual({ cursor: `${BOOT}.0`, snapshot: true, entries: [], more: false });

    log.append('s1', 1_000);
    log.append('s2', 2_000);
    const first = log.read(empty.cursor, 0, 100);
    expect(first).toEqual({
      cursor: `${BOOT}.2`,
      snapshot: false,
      entries: [
        { sidHash: hash('s1'), untilMs: 1_000 },
        { sidHash: hash('s2'), untilMs: 2_000 },
      ],
      more: false,
    });
    expect(log.read(first.cursor, 0, 100)).toEqual({
      cursor: first.cursor,
      snapshot: false,
      entries: [],
      more: false,
    });
    log.append('s3', 3_000);
    expect(log.read(first.cursor, 0, 100).entries).toEqual([
      { sidHash: hash('s3'), untilMs: 3_000 },
    ]);
    // The snapshot holds every live entry, whatever was read before.
    expect(log.read(undefined, 0, 100).entries.map((e) => e.untilMs)).toEqual([
      1_000, 2_000, 3_000,
    ]);
  });

  it.each([
    ['another instance', 'boot-B.1'],
    ['a sequence this log never gave', `${BOOT}.3`],
    ['a negative sequence', `${BOOT}.-1`],
    ['a leading zero', `${BOOT}.01`],
    ['no sequence', BOOT],
    ['garbage', 'not a cursor'],
    ['an empty string', ''],
  ])('a cursor of %s gets the snapshot, flagged', (_case, cursor) => {
    const log = createRevocationLog(BOOT);
    log.append('s1', 1_000);
    log.append('s2', 2_000);
    const page = log.read(cursor, 0, 100);
    expect(page.snapshot).toBe(true);
    expect(page.entries).toHaveLength(2);
    expect(page.cursor).toBe(`${BOOT}.2`);
  });

  it('leaves out expired entries and entries superseded by a later end of the same session', () => {
    const log = createRevocationLog(BOOT);
    log.append('s1', 1_000);
    log.append('s2', 5_000);
    log.append('s1', 4_000);
    // An equal or earlier end changes nothing: no new entry, nothing for followers to read.
    log.append('s1', 4_000);
    log.append('s2', 3_000);
    expect(log.length).toBe(3);
    const page = log.read(undefined, 2_000, 100);
    expect(page.entries).toEqual([
      { sidHash: hash('s2'), untilMs: 5_000 },
      { sidHash: hash('s1'), untilMs: 4_000 },
    ]);
    // At its end an entry is no longer live (until is exclusive, as in the list).
    expect(log.read(undefined, 4_000, 100).entries).toEqual([
      { sidHash: hash('s2'), untilMs: 5_000 },
    ]);
  });

  it('pages: at most `limit` entries, `more` until the end, and no entry twice or lost', () => {
    const log = createRevocationLog(BOOT);
    for (let i = 0; i < 7; i++) log.append(`s${i}`, 10_000 + i);
    const seen: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    for (;;) {
      const page = log.read(cursor, 0, 3);
      pages++;
      expect(page.entries.length).toBeLessThanOrEqual(3);
      expect(page.snapshot).toBe(pages === 1);
      seen.push(...page.entries.map((e) => e.untilMs));
      cursor = page.cursor;
      if (!page.more) break;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual([10_000, 10_001, 10_002, 10_003, 10_004, 10_005, 10_006]);
  });

  it('compaction drops expired and superseded entries only; an old cursor still reads all it needs', () => {
    const log = createRevocationLog(BOOT);
    log.append('old', 1_000);
    const cursor = log.read(undefined, 0, 100).cursor;
    log.append('s1', 5_000);
    log.append('s2', 6_000);
    log.append('s1', 7_000);
    expect(log.length).toBe(4);
    expect(log.compact(2_000)).toBe(2);
    // The reader behind the compaction is served incrementally, missing nothing live.
    const page = log.read(cursor, 2_000, 100);
    expect(page.snapshot).toBe(false);
    expect(page.entries).toEqual([
      { sidHash: hash('s2'), untilMs: 6_000 },
      { sidHash: hash('s1'), untilMs: 7_000 },
    ]);
    // A session whose entry expired and was compacted away can be revoked again.
    log.append('old', 9_000);
    expect(log.read(page.cursor, 2_000, 100).entries).toEqual([
      { sidHash: hash('old'), untilMs: 9_000 },
    ]);
  });

  it('refuses a boot id that would make cursors ambiguous', () => {
    expect(() => createRevocationLog('a.b')).toThrow(TypeError);
    expect(() => createRevocationLog('')).toThrow(TypeError);
  });
});
