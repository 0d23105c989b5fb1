/** A source of cryptographically strong random bytes, injected so tests can be seeded. */
export interface RandomSource {
  /** Returns `length` fresh random bytes. */
  bytes(length: number): Uint8Array;
}

/** Web Crypto's generator (node:crypto's in Node, the browser's in a browser). */
export const systemRandom: RandomSource = Object.freeze({
  bytes: (length: number) => globalThis.crypto.getRandomValues(new Uint8Array(length)),
});
