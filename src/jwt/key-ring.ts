/**
 * A key ring: one active signing key and any number of verification-only keys, found by `kid`.
 *
 * Rotation: add the next key, promote it with `setSigningKey`, keep the old one for verification
 * until the last token it signed has expired, then `remove` it. Every change bumps `generation`,
 * which caches of verified tokens compare to drop entries signed by a removed key.
 */
import { AuthError } from '../core/index.js';
import type { JwsAlgorithm } from './algorithms.js';
import { exportPublicJwks } from './key-export.js';
import { isJwtKey } from './key-handle.js';
import type { JwtKey } from './key-types.js';

export interface KeyRing {
  /** Increases by one on every change to the ring. */
  readonly generation: number;
  /** The key that signs new tokens, or null for a verify-only ring. */
  signingKey(): JwtKey | null;
  /** The key with this kid, or undefined. */
  get(kid: string): JwtKey | undefined;
  /** The single key for `alg` when exactly one exists (tokens without `kid`), else undefined. */
  soleKeyFor(alg: JwsAlgorithm): JwtKey | undefined;
  /** The algorithms of the keys in the ring. */
  algorithms(): ReadonlySet<JwsAlgorithm>;
  /** Every key, signing key first. */
  list(): readonly JwtKey[];
  /** Adds a key for verification. @throws AuthError ERR_KEYRING_INVALID on a duplicate kid. */
  add(key: JwtKey): void;
  /** Makes the key with this kid (already in the ring, able to sign) the signing key. */
  setSigningKey(kid: string): void;
  /** Removes a verification key. @throws AuthError ERR_KEYRING_INVALID for the signing key. */
  remove(kid: string): boolean;
  /** The public JWKS of the ring's asymmetric keys. */
  toPublicJwks(): { keys: Record<string, string>[] };
}

export interface KeyRingOptions {
  /** The active signing key (private or secret). */
  readonly signingKey?: JwtKey;
  /** Keys that only verify: earlier signing keys, or another issuer's public keys. */
  readonly verificationKeys?: readonly JwtKey[];
}

function ringError(message: string): AuthError {
  return new AuthError('ERR_KEYRING_INVALID', message);
}

/**
 * Creates a key ring.
 *
 * @throws AuthError ERR_KEYRING_INVALID for duplicate kids or a signing key that cannot sign.
 * @example
 * const ring = createKeyRing({ signingKey: generateJwtKey('ES256'), verificationKeys: [oldKey] });
 */
export function createKeyRing(options: KeyRingOptions = {}): KeyRing {
  const byKid = new Map<string, JwtKey>();
  let signing: JwtKey | null = null;
  let generation = 0;
  let algorithms = new Set<JwsAlgorithm>();
  let sole = new Map<JwsAlgorithm, JwtKey | null>();

  const reindex = () => {
    generation++;
    algorithms = new Set();
    sole = new Map();
    for (const key of byKid.values()) {
      algorithms.add(key.alg);
      sole.set(key.alg, sole.has(key.alg) ? null : key);
    }
  };
  const insert = (key: JwtKey) => {
    if (!isJwtKey(key)) throw ringError('not a key imported by @gatehouse/jwt');
    if (byKid.has(key.kid)) throw ringError('duplicate kid in key ring');
    byKid.set(key.kid, key);
  };

  if (options.signingKey !== undefined) {
    if (options.signingKey.kind === 'public')
      throw ringError('the signing key must be a private or secret key');
    insert(options.signingKey);
    signing = options.signingKey;
  }
  for (const key of options.verificationKeys ?? []) insert(key);
  reindex();

  return {
    get generation() {
      return generation;
    },
    signingKey: () => signing,
    get: (kid) => byKid.get(kid),
    soleKeyFor: (alg) => sole.get(alg) ?? undefined,
    algorithms: () => algorithms,
    list: () => {
      const keys = [...byKid.values()];
      return signing === null ? keys : [signing, ...keys.filter((k) => k !== signing)];
    },
    add(key) {
      insert(key);
      reindex();
    },
    setSigningKey(kid) {
      const key = byKid.get(kid);
      if (key === undefined) throw ringError('no key with that kid in the ring');
      if (key.kind === 'public') throw ringError('the signing key must be a private or secret key');
      signing = key;
      reindex();
    },
    remove(kid) {
      if (signing?.kid === kid) throw ringError('cannot remove the active signing key');
      const removed = byKid.delete(kid);
      if (removed) reindex();
      return removed;
    },
    toPublicJwks: () => exportPublicJwks(byKid.values()),
  };
}
