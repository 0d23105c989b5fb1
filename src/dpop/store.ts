/** What DPoP needs from storage: the nonce secret, shared by every instance on one database. */
export interface NonceSecretStore {
  /**
   * The stored nonce secret (base64url). When there is none yet, `candidate` is stored and
   * returned; of instances starting at once, the first write wins and every one gets the winner.
   */
  ensureNonceSecret(candidate: string, nowMs: number): Promise<string>;
}
