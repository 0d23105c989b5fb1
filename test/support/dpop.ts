/**
 * DPoP proofs made by hand with jose (RFC 9449 section 4.2), independently of src/dpop: a key pair,
 * its thumbprint, and a proof builder whose every header member and claim a test can replace or
 * drop (`undefined` drops it). Test support only: never shipped.
 */
import { createHash } from 'node:crypto';
import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  type JWK,
  SignJWT,
} from 'jose';

export interface DpopTestKey {
  readonly alg: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  /** The private JWK: to build proofs that wrongly publish it. */
  readonly privateJwk: JWK;
  /** RFC 7638 thumbprint of the public JWK, as jose computes it. */
  readonly jkt: string;
}

/** A fresh key pair for proofs (ES256 unless told). */
export async function createDpopTestKey(
  alg = 'ES256',
  options: { modulusLength?: number } = {},
): Promise<DpopTestKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(options.modulusLength === undefined ? {} : { modulusLength: options.modulusLength }),
  });
  const publicJwk = await exportJWK(publicKey);
  return {
    alg,
    privateKey,
    publicJwk,
    privateJwk: await exportJWK(privateKey),
    jkt: await calculateJwkThumbprint(publicJwk),
  };
}

/** `ath` of RFC 9449 section 4.2: base64url SHA-256 of the access token. */
export const athOf = (accessToken: string) =>
  createHash('sha256').update(accessToken).digest('base64url');

let counter = 0;

export interface ProofOptions {
  readonly htm: string;
  readonly htu: string;
  /** Seconds; default: `nowMs` / 1000, floored. */
  readonly iat?: number;
  /** The time the proof is made at (ms): tests run on fixed clocks. */
  readonly nowMs: number;
  readonly jti?: string;
  /** Sets `ath` to the hash of this token. */
  readonly accessToken?: string;
  readonly nonce?: string;
  /** Header members to add, replace, or (with undefined) drop: typ, alg, jwk... */
  readonly header?: Record<string, unknown>;
  /** Claims to add, replace, or (with undefined) drop. */
  readonly claims?: Record<string, unknown>;
  /** Sign with this key instead (the header still shows `key`'s public JWK unless replaced). */
  readonly signWith?: CryptoKey | Uint8Array;
}

function merged(base: Record<string, unknown>, extra: Record<string, unknown> | undefined) {
  const out: Record<string, unknown> = { ...base };
  for (const [name, value] of Object.entries(extra ?? {})) {
    if (value === undefined) delete out[name];
    else out[name] = value;
  }
  return out;
}

/**
 * A DPoP proof signed with jose's SignJWT, protected header `{typ: 'dpop+jwt', alg, jwk}`.
 *
 * @example
 * const proof = await makeProof(key, { htm: 'POST', htu: 'https://auth.test/v1/token', nowMs });
 */
export async function makeProof(key: DpopTestKey, options: ProofOptions): Promise<string> {
  const claims = merged(
    {
      jti: options.jti ?? `jti-${process.pid}-${++counter}`,
      htm: options.htm,
      htu: options.htu,
      iat: options.iat ?? Math.floor(options.nowMs / 1000),
      ...(options.accessToken === undefined ? {} : { ath: athOf(options.accessToken) }),
      ...(options.nonce === undefined ? {} : { nonce: options.nonce }),
    },
    options.claims,
  );
  const header = merged({ typ: 'dpop+jwt', alg: key.alg, jwk: key.publicJwk }, options.header);
  return new SignJWT(claims)
    .setProtectedHeader(header as { alg: string })
    .sign(options.signWith ?? key.privateKey);
}
