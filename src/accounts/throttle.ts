/**
 * Reserving throttle slots for one attempt over several keys (an account at an address, the
 * account everywhere, the address), before any password is hashed. All keys are reserved or
 * none: a refusal on one key gives back the slots already taken on the others.
 */
import { AuthError } from '../core/index.js';
import type { LimitPolicy, LimitStore } from '../limits/index.js';

export interface ThrottleKey {
  readonly key: string;
  readonly policy: LimitPolicy;
}

/**
 * Reserves a slot on every key; returns the keys whose block this attempt started (worth one
 * security event each: refused attempts write nothing at all).
 *
 * @throws AuthError ERR_AUTH_RATE_LIMITED (details.retryAfterSeconds) when any key is blocked
 */
export async function reserveAll(
  limits: LimitStore,
  keys: readonly ThrottleKey[],
  nowMs: number,
): Promise<ThrottleKey[]> {
  const reserved: ThrottleKey[] = [];
  const startedBlock: ThrottleKey[] = [];
  for (const entry of keys) {
    const reservation = await limits.reserve(entry.key, nowMs, entry.policy);
    if (!reservation.allowed) {
      for (const done of reserved) await limits.refund(done.key);
      throw new AuthError('ERR_AUTH_RATE_LIMITED', 'too many attempts; retry later', {
        retryAfterSeconds: Math.max(1, Math.ceil(reservation.retryAfterMs / 1000)),
      });
    }
    reserved.push(entry);
    if (reservation.startedBlock) startedBlock.push(entry);
  }
  return startedBlock;
}
