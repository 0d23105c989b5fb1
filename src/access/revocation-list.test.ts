import { describe, expect, it } from 'vitest';
import { createRevocationList } from './revocation-list.js';

describe('revocation list', () => {
  it('holds a session until the given time, then lets sweep drop it', () => {
    const list = createRevocationList();
    list.revoke('s1', 1_000);
    expect(list.isRevoked('s1', 999)).toBe(true);
    expect(list.isRevoked('s1', 1_000)).toBe(false);
    expect(list.isRevoked('s2', 0)).toBe(false);
    expect(list.sweep(999)).toBe(1);
    expect(list.sweep(1_000)).toBe(0);
  });

  it('a later revocation extends, an earlier one does not shorten', () => {
    const list = createRevocationList();
    list.revoke('s', 1_000);
    list.revoke('s', 500);
    expect(list.isRevoked('s', 900)).toBe(true);
    list.revoke('s', 2_000);
    expect(list.isRevoked('s', 1_500)).toBe(true);
  });
});
