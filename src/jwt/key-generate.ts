/**
 * Fresh keys for any supported algorithm, imported through the same checks as every other key.
 */
import { generateKeyPairSync } from 'node:crypto';
import { AuthError, systemRandom } from '../core/index.js';
import { ALGORITHM_SPECS, isJwsAlgorithm, type JwsAlgorithm } from './algorithms.js';
import { importKeyObject, MIN_RSA_BITS, NODE_CURVE } from './key-handle.js';
import { importHmacSecret } from './key-import.js';
import type { ImportKeyOptions, JwtKey } from './key-types.js';

/**
 * Generates a fresh key for `alg` (RSA 2048 bits unless `modulusLength` says more; HMAC secrets of
 * the hash length).
 *
 * @example
 * const key = generateJwtKey('ES256');
 */
export function generateJwtKey(
  alg: JwsAlgorithm,
  options: ImportKeyOptions & { readonly modulusLength?: number } = {},
): JwtKey {
  if (!isJwsAlgorithm(alg)) throw new AuthError('ERR_KEY_UNSUPPORTED', 'unsupported algorithm');
  const spec = ALGORITHM_SPECS[alg];
  switch (spec.family) {
    case 'hmac':
      return importHmacSecret(systemRandom.bytes(spec.hashBytes), alg as 'HS256', options);
    case 'rsa':
    case 'rsa-pss': {
      const { privateKey } = generateKeyPairSync('rsa', {
        modulusLength: options.modulusLength ?? MIN_RSA_BITS,
      });
      return importKeyObject(privateKey, alg, options);
    }
    case 'ecdsa': {
      const { privateKey } = generateKeyPairSync('ec', {
        namedCurve: NODE_CURVE[spec.curve as string] as string,
      });
      return importKeyObject(privateKey, alg, options);
    }
    case 'eddsa': {
      const { privateKey } = generateKeyPairSync('ed25519');
      return importKeyObject(privateKey, alg, options);
    }
  }
}
