/**
 * DPoP proofs (RFC 9449) made with WebCrypto: the same code in browsers and in Node, no node:*
 * imports, no dependency.
 *
 * The key is an ECDSA P-256 pair generated non-extractable: the private half can sign but can
 * never be exported, so a script that reads everything the page stores (XSS, a malicious
 * extension reading IndexedDB through the page) can use the key only while it runs in the page,
 * and tokens bound to it are worthless anywhere else. WebCrypto always makes the public half of a
 * generated pair extractable, which is what the proof's `jwk` header needs.
 */
import { encodeBase64Url, type RandomSource } from '../core/index.js';

/** WebCrypto's key type, named through `crypto.subtle` so that no DOM or node typing is needed. */
export type CryptoKeyHandle = Parameters<typeof globalThis.crypto.subtle.sign>[1];

/** A DPoP key pair: the private key signs proofs, the public key goes in their `jwk` header. */
export interface DpopKeyPair {
  readonly privateKey: CryptoKeyHandle;
  readonly publicKey: CryptoKeyHandle;
}

/** The public key as it appears in a proof: only the members RFC 7518 section 6.2.1 defines. */
export interface PublicEcJwk {
  readonly kty: 'EC';
  readonly crv: 'P-256';
  readonly x: string;
  readonly y: string;
}

const ES256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
/** 128 bits: RFC 9449 section 4.2 asks for enough entropy that a jti never repeats by chance. */
const JTI_BYTES = 16;
const encoder = new TextEncoder();

/**
 * A new non-extractable ES256 key pair.
 *
 * @example
 * const key = await generateDpopKey(); // key.privateKey.extractable === false
 */
export async function generateDpopKey(): Promise<DpopKeyPair> {
  const pair = (await globalThis.crypto.subtle.generateKey(ES256, false, [
    'sign',
    'verify',
  ])) as DpopKeyPair;
  return { privateKey: pair.privateKey, publicKey: pair.publicKey };
}

/** True when `value` looks like a key pair this module made (a guard for what storage returns). */
export function isDpopKeyPair(value: unknown): value is DpopKeyPair {
  if (typeof value !== 'object' || value === null) return false;
  const { privateKey, publicKey } = value as Record<string, unknown>;
  const isKey = (key: unknown, type: string) =>
    typeof key === 'object' &&
    key !== null &&
    (key as { type?: unknown }).type === type &&
    (key as { algorithm?: { name?: unknown } }).algorithm?.name === 'ECDSA';
  return isKey(privateKey, 'private') && isKey(publicKey, 'public');
}

/**
 * The public JWK of a key pair, without `key_ops`, `ext` or anything private.
 *
 * @example
 * const jwk = await publicJwkOf(key); // { kty: 'EC', crv: 'P-256', x: '…', y: '…' }
 */
export async function publicJwkOf(key: DpopKeyPair): Promise<PublicEcJwk> {
  const jwk = (await globalThis.crypto.subtle.exportKey('jwk', key.publicKey)) as {
    x?: string;
    y?: string;
  };
  if (typeof jwk.x !== 'string' || typeof jwk.y !== 'string')
    throw new TypeError('the DPoP public key is not an EC key');
  return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y };
}

/** base64url(SHA-256(text)). */
async function sha256Base64Url(text: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', encoder.encode(text));
  return encodeBase64Url(new Uint8Array(digest));
}

/**
 * The RFC 7638 SHA-256 thumbprint of the public key: the `jkt` a server puts in `cnf.jkt`.
 *
 * @example
 * await jwkThumbprint(await publicJwkOf(key)) // 43 base64url characters
 */
export function jwkThumbprint(jwk: PublicEcJwk): Promise<string> {
  // RFC 7638 section 3.2: the required members only, in lexicographic order, no whitespace.
  return sha256Base64Url(`{"crv":"${jwk.crv}","kty":"${jwk.kty}","x":"${jwk.x}","y":"${jwk.y}"}`);
}

/**
 * The `ath` claim: base64url of the SHA-256 of the access token's ASCII (RFC 9449 section 4.2).
 *
 * @example
 * await accessTokenHash('Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU') // 'fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo'
 */
export function accessTokenHash(accessToken: string): Promise<string> {
  return sha256Base64Url(accessToken);
}

/**
 * The `htu` of a request: its URL without query and fragment (RFC 9449 section 4.2). The URL
 * parser already normalises scheme and host case and drops a default port.
 *
 * @example
 * htuOf(new URL('https://API.example.com:443/orders?page=2#top')) // 'https://api.example.com/orders'
 */
export function htuOf(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

export interface DpopProofInput {
  /** The request's method, upper case. */
  readonly htm: string;
  /** The request's URL; query and fragment are left out of `htu`. */
  readonly url: URL;
  /** The proof's `iat`, in seconds of the server's clock as well as the client can tell it. */
  readonly iatSeconds: number;
  /** The access token that goes with the request: its hash becomes `ath`. */
  readonly accessToken?: string;
  /** The last `DPoP-Nonce` the request's origin gave. */
  readonly nonce?: string;
}

/**
 * Signs a DPoP proof: header `{typ: 'dpop+jwt', alg: 'ES256', jwk}`, payload
 * `{jti, htm, htu, iat, ath?, nonce?}`.
 *
 * @example
 * const proof = await createDpopProof(key, await publicJwkOf(key), systemRandom, {
 *   htm: 'GET', url: new URL('https://api.example.com/orders'), iatSeconds: 1_700_000_000,
 *   accessToken,
 * });
 */
export async function createDpopProof(
  key: DpopKeyPair,
  jwk: PublicEcJwk,
  random: RandomSource,
  input: DpopProofInput,
): Promise<string> {
  const header = { typ: 'dpop+jwt', alg: 'ES256', jwk };
  const payload: Record<string, string | number> = {
    jti: encodeBase64Url(random.bytes(JTI_BYTES)),
    htm: input.htm,
    htu: htuOf(input.url),
    iat: input.iatSeconds,
  };
  if (input.accessToken !== undefined) payload.ath = await accessTokenHash(input.accessToken);
  if (input.nonce !== undefined) payload.nonce = input.nonce;
  const signingInput = `${encodeBase64Url(encoder.encode(JSON.stringify(header)))}.${encodeBase64Url(
    encoder.encode(JSON.stringify(payload)),
  )}`;
  // WebCrypto's ECDSA signature is r || s (IEEE P1363), 64 bytes for P-256: exactly the JWS form
  // (RFC 7518 section 3.4), no DER to convert.
  const signature = await globalThis.crypto.subtle.sign(
    { name: 'ECDSA', hash: 'SHA-256' },
    key.privateKey,
    encoder.encode(signingInput),
  );
  return `${signingInput}.${encodeBase64Url(new Uint8Array(signature))}`;
}
