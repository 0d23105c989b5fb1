/**
 * Persisted signing keys, for servers that share them through their database (several instances
 * must sign with the same keys, and no instance may invent its own), and the two decisions made
 * over them: which key signs now, and whether a key may be retired.
 *
 * A rotated key is published before it signs: stored with `signsFromMs` in the future, every
 * instance puts it in its JWKS at its next sync tick and keeps signing with the previous key, so
 * APIs that cache the JWKS have fetched the new key before the first token signed by it arrives.
 */
export interface StoredSigningKey {
  readonly kid: string;
  /** The private JWK, as JSON text. */
  readonly privateJwk: string;
  readonly createdAtMs: number;
  /**
   * From when the key may sign; before that it only verifies (and is published). Absent or null:
   * from `createdAtMs` (the initial key, and keys stored before this field existed).
   */
  readonly signsFromMs?: number | null;
}

export interface SigningKeyStore {
  /** Every stored key, newest (by creation) first. */
  listSigningKeys(): Promise<StoredSigningKey[]>;
  /**
   * Stores `key` as the initial key unless one exists: atomic, so of several instances starting
   * at once exactly one key wins. Returns true when this key was stored.
   */
  addInitialSigningKey(key: StoredSigningKey): Promise<boolean>;
  /** Stores a new key (a rotation): the newest key, it signs from its `signsFromMs`. */
  addSigningKey(key: StoredSigningKey): Promise<void>;
  /** Removes a retired key; false when there was none with that kid. */
  removeSigningKey(kid: string): Promise<boolean>;
}

/** When a stored key may begin to sign. */
export function signsFromOf(key: StoredSigningKey): number {
  return key.signsFromMs ?? key.createdAtMs;
}

/**
 * The key that signs at `nowMs`: the newest (by creation) whose `signsFromMs` has come. Should
 * none have come (the signing key was retired by force), the one that comes first, so a ring
 * always has a signer. Undefined only for an empty list.
 *
 * @example
 * const signer = planSigningKey(await store.listSigningKeys(), clock.nowMs());
 */
export function planSigningKey(
  keys: readonly StoredSigningKey[],
  nowMs: number,
): StoredSigningKey | undefined {
  const newestFirst = [...keys].sort(byCreationNewestFirst);
  return (
    newestFirst.find((key) => signsFromOf(key) <= nowMs) ??
    newestFirst.reduce<StoredSigningKey | undefined>(
      (first, key) => (first === undefined || signsFromOf(key) < signsFromOf(first) ? key : first),
      undefined,
    )
  );
}

/** The verdict on retiring one stored key. */
export type RetirementCheck =
  | { readonly verdict: 'retire' }
  | { readonly verdict: 'unknown' }
  /** It signs now: retiring it would leave new tokens unverifiable. */
  | { readonly verdict: 'signing' }
  /** Tokens it signed may still be valid until `untilMs`. */
  | { readonly verdict: 'wait'; readonly untilMs: number; readonly replacedAtMs: number };

export interface RetirementPolicy {
  /** The longest life of an access token (GATEHOUSE_ACCESS_TOKEN_TTL). */
  readonly accessTokenTtlMs: number;
  /** How long after a key's successor activates an instance may still sign with it (one sync tick). */
  readonly syncIntervalMs: number;
}

/**
 * Whether the key `kid` may be removed at `nowMs`. A key stops signing when a newer key's
 * `signsFromMs` comes (each instance switches at its next sync tick); the last token it signed
 * expires one access-token lifetime after that. A key that has not begun signing has signed
 * nothing and may go.
 *
 * @example
 * const check = checkRetirement(await store.listSigningKeys(), kid, clock.nowMs(), policy);
 * if (check.verdict === 'wait') console.log(new Date(check.untilMs));
 */
export function checkRetirement(
  keys: readonly StoredSigningKey[],
  kid: string,
  nowMs: number,
  policy: RetirementPolicy,
): RetirementCheck {
  const key = keys.find((k) => k.kid === kid);
  if (key === undefined) return { verdict: 'unknown' };
  if (planSigningKey(keys, nowMs)?.kid === kid) return { verdict: 'signing' };
  if (signsFromOf(key) > nowMs) return { verdict: 'retire' };
  const replacedAtMs = Math.min(
    ...keys
      .filter((k) => byCreationNewestFirst(k, key) < 0 && signsFromOf(k) <= nowMs)
      .map(signsFromOf),
  );
  const untilMs = replacedAtMs + policy.syncIntervalMs + policy.accessTokenTtlMs;
  return nowMs < untilMs ? { verdict: 'wait', untilMs, replacedAtMs } : { verdict: 'retire' };
}

/**
 * Newest first by creation. Of keys created in the same millisecond (a fixed test clock), the
 * one that signs later is the rotation; then the kid decides.
 */
function byCreationNewestFirst(a: StoredSigningKey, b: StoredSigningKey): number {
  return (
    b.createdAtMs - a.createdAtMs ||
    signsFromOf(b) - signsFromOf(a) ||
    (a.kid < b.kid ? -1 : a.kid > b.kid ? 1 : 0)
  );
}
