/**
 * Hostile inputs: every case asserts the exact error code, and that the error carries no part of
 * the token or any key material. Tokens are forged with node:crypto directly, not with our signer.
 */
import { createHmac, sign as cryptoSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createFixedClock } from '../../src/core/clock.js';
import { AuthError, type ErrorCode } from '../../src/core/errors.js';
import { importHmacSecret, importKeyObject } from '../../src/jwt/index.js';
import { createJwtVerifier, type JwtVerifyOptions } from '../../src/jwt/verify.js';

const NOW = 1_700_000_000;
const clock = createFixedClock(NOW * 1000);
const SECRET = Buffer.from('sentinel-hmac-secret-0123456789-abcdefghijkl', 'utf8');

const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const attacker = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

const esKey = importKeyObject(ec.publicKey, 'ES256', { kid: 'es-1' });
const rsKey = importKeyObject(rsa.publicKey, 'RS256', { kid: 'rs-1' });
const hsKey = importHmacSecret(SECRET, 'HS256', { kid: 'hs-1' });

const b64 = (data: string | Buffer) => Buffer.from(data).toString('base64url');
const json = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

type Signer =
  | { es256: KeyObject }
  | { rs256: KeyObject }
  | { ps256: KeyObject }
  | { hmac: Buffer | string }
  | { raw: string }
  | { esRaw: Buffer };

function signature(input: string, signer: Signer): string {
  if ('raw' in signer) return signer.raw;
  if ('esRaw' in signer) return b64(signer.esRaw);
  if ('hmac' in signer) return b64(createHmac('sha256', signer.hmac).update(input).digest());
  if ('es256' in signer)
    return b64(
      cryptoSign('sha256', Buffer.from(input), { key: signer.es256, dsaEncoding: 'ieee-p1363' }),
    );
  if ('rs256' in signer) return b64(cryptoSign('sha256', Buffer.from(input), signer.rs256));
  return b64(
    cryptoSign('sha256', Buffer.from(input), { key: signer.ps256, padding: 6, saltLength: 32 }),
  );
}

/** A token from header and payload (objects, or raw JSON text), signed as told. */
function forge(header: unknown, payload: unknown, signer: Signer): string {
  const input = `${b64(json(header))}.${b64(json(payload))}`;
  return `${input}.${signature(input, signer)}`;
}

const claims = {
  iss: 'https://issuer.test',
  aud: 'api',
  sub: 'user-1',
  iat: NOW - 10,
  exp: NOW + 600,
};
const es = (payload: unknown = claims, header: Record<string, unknown> = {}) =>
  forge({ alg: 'ES256', kid: 'es-1', ...header }, payload, { es256: ec.privateKey });
const good = es();

const base: JwtVerifyOptions = {
  keys: [esKey, rsKey],
  issuer: 'https://issuer.test',
  audience: 'api',
  clock,
};
const mixed: JwtVerifyOptions = { ...base, keys: [esKey, rsKey, hsKey] };
const typed: JwtVerifyOptions = { ...base, typ: 'at+jwt' };
const aged: JwtVerifyOptions = { ...base, maxTokenAgeSeconds: 5 };

const ecPublicPem = ec.publicKey.export({ format: 'pem', type: 'spki' }) as string;
const ecPublicDer = ec.publicKey.export({ format: 'der', type: 'spki' });
const ecPublicJwk = JSON.stringify(ec.publicKey.export({ format: 'jwk' }));
const ecPublicJwks = JSON.stringify({ keys: [ec.publicKey.export({ format: 'jwk' })] });
const rsaPublicPem = rsa.publicKey.export({ format: 'pem', type: 'spki' }) as string;

function p1363(r: bigint, s: bigint): Buffer {
  return Buffer.from(r.toString(16).padStart(64, '0') + s.toString(16).padStart(64, '0'), 'hex');
}
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const goodSig = Buffer.from(good.split('.')[2] as string, 'base64url');
const goodR = BigInt(`0x${goodSig.subarray(0, 32).toString('hex')}`);
const goodS = BigInt(`0x${goodSig.subarray(32).toString('hex')}`);
const withSig = (token: string, sig: Buffer | string) =>
  `${token.split('.').slice(0, 2).join('.')}.${typeof sig === 'string' ? sig : b64(sig)}`;
function derSignature(sig: Buffer): Buffer {
  const int = (b: Buffer) => {
    let v = b;
    while (v.length > 1 && v[0] === 0 && ((v[1] as number) & 0x80) === 0) v = v.subarray(1);
    if (((v[0] as number) & 0x80) !== 0) v = Buffer.concat([Buffer.from([0]), v]);
    return Buffer.concat([Buffer.from([0x02, v.length]), v]);
  };
  const body = Buffer.concat([int(sig.subarray(0, 32)), int(sig.subarray(32))]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}
const rsGood = forge({ alg: 'RS256', kid: 'rs-1' }, claims, { rs256: rsa.privateKey });
const rsSig = Buffer.from(rsGood.split('.')[2] as string, 'base64url');
/** A signed token whose payload segment ends in a character with non-zero unused bits. */
function nonCanonicalPayload(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  for (let pad = 0; ; pad++) {
    const [h, p] = es({ ...claims, pad: 'x'.repeat(pad) }).split('.') as [string, string];
    if (p.length % 4 === 0) continue;
    // Canonical: the unused low bits of the last character are zero, so +1 sets one of them.
    // The signature covers the altered text, so only the canonical-encoding check can stop it.
    const input = `${h}.${p.slice(0, -1)}${alphabet[alphabet.indexOf(p.at(-1) as string) + 1]}`;
    return `${input}.${signature(input, { es256: ec.privateKey })}`;
  }
}
const nested = (depth: number) => `{"a":${'['.repeat(depth)}${']'.repeat(depth)}}`;

interface HostileCase {
  readonly name: string;
  readonly token: unknown;
  readonly code: ErrorCode;
  readonly options?: JwtVerifyOptions;
}

const cases: HostileCase[] = [
  // alg: none in any spelling, and algorithm confusion
  {
    name: 'alg none with an empty signature',
    token: forge({ alg: 'none' }, claims, { raw: '' }),
    code: 'ERR_JWT_MALFORMED',
  },
  ...['none', 'None', 'NONE', 'nOnE', ' none', 'none '].map(
    (alg): HostileCase => ({
      name: `alg "${alg}" with a signature`,
      token: forge({ alg }, claims, { raw: 'AAAA' }),
      code: 'ERR_JWS_ALG_NOT_ALLOWED',
    }),
  ),
  {
    name: 'alg none with the kid of a real key',
    token: forge({ alg: 'none', kid: 'es-1' }, claims, { raw: 'AAAA' }),
    code: 'ERR_JWS_ALG_NOT_ALLOWED',
  },
  {
    name: 'alg missing',
    token: forge({ kid: 'es-1' }, claims, { es256: ec.privateKey }),
    code: 'ERR_JWS_ALG_NOT_ALLOWED',
  },
  {
    name: 'alg null',
    token: forge({ alg: null }, claims, { raw: 'AAAA' }),
    code: 'ERR_JWS_ALG_NOT_ALLOWED',
  },
  {
    name: 'alg a number',
    token: forge({ alg: 256 }, claims, { raw: 'AAAA' }),
    code: 'ERR_JWS_ALG_NOT_ALLOWED',
  },
  {
    name: 'alg an array',
    token: forge({ alg: ['ES256'] }, claims, { es256: ec.privateKey }),
    code: 'ERR_JWS_ALG_NOT_ALLOWED',
  },
  {
    name: 'alg in lower case',
    token: forge({ alg: 'es256', kid: 'es-1' }, claims, { es256: ec.privateKey }),
    code: 'ERR_JWS_ALG_NOT_ALLOWED',
  },
  {
    name: 'alg not configured (ES384)',
    token: forge({ alg: 'ES384', kid: 'es-1' }, claims, { raw: 'AAAA' }),
    code: 'ERR_JWS_ALG_NOT_ALLOWED',
  },
  {
    name: 'HS256 signed with the EC public key as PEM',
    token: forge({ alg: 'HS256', kid: 'es-1' }, claims, { hmac: ecPublicPem }),
    code: 'ERR_JWS_ALG_NOT_ALLOWED',
  },
  {
    name: 'HS256 signed with the EC public key as DER',
    token: forge({ alg: 'HS256', kid: 'es-1' }, claims, { hmac: ecPublicDer }),
    code: 'ERR_JWS_ALG_NOT_ALLOWED',
  },
  {
    name: 'HS256 signed with the EC public key as JWK text',
    token: forge({ alg: 'HS256' }, claims, { hmac: ecPublicJwk }),
    code: 'ERR_JWS_ALG_NOT_ALLOWED',
  },
  {
    name: 'HS256 signed with the public JWKS text',
    token: forge({ alg: 'HS256' }, claims, { hmac: ecPublicJwks }),
    code: 'ERR_JWS_ALG_NOT_ALLOWED',
  },
  {
    name: 'HS256 signed with the RSA public key PEM',
    token: forge({ alg: 'HS256', kid: 'rs-1' }, claims, { hmac: rsaPublicPem }),
    code: 'ERR_JWS_ALG_NOT_ALLOWED',
  },
  {
    name: 'HS256 with the kid of the EC key, HMAC allowed elsewhere',
    token: forge({ alg: 'HS256', kid: 'es-1' }, claims, { hmac: ecPublicPem }),
    code: 'ERR_JWS_ALG_NOT_ALLOWED',
    options: mixed,
  },
  {
    name: 'HS256 without kid signed with the PEM, HMAC allowed',
    token: forge({ alg: 'HS256' }, claims, { hmac: ecPublicPem }),
    code: 'ERR_JWS_SIGNATURE_INVALID',
    options: mixed,
  },
  {
    name: 'RS256 header with the kid of the EC key',
    token: forge({ alg: 'RS256', kid: 'es-1' }, claims, { rs256: rsa.privateKey }),
    code: 'ERR_JWS_ALG_NOT_ALLOWED',
  },
  {
    name: 'PS256 signed with the RS256 key',
    token: forge({ alg: 'PS256', kid: 'rs-1' }, claims, { ps256: rsa.privateKey }),
    code: 'ERR_JWS_ALG_NOT_ALLOWED',
  },
  {
    name: 'algorithms option narrows the key set',
    token: rsGood,
    code: 'ERR_JWS_ALG_NOT_ALLOWED',
    options: { ...base, algorithms: ['ES256'] },
  },

  // keys carried by the token are never used
  {
    name: 'embedded jwk of the attacker, no kid',
    token: forge({ alg: 'ES256', jwk: attacker.publicKey.export({ format: 'jwk' }) }, claims, {
      es256: attacker.privateKey,
    }),
    code: 'ERR_JWS_SIGNATURE_INVALID',
  },
  {
    name: 'embedded jwk of the attacker with our kid',
    token: forge(
      { alg: 'ES256', kid: 'es-1', jwk: attacker.publicKey.export({ format: 'jwk' }) },
      claims,
      { es256: attacker.privateKey },
    ),
    code: 'ERR_JWS_SIGNATURE_INVALID',
  },
  {
    name: 'jku pointing at the attacker',
    token: forge({ alg: 'ES256', kid: 'es-1', jku: 'https://attacker.example/jwks.json' }, claims, {
      es256: attacker.privateKey,
    }),
    code: 'ERR_JWS_SIGNATURE_INVALID',
  },
  {
    name: 'x5u pointing at the attacker',
    token: forge({ alg: 'ES256', kid: 'es-1', x5u: 'https://attacker.example/cert.pem' }, claims, {
      es256: attacker.privateKey,
    }),
    code: 'ERR_JWS_SIGNATURE_INVALID',
  },
  {
    name: 'x5c with an attacker certificate',
    token: forge({ alg: 'ES256', kid: 'es-1', x5c: ['MIIB'] }, claims, {
      es256: attacker.privateKey,
    }),
    code: 'ERR_JWS_SIGNATURE_INVALID',
  },

  // kid is only a lookup
  {
    name: 'kid with path traversal',
    token: es(claims, { kid: '../../../../etc/passwd' }),
    code: 'ERR_JWS_KEY_NOT_FOUND',
  },
  {
    name: 'kid with SQL injection',
    token: es(claims, { kid: "x' UNION SELECT 'secret' --" }),
    code: 'ERR_JWS_KEY_NOT_FOUND',
  },
  {
    name: 'kid naming /dev/null',
    token: es(claims, { kid: '/dev/null' }),
    code: 'ERR_JWS_KEY_NOT_FOUND',
  },
  {
    name: 'kid with a NUL byte',
    token: es(claims, { kid: 'es-1\u0000' }),
    code: 'ERR_JWS_KEY_NOT_FOUND',
  },
  { name: 'kid __proto__', token: es(claims, { kid: '__proto__' }), code: 'ERR_JWS_KEY_NOT_FOUND' },
  {
    name: 'kid constructor',
    token: es(claims, { kid: 'constructor' }),
    code: 'ERR_JWS_KEY_NOT_FOUND',
  },
  { name: 'kid a number', token: es(claims, { kid: 1 }), code: 'ERR_JWS_HEADER_INVALID' },
  {
    name: 'kid an object',
    token: es(claims, { kid: { $ne: null } }),
    code: 'ERR_JWS_HEADER_INVALID',
  },
  {
    name: 'no kid with two RSA keys to choose from',
    token: forge({ alg: 'RS256' }, claims, { rs256: rsa.privateKey }),
    code: 'ERR_JWS_KEY_NOT_FOUND',
    options: {
      ...base,
      keys: [
        esKey,
        rsKey,
        importKeyObject(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey, 'RS256', {
          kid: 'rs-2',
        }),
      ],
    },
  },

  // signatures
  { name: 'empty signature', token: withSig(good, ''), code: 'ERR_JWT_MALFORMED' },
  {
    name: 'truncated ECDSA signature (63 bytes)',
    token: withSig(good, goodSig.subarray(0, 63)),
    code: 'ERR_JWS_SIGNATURE_INVALID',
  },
  {
    name: 'extended ECDSA signature (65 bytes)',
    token: withSig(good, Buffer.concat([goodSig, Buffer.from([0])])),
    code: 'ERR_JWS_SIGNATURE_INVALID',
  },
  {
    name: 'DER-encoded ECDSA signature of the right token',
    token: withSig(good, derSignature(goodSig)),
    code: 'ERR_JWS_SIGNATURE_INVALID',
  },
  {
    name: 'ECDSA r = 0 and s = 0 (CVE-2022-21449)',
    token: withSig(good, p1363(0n, 0n)),
    code: 'ERR_JWS_SIGNATURE_INVALID',
  },
  {
    name: 'ECDSA r = 0',
    token: withSig(good, p1363(0n, goodS)),
    code: 'ERR_JWS_SIGNATURE_INVALID',
  },
  {
    name: 'ECDSA s = 0',
    token: withSig(good, p1363(goodR, 0n)),
    code: 'ERR_JWS_SIGNATURE_INVALID',
  },
  {
    name: 'ECDSA r = s = n',
    token: withSig(good, p1363(P256_N, P256_N)),
    code: 'ERR_JWS_SIGNATURE_INVALID',
  },
  {
    name: 'ECDSA r + n (range check)',
    token: withSig(good, Buffer.concat([Buffer.from([0]), p1363(goodR, goodS)])),
    code: 'ERR_JWS_SIGNATURE_INVALID',
  },
  {
    name: 'RSA signature truncated by one byte',
    token: withSig(rsGood, rsSig.subarray(1)),
    code: 'ERR_JWS_SIGNATURE_INVALID',
  },
  {
    name: 'RSA signature with a leading zero byte',
    token: withSig(rsGood, Buffer.concat([Buffer.from([0]), rsSig])),
    code: 'ERR_JWS_SIGNATURE_INVALID',
  },
  {
    name: 'HMAC tag truncated to 16 bytes',
    token: forge({ alg: 'HS256', kid: 'hs-1' }, claims, {
      raw: b64(createHmac('sha256', SECRET).update('x').digest().subarray(0, 16)),
    }),
    code: 'ERR_JWS_SIGNATURE_INVALID',
    options: mixed,
  },
  {
    name: 'signature of another token',
    token: withSig(es({ ...claims, sub: 'admin' }), goodSig),
    code: 'ERR_JWS_SIGNATURE_INVALID',
  },
  {
    name: 'payload changed after signing',
    token: `${good.split('.')[0]}.${b64(JSON.stringify({ ...claims, sub: 'admin' }))}.${good.split('.')[2]}`,
    code: 'ERR_JWS_SIGNATURE_INVALID',
  },

  // crit and b64
  {
    name: 'crit names an unknown parameter',
    token: es(claims, { crit: ['exp'], exp: 1 }),
    code: 'ERR_JWS_CRIT_UNSUPPORTED',
  },
  {
    name: 'crit names a private extension',
    token: es(claims, { crit: ['urn:x'], 'urn:x': true }),
    code: 'ERR_JWS_CRIT_UNSUPPORTED',
  },
  { name: 'crit is empty', token: es(claims, { crit: [] }), code: 'ERR_JWS_HEADER_INVALID' },
  { name: 'crit is a string', token: es(claims, { crit: 'exp' }), code: 'ERR_JWS_HEADER_INVALID' },
  {
    name: 'b64 false with crit (RFC 7797)',
    token: es(claims, { b64: false, crit: ['b64'] }),
    code: 'ERR_JWS_HEADER_INVALID',
  },
  {
    name: 'b64 false without crit',
    token: es(claims, { b64: false }),
    code: 'ERR_JWS_HEADER_INVALID',
  },
  { name: 'b64 true', token: es(claims, { b64: true }), code: 'ERR_JWS_HEADER_INVALID' },
  { name: 'typ not a string', token: es(claims, { typ: 1 }), code: 'ERR_JWS_HEADER_INVALID' },

  // claims
  {
    name: 'expired one second ago',
    token: es({ ...claims, exp: NOW - 1 }),
    code: 'ERR_JWT_EXPIRED',
  },
  { name: 'exp equal to now', token: es({ ...claims, exp: NOW }), code: 'ERR_JWT_EXPIRED' },
  {
    name: 'not yet valid (nbf in a minute)',
    token: es({ ...claims, nbf: NOW + 60 }),
    code: 'ERR_JWT_NOT_YET_VALID',
  },
  {
    name: 'issued in the future',
    token: es({ ...claims, iat: NOW + 60 }),
    code: 'ERR_JWT_CLAIM_INVALID',
  },
  { name: 'exp missing', token: es({ ...claims, exp: undefined }), code: 'ERR_JWT_CLAIM_MISSING' },
  {
    name: 'exp a string',
    token: es({ ...claims, exp: String(NOW + 600) }),
    code: 'ERR_JWT_CLAIM_INVALID',
  },
  {
    name: 'exp 1e400 (Infinity)',
    token: es(JSON.stringify({ ...claims, exp: 0 }).replace('"exp":0', '"exp":1e400')),
    code: 'ERR_JWT_CLAIM_INVALID',
  },
  { name: 'exp null', token: es({ ...claims, exp: null }), code: 'ERR_JWT_CLAIM_INVALID' },
  { name: 'exp true', token: es({ ...claims, exp: true }), code: 'ERR_JWT_CLAIM_INVALID' },
  {
    name: 'nbf a string',
    token: es({ ...claims, nbf: 'yesterday' }),
    code: 'ERR_JWT_CLAIM_INVALID',
  },
  {
    name: 'iat -1e400',
    token: es(JSON.stringify({ ...claims, iat: 0 }).replace('"iat":0', '"iat":-1e400')),
    code: 'ERR_JWT_CLAIM_INVALID',
  },
  {
    name: 'wrong audience',
    token: es({ ...claims, aud: 'other-api' }),
    code: 'ERR_JWT_CLAIM_INVALID',
  },
  {
    name: 'audience array without ours',
    token: es({ ...claims, aud: ['a', 'b'] }),
    code: 'ERR_JWT_CLAIM_INVALID',
  },
  { name: 'audience a number', token: es({ ...claims, aud: 1 }), code: 'ERR_JWT_CLAIM_INVALID' },
  {
    name: 'audience missing',
    token: es({ ...claims, aud: undefined }),
    code: 'ERR_JWT_CLAIM_INVALID',
  },
  {
    name: 'wrong issuer',
    token: es({ ...claims, iss: 'https://evil.test' }),
    code: 'ERR_JWT_CLAIM_INVALID',
  },
  {
    name: 'issuer missing',
    token: es({ ...claims, iss: undefined }),
    code: 'ERR_JWT_CLAIM_INVALID',
  },
  {
    name: 'issuer differing only in case',
    token: es({ ...claims, iss: 'https://ISSUER.test' }),
    code: 'ERR_JWT_CLAIM_INVALID',
  },
  {
    name: 'sub an object',
    token: es({ ...claims, sub: { id: 1 } }),
    code: 'ERR_JWT_CLAIM_INVALID',
  },
  {
    name: 'wrong subject',
    token: es(claims),
    code: 'ERR_JWT_CLAIM_INVALID',
    options: { ...base, subject: 'user-2' },
  },
  {
    name: 'typ JWT where at+jwt is required',
    token: es(claims, { typ: 'JWT' }),
    code: 'ERR_JWT_CLAIM_INVALID',
    options: typed,
  },
  {
    name: 'typ missing where at+jwt is required',
    token: es(claims),
    code: 'ERR_JWT_CLAIM_INVALID',
    options: typed,
  },
  {
    name: 'older than the maximum token age',
    token: es(claims),
    code: 'ERR_JWT_EXPIRED',
    options: aged,
  },
  {
    name: 'maximum token age without iat',
    token: es({ ...claims, iat: undefined }),
    code: 'ERR_JWT_CLAIM_MISSING',
    options: aged,
  },

  // structure and encoding
  {
    name: 'header a JSON array',
    token: forge(['ES256'], claims, { es256: ec.privateKey }),
    code: 'ERR_JWT_MALFORMED',
  },
  {
    name: 'header a JSON string',
    token: forge('"ES256"', claims, { es256: ec.privateKey }),
    code: 'ERR_JWT_MALFORMED',
  },
  {
    name: 'header not JSON',
    token: forge('alg=ES256', claims, { es256: ec.privateKey }),
    code: 'ERR_JWT_MALFORMED',
  },
  {
    name: 'header not UTF-8',
    token: `${b64(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))}.${b64('{}')}.AAAA`,
    code: 'ERR_JWT_MALFORMED',
  },
  {
    name: 'header with a byte-order mark',
    token: forge('\ufeff{"alg":"ES256","kid":"es-1"}', claims, { es256: ec.privateKey }),
    code: 'ERR_JWT_MALFORMED',
  },
  {
    name: 'duplicate alg in the header',
    token: forge('{"alg":"HS256","kid":"es-1","alg":"ES256"}', claims, { es256: ec.privateKey }),
    code: 'ERR_JWT_MALFORMED',
  },
  {
    name: 'duplicate exp in the payload',
    token: es(`{"iss":"https://issuer.test","aud":"api","exp":${NOW + 600},"exp":${NOW - 600}}`),
    code: 'ERR_JWT_MALFORMED',
  },
  {
    name: 'duplicate member in a nested payload object',
    token: es(`{"iss":"https://issuer.test","aud":"api","exp":${NOW + 600},"x":{"a":1,"a":2}}`),
    code: 'ERR_JWT_MALFORMED',
  },
  { name: 'payload a JSON array', token: es('[1,2]'), code: 'ERR_JWT_MALFORMED' },
  { name: 'payload a number', token: es('42'), code: 'ERR_JWT_MALFORMED' },
  { name: 'payload null', token: es('null'), code: 'ERR_JWT_MALFORMED' },
  { name: 'payload empty', token: es(''), code: 'ERR_JWT_MALFORMED' },
  {
    name: 'payload deeply nested',
    token: es(nested(10_000)),
    code: 'ERR_JWT_MALFORMED',
    options: { ...base, maxTokenBytes: 1 << 20 },
  },
  {
    name: 'header deeply nested',
    token: forge(`{"alg":"ES256","x":${nested(5_000)}}`, claims, { raw: 'AAAA' }),
    code: 'ERR_JWT_MALFORMED',
    options: { ...base, maxTokenBytes: 1 << 20 },
  },
  { name: 'padding "=" in the signature', token: `${good}=`, code: 'ERR_JWT_MALFORMED' },
  {
    name: 'standard base64 "+" in a segment',
    token: good.replace(/-/g, '+').replace(/^([^+]*)$/, '$1+'),
    code: 'ERR_JWT_MALFORMED',
  },
  {
    name: 'standard base64 "/" in a segment',
    token: `${good.split('.')[0]}/.${good.split('.').slice(1).join('.')}`,
    code: 'ERR_JWT_MALFORMED',
  },
  {
    name: 'whitespace inside the token',
    token: `${good.slice(0, 10)} ${good.slice(10)}`,
    code: 'ERR_JWT_MALFORMED',
  },
  { name: 'trailing newline', token: `${good}\n`, code: 'ERR_JWT_MALFORMED' },
  {
    name: 'non-canonical trailing bits in the payload',
    token: nonCanonicalPayload(),
    code: 'ERR_JWT_MALFORMED',
  },
  {
    name: 'segment of length 4n+1',
    token: `${good.split('.')[0]}.${good.split('.')[1]}A.${good.split('.')[2]}`,
    code: 'ERR_JWT_MALFORMED',
  },
  { name: 'two segments', token: good.split('.').slice(0, 2).join('.'), code: 'ERR_JWT_MALFORMED' },
  { name: 'four segments', token: `${good}.AAAA`, code: 'ERR_JWT_MALFORMED' },
  { name: 'five segments (a JWE shape)', token: `${good}.AAAA.AAAA`, code: 'ERR_JWT_MALFORMED' },
  { name: 'one segment', token: 'eyJhbGciOiJFUzI1NiJ9', code: 'ERR_JWT_MALFORMED' },
  {
    name: 'empty header segment',
    token: `.${good.split('.').slice(1).join('.')}`,
    code: 'ERR_JWT_MALFORMED',
  },
  { name: 'empty string', token: '', code: 'ERR_JWT_MALFORMED' },
  {
    name: 'a 1 MB token',
    token: `${good.split('.')[0]}.${'A'.repeat(1 << 20)}.${good.split('.')[2]}`,
    code: 'ERR_JWT_TOO_LARGE',
  },
  { name: 'one byte over the 8 KiB limit', token: 'A'.repeat(8193), code: 'ERR_JWT_TOO_LARGE' },
  {
    name: 'JWS JSON serialization',
    token: JSON.stringify({
      protected: good.split('.')[0],
      payload: good.split('.')[1],
      signature: good.split('.')[2],
    }),
    code: 'ERR_JWT_MALFORMED',
  },
  { name: 'a number instead of a token', token: 12345, code: 'ERR_JWT_MALFORMED' },
  { name: 'null instead of a token', token: null, code: 'ERR_JWT_MALFORMED' },
  {
    name: 'an object instead of a token',
    token: { toString: () => good },
    code: 'ERR_JWT_MALFORMED',
  },
];

describe('hostile inputs', () => {
  it('has at least 60 cases with unique names', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it('the well-formed token they are made from verifies', () => {
    expect(createJwtVerifier(base).verify(good).payload.sub).toBe('user-1');
    expect(createJwtVerifier(base).verify(rsGood).payload.sub).toBe('user-1');
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const verifier = createJwtVerifier(c.options ?? base);
    let caught: unknown;
    try {
      verifier.verify(c.token);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AuthError);
    const error = caught as AuthError;
    expect(error.code).toBe(c.code);
    // Nothing secret or token-derived in the message or details.
    const text = `${error.message} ${JSON.stringify(error.details ?? {})}`;
    expect(text).not.toContain(SECRET.toString('utf8'));
    if (typeof c.token === 'string') {
      for (const segment of c.token.split('.')) {
        if (segment.length >= 8) expect(text).not.toContain(segment.slice(0, 16));
      }
    }
  });
});
