/** What the refresh-token service needs from storage. */
export interface RefreshRecord {
  readonly id: string;
  /** The family: one login session. */
  readonly sessionId: string;
  readonly secretHash: string;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
  readonly consumedAtMs: number | null;
  readonly replayCiphertext: string | null;
  readonly replayExpiresAtMs: number | null;
}

export interface RefreshStore {
  insertRefreshToken(record: RefreshRecord): Promise<void>;
  findRefreshToken(id: string): Promise<RefreshRecord | null>;
  /**
   * Retention: drops the replay ciphertexts whose grace window ended and deletes tokens past
   * their expiry. Consumed tokens stay until they expire: presenting one again must still be
   * recognised as reuse (and revoke the family), not mistaken for an unknown token.
   * Returns how many rows were deleted.
   */
  pruneRefreshTokens(nowMs: number): Promise<number>;
  /**
   * Atomically: if `id` is not consumed yet, mark it consumed at `nowMs` with the encrypted
   * replay of its successor response, and insert `successor`. Returns false (changing nothing)
   * when another request consumed it first.
   */
  consumeRefreshToken(
    id: string,
    nowMs: number,
    replay: { ciphertext: string; expiresAtMs: number },
    successor: RefreshRecord,
  ): Promise<boolean>;
}
