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
