/** Seeded randomness for tests (STYLE: randomness injected, tests seeded). Never shipped. */
import type { RandomSource } from '../../src/core/index.js';

/** A deterministic RandomSource (xorshift32): values differ from call to call, runs repeat. */
export function seededRandom(seed = 0x9e3779b9): RandomSource {
  let state = seed >>> 0 || 1;
  return {
    bytes(length) {
      const out = new Uint8Array(length);
      for (let i = 0; i < length; i++) {
        state ^= state << 13;
        state >>>= 0;
        state ^= state >>> 17;
        state ^= state << 5;
        state >>>= 0;
        out[i] = state & 0xff;
      }
      return out;
    },
  };
}
