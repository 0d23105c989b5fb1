/**
 * A bounded cache of verified tokens, for verifiers that see the same token many times (an
 * access token is presented on every request of a session).
 *
 * It skips only the work whose answer cannot change for the same string: decoding, parsing and
 * the signature check. Every hit still runs every claim check at the current time (so expiry
 * and `nbf` hold exactly as on a miss), and an entry remembers the key ring's generation: any
 * change to the ring (a key removed, added, promoted) makes older entries miss and be verified
 * again from scratch. Entries are frozen, so no caller can change what the next one gets.
 */
interface Entry<T> {
  readonly generation: number;
  readonly result: T;
}

/** Generic in what it holds (the verifier's result), so it depends on nothing in jwt/. */
export interface VerifiedTokenCache<T> {
  get(token: string, generation: number): T | undefined;
  set(token: string, generation: number, result: T): void;
  delete(token: string): void;
  readonly size: number;
}

/** Creates a cache of at most `maxEntries` tokens; the oldest entry goes first when it is full. */
export function createVerifiedTokenCache<T>(maxEntries: number): VerifiedTokenCache<T> {
  const entries = new Map<string, Entry<T>>();
  return {
    get(token, generation) {
      const entry = entries.get(token);
      if (entry === undefined) return undefined;
      if (entry.generation !== generation) {
        entries.delete(token);
        return undefined;
      }
      return entry.result;
    },
    set(token, generation, result) {
      if (entries.size >= maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done !== true) entries.delete(oldest.value);
      }
      entries.set(token, { generation, result });
    },
    delete(token) {
      entries.delete(token);
    },
    get size() {
      return entries.size;
    },
  };
}
