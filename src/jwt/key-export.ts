/**
 * Keys out: a key as a JWK, the public JWK Set of a ring, and the verification-only half of a key.
 */
import type { JsonWebKey as NodeJsonWebKey } from 'node:crypto';
import { encodeBase64Url } from '../core/index.js';
import { getKeyMaterial, importKeyObject, keyError } from './key-handle.js';
import type { JwtKey } from './key-types.js';

/**
 * Exports a key as a JWK with `kid`, `alg` and `use: "sig"`. Public parts only unless
 * `includePrivate` is set; an HMAC secret has no public part and needs `includePrivate`.
 *
 * @throws AuthError ERR_KEY_INVALID when a public export of a secret key is asked for.
 * @example
 * const publicJwk = exportJwk(key);
 */
export function exportJwk(
  key: JwtKey,
  options: { readonly includePrivate?: boolean } = {},
): Record<string, string> {
  const material = getKeyMaterial(key);
  const includePrivate = options.includePrivate === true;
  let fields: NodeJsonWebKey;
  if (key.kind === 'secret') {
    if (!includePrivate) throw keyError('an HMAC secret has no public form');
    fields = { kty: 'oct', k: encodeBase64Url(material.verifyingKey.export()) };
  } else {
    const source =
      includePrivate && material.signingKey !== null ? material.signingKey : material.verifyingKey;
    fields = source.export({ format: 'jwk' });
  }
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields))
    if (typeof value === 'string') out[name] = value;
  out.kid = key.kid;
  out.alg = key.alg;
  out.use = 'sig';
  return out;
}

/**
 * The public JWK Set (RFC 7517 section 5) of the given keys; HMAC secrets are left out.
 *
 * @example
 * reply.send(exportPublicJwks(ring.list()));
 */
export function exportPublicJwks(keys: Iterable<JwtKey>): { keys: Record<string, string>[] } {
  const out: Record<string, string>[] = [];
  for (const key of keys) if (key.kind !== 'secret') out.push(exportJwk(key));
  return { keys: out };
}

/**
 * The verification-only form of a key: the public half of a private key, with the same `kid` and
 * `alg`. A public key is returned as it is.
 *
 * @throws AuthError ERR_KEY_INVALID for an HMAC secret, which has no public half.
 * @example
 * const verifyOnly = importJwks(privateJwksText).map(publicKeyOf);
 */
export function publicKeyOf(key: JwtKey): JwtKey {
  if (key.kind === 'public') return key;
  if (key.kind === 'secret') throw keyError('an HMAC secret has no public half');
  return importKeyObject(getKeyMaterial(key).verifyingKey, key.alg, { kid: key.kid });
}
