/**
 * The key types of @gatehouse/jwt: what a key handle exposes, and the wire form of a JWK.
 * Only key-handle.ts makes a JwtKey; see there for why it is opaque.
 */
import type { JwsAlgorithm, SignatureKey } from './algorithms.js';

/** What a key can do: a secret signs and verifies, a private key signs, a public key verifies. */
export type JwtKeyKind = 'secret' | 'private' | 'public';

/** An imported, validated key bound to one algorithm. Opaque: use the functions of @gatehouse/jwt. */
export interface JwtKey {
  readonly alg: JwsAlgorithm;
  readonly kid: string;
  readonly kind: JwtKeyKind;
}

/** Key material behind a JwtKey; never leaves key-handle.ts except to sign.ts and jws.ts. */
export type KeyMaterial = SignatureKey;

/** A JSON Web Key as it appears on the wire (RFC 7517). */
export type Jwk = Readonly<Record<string, unknown>>;

/** What every importer accepts besides the key itself. */
export interface ImportKeyOptions {
  /** The key id; defaults to the RFC 7638 thumbprint of the public key. */
  readonly kid?: string;
}
