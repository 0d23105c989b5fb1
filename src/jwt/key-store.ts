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
  /** Stores a new key (a rotation): being the newest, it becomes the one that signs. */
  addSigningKey(key: StoredSigningKey): Promise<void>;
  /** Removes a retired key; false when there was none with that kid. */
  removeSigningKey(kid: string): Promise<boolean>;
}
