/**
 * Where the client keeps its DPoP key. In the browser the default is IndexedDB
 * (`indexedDbKeyStore` in indexed-db.ts): the key pair is stored as the CryptoKey objects
 * themselves, which IndexedDB clones without ever exposing the private key's bytes, so a reload
 * and every tab of the origin use the same key. In Node the default is memory: one key per
 * process, gone when it exits.
 */
import type { DpopKeyPair } from './dpop.js';

export interface DpopKeyStore {
  /**
   * The stored key pair; when there is none, the pair `create` makes, stored first. Two callers
   * racing (two tabs opening at once) get the same pair.
   */
  load(create: () => Promise<DpopKeyPair>): Promise<DpopKeyPair>;
}

/**
 * The key in memory only (default in Node): one key for the life of the process.
 *
 * @example
 * createAuthClient({ baseUrl, keyStore: memoryKeyStore() });
 */
export function memoryKeyStore(): DpopKeyStore {
  let pending: Promise<DpopKeyPair> | null = null;
  return {
    load(create) {
      pending ??= create().catch((error: unknown) => {
        pending = null;
        throw error;
      });
      return pending;
    },
  };
}
