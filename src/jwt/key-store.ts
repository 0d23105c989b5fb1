/**
 * Persisted signing keys, for servers that share them through their database (several instances
 * must sign with the same keys, and no instance may invent its own).
 */
export interface StoredSigningKey {
  readonly kid: string;
  /** The private JWK, as JSON text. */
  readonly privateJwk: string;
  readonly createdAtMs: number;
}

export interface SigningKeyStore {
  /** Every stored key, newest first (the newest signs). */
  listSigningKeys(): Promise<StoredSigningKey[]>;
  /**
   * Stores `key` as the initial key unless one exists: atomic, so of several instances starting
   * at once exactly one key wins. Returns true when this key was stored.
   */
  addInitialSigningKey(key: StoredSigningKey): Promise<boolean>;
}
