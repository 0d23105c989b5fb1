/**
 * JWK importers: one JSON Web Key (RFC 7517) or a JWK Set (RFC 7517 section 5). Members are checked
 * (use, key_ops, alg, canonical base64url) before node:crypto sees them; the key itself then goes
 * through importKeyObject (key-handle.ts) like every other key.
 */
import {
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  type JsonWebKey as NodeJsonWebKey,
} from 'node:crypto';
import { AuthError, decodeBase64Url, isCanonicalBase64Url } from '../core/index.js';
import { ALGORITHM_SPECS, isJwsAlgorithm, type JwsAlgorithm } from './algorithms.js';
import { checkKid, importKeyObject, keyError } from './key-handle.js';
import { importHmacSecret } from './key-import.js';
import type { ImportKeyOptions, Jwk, JwtKey } from './key-types.js';

const JWK_MEMBERS: Record<
  string,
  { readonly pub: readonly string[]; readonly priv: readonly string[] }
> = {
  RSA: { pub: ['n', 'e'], priv: ['d', 'p', 'q', 'dp', 'dq', 'qi'] },
  EC: { pub: ['crv', 'x', 'y'], priv: ['d'] },
  OKP: { pub: ['crv', 'x'], priv: ['d'] },
};

function defaultAlgFor(jwk: Jwk): JwsAlgorithm | undefined {
  if (jwk.kty === 'EC') {
    return jwk.crv === 'P-256'
      ? 'ES256'
      : jwk.crv === 'P-384'
        ? 'ES384'
        : jwk.crv === 'P-521'
          ? 'ES512'
          : undefined;
  }
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  return undefined;
}

/**
 * Imports one JWK (RFC 7517). The algorithm comes from `options.alg` or the JWK's `alg` (they must
 * agree when both are given); EC and Ed25519 keys default to the algorithm of their curve.
 *
 * @throws AuthError ERR_KEY_INVALID for a malformed JWK, `use` other than `sig`, `key_ops` without
 *   a signature operation, or key material that does not fit the algorithm; ERR_KEY_UNSUPPORTED
 *   for an algorithm or key type we do not implement.
 * @example
 * const key = importJwk({ kty: 'EC', crv: 'P-256', x, y });
 */
export function importJwk(
  jwk: unknown,
  options: ImportKeyOptions & { readonly alg?: JwsAlgorithm } = {},
): JwtKey {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk))
    throw keyError('a JWK must be a JSON object');
  const j = jwk as Jwk;
  if (typeof j.kty !== 'string') throw keyError('JWK kty is missing');
  if (j.use !== undefined && j.use !== 'sig') throw keyError('JWK use is not "sig"');
  const isPrivate = j.d !== undefined || (j.kty === 'oct' && j.k !== undefined);
  if (j.key_ops !== undefined) {
    const ops = j.key_ops;
    if (!Array.isArray(ops) || !ops.every((op) => typeof op === 'string'))
      throw keyError('JWK key_ops must be strings');
    if (!ops.includes(isPrivate ? 'sign' : 'verify') && !ops.includes('verify')) {
      throw keyError('JWK key_ops allow no signature operation');
    }
  }
  if (j.alg !== undefined && !isJwsAlgorithm(j.alg))
    throw new AuthError('ERR_KEY_UNSUPPORTED', 'JWK alg is not supported');
  if (j.alg !== undefined && options.alg !== undefined && j.alg !== options.alg) {
    throw keyError('JWK alg differs from the requested algorithm');
  }
  const alg = options.alg ?? (j.alg as JwsAlgorithm | undefined) ?? defaultAlgFor(j);
  if (alg === undefined) throw keyError('JWK has no alg, and its key type implies none');
  const kid = options.kid ?? (j.kid === undefined ? undefined : checkKid(j.kid));
  const keyOptions: ImportKeyOptions = kid === undefined ? {} : { kid };

  if (j.kty === 'oct') {
    if (ALGORITHM_SPECS[alg].family !== 'hmac') throw keyError(`an oct JWK cannot serve ${alg}`);
    const k = typeof j.k === 'string' ? decodeBase64Url(j.k) : null;
    if (k === null) throw keyError('JWK k is not canonical base64url');
    return importHmacSecret(k, alg as 'HS256', keyOptions);
  }
  // Object.hasOwn: a kty of "constructor" or "__proto__" must not reach Object.prototype.
  const members = Object.hasOwn(JWK_MEMBERS, j.kty) ? JWK_MEMBERS[j.kty] : undefined;
  if (members === undefined) throw new AuthError('ERR_KEY_UNSUPPORTED', 'JWK kty is not supported');
  const clean: Record<string, string> = { kty: j.kty };
  for (const name of isPrivate ? [...members.pub, ...members.priv] : members.pub) {
    const value = j[name];
    if (typeof value !== 'string') throw keyError(`JWK member ${name} is missing`);
    if (name !== 'crv' && !isCanonicalBase64Url(value))
      throw keyError(`JWK member ${name} is not canonical base64url`);
    clean[name] = value;
  }
  let keyObject: KeyObject;
  try {
    const input = { key: clean as NodeJsonWebKey, format: 'jwk' as const };
    keyObject = isPrivate ? createPrivateKey(input) : createPublicKey(input);
  } catch {
    throw keyError('JWK does not describe a valid key');
  }
  return importKeyObject(keyObject, alg, keyOptions);
}

/**
 * Imports a JWK Set (RFC 7517 section 5), given as an object or as JSON text. Every key must import;
 * `kid` values must be unique.
 *
 * @throws AuthError ERR_KEY_INVALID for a malformed set, any bad key, or secrets mixed with
 *   asymmetric keys; ERR_KEYRING_INVALID for a duplicate kid.
 * @example
 * const keys = importJwks(await fs.readFile('jwks.json', 'utf8'));
 */
export function importJwks(jwks: unknown): JwtKey[] {
  let set = jwks;
  if (typeof set === 'string') {
    try {
      set = JSON.parse(set);
    } catch {
      throw keyError('JWKS text is not JSON');
    }
  }
  const keys = (set as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw keyError('a JWKS must be an object with a keys array');
  const imported = keys.map((jwk) => importJwk(jwk));
  // A set that mixes shared secrets with asymmetric keys is ambiguous and usually means a secret
  // is about to be published next to public keys (Wycheproof json_web_key tcId 1): refuse it.
  const secrets = imported.filter((key) => key.kind === 'secret').length;
  if (secrets > 0 && secrets < imported.length)
    throw keyError('a JWKS must not mix secret and asymmetric keys');
  const seen = new Set<string>();
  for (const key of imported) {
    if (seen.has(key.kid)) throw new AuthError('ERR_KEYRING_INVALID', 'duplicate kid in JWKS');
    seen.add(key.kid);
  }
  return imported;
}
