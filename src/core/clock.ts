/** A source of the current time, injected wherever time decides an outcome. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  nowMs(): number;
}

/** The wall clock. */
export const systemClock: Clock = Object.freeze({ nowMs: () => Date.now() });

/**
 * A clock that stands still until moved; for tests and simulations.
 *
 * @example
 * const clock = createFixedClock(1_700_000_000_000); clock.advanceMs(1000);
 */
export function createFixedClock(startMs: number): Clock & {
  advanceMs(ms: number): void;
  setMs(ms: number): void;
} {
  let now = startMs;
  return {
    nowMs: () => now,
    advanceMs: (ms) => {
      now += ms;
    },
    setMs: (ms) => {
      now = ms;
    },
  };
}
