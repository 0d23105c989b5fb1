/**
 * Key importers for raw encodings: HMAC secrets, PEM and DER (JWKs are in jwk-import.ts). Each
 * parses its input into a node KeyObject and hands it to importKeyObject (key-handle.ts), which
 * does the checks.
 */
import { createPrivateKey, createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { ALGORITHM_SPECS, type JwsAlgorithm } from './algorithms.js';
import { importKeyObject, keyError } from './key-handle.js';
import type { ImportKeyOptions, JwtKey } from './key-types.js';

/**
 * Imports an HMAC secret for HS256, HS384 or HS512.
 *
 * @throws AuthError ERR_KEY_INVALID when the secret is shorter than the hash, or is (in any
 *   encoding we can recognise) a public or private key: PEM, DER, JWK or JWKS text.
 * @example
 * const key = importHmacSecret(randomBytes(32), 'HS256', { kid: 'hmac-1' });
 */
export function importHmacSecret(
  secret: Uint8Array | string,
  alg: 'HS256' | 'HS384' | 'HS512',
  options: ImportKeyOptions = {},
): JwtKey {
  if (ALGORITHM_SPECS[alg]?.family !== 'hmac')
    throw keyError('importHmacSecret takes HS256, HS384 or HS512');
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  return importKeyObject(createSecretKey(bytes), alg, options);
}

/**
 * Imports a PEM key (SPKI or PKCS#1 public; PKCS#8, PKCS#1 or SEC1 private) for an asymmetric alg.
 *
 * @throws AuthError ERR_KEY_INVALID when the text is not a key or does not fit `alg`.
 * @example
 * const key = importPem(fs.readFileSync('public.pem', 'utf8'), 'RS256');
 */
export function importPem(pem: string, alg: JwsAlgorithm, options: ImportKeyOptions = {}): JwtKey {
  if (ALGORITHM_SPECS[alg]?.family === 'hmac') throw keyError('a PEM key cannot be an HMAC secret');
  let keyObject: KeyObject;
  try {
    keyObject = pem.includes('PRIVATE KEY-----') ? createPrivateKey(pem) : createPublicKey(pem);
  } catch {
    throw keyError('not a PEM key that node:crypto can read');
  }
  return importKeyObject(keyObject, alg, options);
}

/**
 * Imports a DER key: SPKI public or PKCS#8 private.
 *
 * @throws AuthError ERR_KEY_INVALID when the bytes are not such a key or do not fit `alg`.
 */
export function importDer(
  der: Uint8Array,
  alg: JwsAlgorithm,
  options: ImportKeyOptions = {},
): JwtKey {
  if (ALGORITHM_SPECS[alg]?.family === 'hmac') throw keyError('a DER key cannot be an HMAC secret');
  const key = Buffer.from(der);
  let keyObject: KeyObject;
  try {
    keyObject = createPublicKey({ key, format: 'der', type: 'spki' });
  } catch {
    try {
      keyObject = createPrivateKey({ key, format: 'der', type: 'pkcs8' });
    } catch {
      throw keyError('not an SPKI or PKCS#8 DER key');
    }
  }
  return importKeyObject(keyObject, alg, options);
}
