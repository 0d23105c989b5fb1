/**
 * Typed keys: imported once, bound to exactly one algorithm, checked for strength.
 *
 * A `JwtKey` is an opaque handle. Only the importers in this module can make one (the key
 * material lives in a module-private WeakMap), so a verifier can trust that every key it holds
 * passed these checks. A key never serves two algorithms, and no path builds an HMAC key out of
 * anything that parses as a public or private key: that is the algorithm-confusion attack
 * (RFC 8725 section 2.1) that the fast-jwt and jsonwebtoken advisories were about.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  generateKeyPairSync,
  type KeyObject,
  type JsonWebKey as NodeJsonWebKey,
  randomBytes,
} from 'node:crypto';
import { decodeBase64Url, encodeBase64Url, isCanonicalBase64Url } from '../core/encoding.js';
import { AuthError } from '../core/errors.js';
import {
  ALGORITHM_SPECS,
  isJwsAlgorithm,
  type JwsAlgorithm,
  type SignatureKey,
} from './algorithms.js';
import { createHmacKernel } from './hmac.js';

/** What a key can do: a secret signs and verifies, a private key signs, a public key verifies. */
export type JwtKeyKind = 'secret' | 'private' | 'public';

/** An imported, validated key bound to one algorithm. Opaque: use the functions of this module. */
export interface JwtKey {
  readonly alg: JwsAlgorithm;
  readonly kid: string;
  readonly kind: JwtKeyKind;
}

/** Key material behind a JwtKey; never leaves this module except to sign.ts and jws.ts. */
export type KeyMaterial = SignatureKey;

/** A JSON Web Key as it appears on the wire (RFC 7517). */
export type Jwk = Readonly<Record<string, unknown>>;

export interface ImportKeyOptions {
  /** The key id; defaults to the RFC 7638 thumbprint of the public key. */
  readonly kid?: string;
}

const materials = new WeakMap<JwtKey, KeyMaterial>();

const MIN_RSA_BITS = 2048;
const MIN_RSA_EXPONENT = 65537n;
const MAX_KID_LENGTH = 256;

const NODE_CURVE: Record<string, string> = {
  'P-256': 'prime256v1',
  'P-384': 'secp384r1',
  'P-521': 'secp521r1',
};

function keyError(message: string, details?: Record<string, string>): AuthError {
  return new AuthError('ERR_KEY_INVALID', message, details);
}

/** The material of a key made by this module, or a thrown ERR_KEY_INVALID for anything else. */
export function getKeyMaterial(key: JwtKey): KeyMaterial {
  const material = materials.get(key);
  if (material === undefined) throw keyError('not a key imported by gatehouse/jwt');
  return material;
}

/** True when `value` is a key made by this module's importers. */
export function isJwtKey(value: unknown): value is JwtKey {
  return typeof value === 'object' && value !== null && materials.has(value as JwtKey);
}

function checkKid(kid: unknown): string {
  if (typeof kid !== 'string' || kid.length === 0 || kid.length > MAX_KID_LENGTH) {
    throw keyError(`kid must be a string of 1 to ${MAX_KID_LENGTH} characters`);
  }
  return kid;
}

/**
 * Checks that a node KeyObject fits `alg`, and wraps it as a JwtKey.
 *
 * @throws AuthError ERR_KEY_INVALID when the key type, curve or size does not fit the algorithm.
 * @example
 * const key = importKeyObject(createPublicKey(pem), 'ES256');
 */
export function importKeyObject(
  keyObject: KeyObject,
  alg: JwsAlgorithm,
  options: ImportKeyOptions = {},
): JwtKey {
  if (!isJwsAlgorithm(alg)) throw new AuthError('ERR_KEY_UNSUPPORTED', 'unsupported algorithm');
  const spec = ALGORITHM_SPECS[alg];
  let modulusBytes = 0;
  if (spec.family === 'hmac') {
    if (keyObject.type !== 'secret')
      throw keyError(`${alg} needs a secret key, not a ${keyObject.type} key`);
    const secret = keyObject.export();
    if (secret.length < spec.hashBytes) {
      // RFC 7518 section 3.2: a key of the same size as the hash output or larger.
      throw keyError(`${alg} secret must be at least ${spec.hashBytes} bytes`);
    }
    if (looksLikeKeyMaterial(secret))
      throw keyError('an HMAC secret must not be a public or private key');
  } else {
    if (keyObject.type === 'secret') throw keyError(`${alg} needs an asymmetric key, not a secret`);
    const type = keyObject.asymmetricKeyType;
    const details = keyObject.asymmetricKeyDetails ?? {};
    switch (spec.family) {
      case 'rsa':
      case 'rsa-pss': {
        const pssKey = type === 'rsa-pss';
        if (!(type === 'rsa' || (pssKey && spec.family === 'rsa-pss'))) {
          throw keyError(`${alg} needs an RSA key`);
        }
        if (pssKey && details.hashAlgorithm !== undefined && details.hashAlgorithm !== spec.hash) {
          throw keyError(`RSASSA-PSS key parameters do not match ${alg}`);
        }
        const bits = details.modulusLength ?? 0;
        if (bits < MIN_RSA_BITS) throw keyError(`RSA keys must have at least ${MIN_RSA_BITS} bits`);
        // Small exponents (1, 3) enable forgeries against lax PKCS#1 v1.5 parsers.
        if ((details.publicExponent ?? 0n) < MIN_RSA_EXPONENT)
          throw keyError('RSA public exponent must be at least 65537');
        if (hasRocaFingerprint(keyObject))
          throw keyError('RSA modulus has the ROCA fingerprint (CVE-2017-15361)');
        modulusBytes = Math.ceil(bits / 8);
        break;
      }
      case 'ecdsa':
        if (type !== 'ec') throw keyError(`${alg} needs an EC key`);
        if (details.namedCurve !== NODE_CURVE[spec.curve as string]) {
          throw keyError(`${alg} needs a key on curve ${spec.curve as string}`);
        }
        break;
      case 'eddsa':
        if (type !== 'ed25519') throw keyError('EdDSA needs an Ed25519 key');
        break;
    }
  }
  const kind: JwtKeyKind =
    keyObject.type === 'secret' ? 'secret' : keyObject.type === 'private' ? 'private' : 'public';
  const verifyingKey = kind === 'private' ? createPublicKey(keyObject) : keyObject;
  const kid = options.kid === undefined ? thumbprintOf(verifyingKey, alg) : checkKid(options.kid);
  const key: JwtKey = Object.freeze({ alg, kid, kind });
  materials.set(
    key,
    Object.freeze({
      spec,
      signingKey: kind === 'public' ? null : keyObject,
      verifyingKey,
      modulusBytes,
      hmac: kind === 'secret' ? createHmacKernel(spec.hash as string, keyObject) : null,
    }),
  );
  return key;
}

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
  const members = JWK_MEMBERS[j.kty];
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
      return importHmacSecret(randomBytes(spec.hashBytes), alg as 'HS256', options);
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

const THUMBPRINT_MEMBERS: Record<string, readonly string[]> = {
  // RFC 7638 section 3.2: the required members, in lexicographic order.
  EC: ['crv', 'kty', 'x', 'y'],
  RSA: ['e', 'kty', 'n'],
  OKP: ['crv', 'kty', 'x'],
  oct: ['k', 'kty'],
};

/**
 * The RFC 7638 JWK thumbprint (SHA-256, base64url) of a JWK.
 *
 * @throws AuthError ERR_KEY_INVALID when a required member is missing.
 * @example
 * calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x, y })
 */
export function calculateJwkThumbprint(jwk: Jwk): string {
  const members = typeof jwk.kty === 'string' ? THUMBPRINT_MEMBERS[jwk.kty] : undefined;
  if (members === undefined) throw new AuthError('ERR_KEY_UNSUPPORTED', 'JWK kty is not supported');
  const required: Record<string, string> = {};
  for (const name of members) {
    const value = jwk[name];
    if (typeof value !== 'string') throw keyError(`JWK member ${name} is missing`);
    required[name] = value;
  }
  // JSON.stringify keeps insertion order, which is the lexicographic order above, with no whitespace.
  return createHash('sha256').update(JSON.stringify(required)).digest('base64url');
}

function thumbprintOf(verifyingKey: KeyObject, alg: JwsAlgorithm): string {
  if (verifyingKey.type === 'secret') {
    return calculateJwkThumbprint({ kty: 'oct', k: encodeBase64Url(verifyingKey.export()) });
  }
  const jwk = verifyingKey.export({ format: 'jwk' }) as Jwk;
  if (jwk.kty === undefined)
    throw new AuthError('ERR_KEY_UNSUPPORTED', `cannot compute a thumbprint for ${alg}`);
  return calculateJwkThumbprint(jwk);
}

/**
 * True when bytes offered as an HMAC secret are in fact key material: PEM or OpenSSH text, JWK
 * or JWKS JSON, or DER that node:crypto reads as a public or private key.
 */
export function looksLikeKeyMaterial(bytes: Uint8Array): boolean {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = buffer.toString('latin1');
  if (/-----BEGIN [A-Z0-9 ]*(KEY|CERTIFICATE)-----/.test(text)) return true;
  if (/^\s*(ssh-(rsa|ed25519)|ecdsa-sha2-nistp\d+) /.test(text)) return true;
  if (/^\s*[{[]/.test(text)) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null && ('kty' in parsed || 'keys' in parsed))
        return true;
    } catch {
      // Not JSON: fine for a secret.
    }
  }
  // DER SEQUENCE: try the key encodings node:crypto knows.
  if (buffer[0] === 0x30) {
    const attempts: Array<() => unknown> = [
      () => createPublicKey({ key: buffer, format: 'der', type: 'spki' }),
      () => createPublicKey({ key: buffer, format: 'der', type: 'pkcs1' }),
      () => createPrivateKey({ key: buffer, format: 'der', type: 'pkcs8' }),
      () => createPrivateKey({ key: buffer, format: 'der', type: 'pkcs1' }),
      () => createPrivateKey({ key: buffer, format: 'der', type: 'sec1' }),
    ];
    for (const attempt of attempts) {
      try {
        attempt();
        return true;
      } catch {
        // Try the next encoding.
      }
    }
  }
  return false;
}

/**
 * The odd primes up to 701. RSALib's M is the product of the first 126 primes (up to 701) for
 * moduli of 1984 to 3936 bits and of more primes above that, so every modulus we accept (2048 bits
 * or more) that RSALib made is a power of 65537 modulo each of these (Nemec et al., CCS 2017).
 */
const ROCA_PRIMES = (() => {
  const primes: number[] = [];
  for (let n = 3; n <= 701; n += 2) if (primes.every((p) => n % p !== 0)) primes.push(n);
  return primes;
})();

/** For each prime p: the residues in the subgroup of (Z/p)* generated by 65537. */
const ROCA_SUBGROUPS: ReadonlyArray<readonly [bigint, ReadonlySet<number>]> = ROCA_PRIMES.map(
  (p) => {
    const members = new Set<number>();
    let x = 1;
    const g = 65537 % p;
    do {
      members.add(x);
      x = (x * g) % p;
    } while (x !== 1);
    return [BigInt(p), members] as const;
  },
);

/**
 * True when an RSA modulus was made by the Infineon RSALib weakness (ROCA, CVE-2017-15361): such
 * primes are k*M + (65537^a mod M), so the modulus is a power of 65537 modulo every small prime of
 * M. A random modulus passes this test with probability below 2^-160 (the product over the primes
 * of the subgroup's share of residues).
 */
export function hasRocaFingerprint(keyObject: KeyObject): boolean {
  const jwk = (keyObject.type === 'private' ? createPublicKey(keyObject) : keyObject).export({
    format: 'jwk',
  });
  if (typeof jwk.n !== 'string') return false;
  const n = BigInt(`0x${Buffer.from(jwk.n, 'base64url').toString('hex')}`);
  for (const [p, members] of ROCA_SUBGROUPS) {
    if (!members.has(Number(n % p))) return false;
  }
  return true;
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
