/**
 * Server nonces for DPoP (RFC 9449 section 8): stateless, an HMAC of the current time window under
 * a secret. Every instance holding the same secret issues and accepts the same nonces with no
 * shared state; a nonce is accepted in its own window and the next one, so it lives one to two
 * windows. Unpredictable without the secret (section 8: MUST be unpredictable).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { AuthError, type Clock, encodeBase64Url, systemClock } from '../core/index.js';

/** What the verifier needs of nonces, and what the server hands out. */
export interface DpopNonces {
  /** The nonce to send now in a `DPoP-Nonce` header. */
  current(): string;
  /** The time (ms, exclusive) until which `nonce` is accepted, or null when it is not accepted now. */
  validUntilMs(nonce: string): number | null;
}

export interface DpopNoncesOptions {
  /** At least 32 random bytes, the same on every instance that must accept the others' nonces. */
  readonly secret: Uint8Array;
  readonly clock?: Clock;
  /** Length of a window (default 60): a nonce is accepted for 1 to 2 windows. */
  readonly windowSeconds?: number;
}

/** Domain separation: this secret's MACs mean "DPoP nonce of window N" and nothing else. */
const LABEL = 'gatehouse dpop nonce v1:';

/**
 * Creates the nonce issuer and checker.
 *
 * @throws AuthError ERR_CONFIG_INVALID for a short secret or a bad window
 * @example
 * const nonces = createDpopNonces({ secret, clock });
 * reply.header('dpop-nonce', nonces.current());
 */
export function createDpopNonces(options: DpopNoncesOptions): DpopNonces {
  const problems: string[] = [];
  if (!(options.secret instanceof Uint8Array) || options.secret.length < 32)
    problems.push('secret must be at least 32 bytes');
  const windowSeconds = options.windowSeconds ?? 60;
  if (!Number.isInteger(windowSeconds) || windowSeconds < 1 || windowSeconds > 3600)
    problems.push('windowSeconds must be an integer from 1 to 3600');
  if (problems.length > 0)
    throw new AuthError('ERR_CONFIG_INVALID', `invalid nonce options: ${problems.join('; ')}`, {
      problems,
    });
  const secret = Uint8Array.from(options.secret);
  const clock = options.clock ?? systemClock;
  const windowMs = windowSeconds * 1000;
  // The MACs of the last windows asked for: at most a current and a previous one are live.
  const macs = new Map<number, string>();
  const macOf = (window: number): string => {
    const known = macs.get(window);
    if (known !== undefined) return known;
    const mac = encodeBase64Url(createHmac('sha256', secret).update(`${LABEL}${window}`).digest());
    if (macs.size >= 4) macs.clear();
    macs.set(window, mac);
    return mac;
  };
  const equal = (a: string, b: string) =>
    a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

  return Object.freeze({
    current: () => macOf(Math.floor(clock.nowMs() / windowMs)),
    validUntilMs(nonce: string) {
      if (typeof nonce !== 'string') return null;
      const window = Math.floor(clock.nowMs() / windowMs);
      // Both compared, whatever the first gives: the time taken says nothing of which matched.
      const inCurrent = equal(nonce, macOf(window));
      const inPrevious = equal(nonce, macOf(window - 1));
      if (inCurrent) return (window + 2) * windowMs;
      if (inPrevious) return (window + 1) * windowMs;
      return null;
    },
  });
}
