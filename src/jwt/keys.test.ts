import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import * as jose from 'jose';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../../test/support/errors.js';
import type { AuthError } from '../core/errors.js';
import { JWS_ALGORITHMS } from './algorithms.js';
import { importJwk, importJwks } from './jwk-import.js';
import { exportJwk, exportPublicJwks, publicKeyOf } from './key-export.js';
import { generateJwtKey } from './key-generate.js';
import { importKeyObject, isJwtKey } from './key-handle.js';
import { importDer, importHmacSecret, importPem } from './key-import.js';
import { calculateJwkThumbprint } from './thumbprint.js';

const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ecPem = ec.publicKey.export({ format: 'pem', type: 'spki' }) as string;
const rsaPem = rsa.publicKey.export({ format: 'pem', type: 'spki' }) as string;

describe('HMAC secrets are never built from a key', () => {
  const padded = (text: string) => text.padEnd(80, ' ');
  it.each([
    ['EC public key PEM', ecPem],
    ['RSA public key PEM', rsaPem],
    ['RSA PKCS#1 public PEM', rsa.publicKey.export({ format: 'pem', type: 'pkcs1' }) as string],
    ['EC private key PEM', ec.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string],
    ['EC public JWK text', padded(JSON.stringify(ec.publicKey.export({ format: 'jwk' })))],
    ['JWKS text', padded(JSON.stringify({ keys: [ec.publicKey.export({ format: 'jwk' })] }))],
    [
      'an OpenSSH public key line',
      padded(`ssh-ed25519 ${randomBytes(51).toString('base64')} user@host`),
    ],
  ])('refuses the %s as text', (_name, text) => {
    expect(codeOf(() => importHmacSecret(text, 'HS256'))).toBe('ERR_KEY_INVALID');
  });

  it.each([
    ['EC SPKI DER', ec.publicKey.export({ format: 'der', type: 'spki' })],
    ['RSA SPKI DER', rsa.publicKey.export({ format: 'der', type: 'spki' })],
    ['RSA PKCS#1 DER', rsa.publicKey.export({ format: 'der', type: 'pkcs1' })],
    ['EC PKCS#8 DER', ec.privateKey.export({ format: 'der', type: 'pkcs8' })],
  ])('refuses the %s as bytes', (_name, der) => {
    expect(codeOf(() => importHmacSecret(der, 'HS256'))).toBe('ERR_KEY_INVALID');
  });

  it('refuses an oct JWK whose k is a PEM public key', () => {
    const k = Buffer.from(ecPem).toString('base64url');
    expect(codeOf(() => importJwk({ kty: 'oct', k, alg: 'HS256' }))).toBe('ERR_KEY_INVALID');
  });

  it('refuses PEM and DER importers for HS algorithms, and a public key object for HMAC', () => {
    expect(codeOf(() => importPem(ecPem, 'HS256'))).toBe('ERR_KEY_INVALID');
    expect(
      codeOf(() => importDer(ec.publicKey.export({ format: 'der', type: 'spki' }), 'HS256')),
    ).toBe('ERR_KEY_INVALID');
    expect(codeOf(() => importKeyObject(ec.publicKey, 'HS256'))).toBe('ERR_KEY_INVALID');
  });

  it('requires secrets at least as long as the hash: the boundary', () => {
    expect(importHmacSecret(randomBytes(32), 'HS256').alg).toBe('HS256');
    expect(codeOf(() => importHmacSecret(randomBytes(31), 'HS256'))).toBe('ERR_KEY_INVALID');
    expect(codeOf(() => importHmacSecret(randomBytes(47), 'HS384'))).toBe('ERR_KEY_INVALID');
    expect(importHmacSecret(randomBytes(48), 'HS384').alg).toBe('HS384');
    expect(codeOf(() => importHmacSecret(randomBytes(63), 'HS512'))).toBe('ERR_KEY_INVALID');
    expect(codeOf(() => importHmacSecret('', 'HS256'))).toBe('ERR_KEY_INVALID');
  });

  it('does not put the secret or the PEM into the error', () => {
    expect.assertions(3);
    try {
      importHmacSecret(ecPem, 'HS256');
    } catch (error) {
      expect((error as Error).message).not.toContain('BEGIN');
      expect((error as Error).message).not.toContain(ecPem.split('\n')[1]);
    }
    const secret = 'sentinel-short-secret';
    try {
      importHmacSecret(secret, 'HS256');
    } catch (error) {
      expect(
        `${(error as Error).message}${JSON.stringify((error as AuthError).details ?? {})}`,
      ).not.toContain(secret);
    }
  });
});

describe('asymmetric keys are bound to one algorithm and checked for strength', () => {
  it('refuses RSA keys under 2048 bits and exponents under 65537', () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(codeOf(() => importKeyObject(small.publicKey, 'RS256'))).toBe('ERR_KEY_INVALID');
    const e3 = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 3 });
    expect(codeOf(() => importKeyObject(e3.publicKey, 'RS256'))).toBe('ERR_KEY_INVALID');
    expect(importKeyObject(rsa.publicKey, 'RS256').kind).toBe('public');
  });

  it('refuses RSA public exponents above 2^32 - 1 (each check would cost a modular exponentiation that size), from a JWK, a PEM or a KeyObject', () => {
    const n = rsa.publicKey.export({ format: 'jwk' }).n as string;
    const exponent = (value: bigint) => {
      const hex = value.toString(16);
      return Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex').toString('base64url');
    };
    const jwkWith = (e: bigint) => ({ kty: 'RSA', n, e: exponent(e) });
    // A 3064-bit odd exponent: about 13 ms per signature check on a 3072-bit key.
    const huge = (1n << 3063n) | BigInt(`0x${randomBytes(383).toString('hex')}`) | 1n;
    for (const e of [huge, (1n << 32n) + 1n]) {
      expect(codeOf(() => importJwk(jwkWith(e), { alg: 'RS256' }))).toBe('ERR_KEY_INVALID');
      const keyObject = createPublicKey({ key: jwkWith(e), format: 'jwk' });
      expect(codeOf(() => importKeyObject(keyObject, 'PS256'))).toBe('ERR_KEY_INVALID');
      const pem = keyObject.export({ format: 'pem', type: 'spki' }) as string;
      expect(codeOf(() => importPem(pem, 'RS256'))).toBe('ERR_KEY_INVALID');
      expect(codeOf(() => importJwks({ keys: [{ ...jwkWith(e), alg: 'RS256' }] }))).toBe(
        'ERR_KEY_INVALID',
      );
    }
    // The edge: 2^32 - 1 is still taken, and so is the usual 65537.
    expect(importJwk(jwkWith((1n << 32n) - 1n), { alg: 'RS256' }).kind).toBe('public');
    expect(importJwk(jwkWith(65537n), { alg: 'RS256' }).kind).toBe('public');
  });

  it('refuses a key of the wrong type or curve for the algorithm', () => {
    expect(codeOf(() => importKeyObject(ec.publicKey, 'RS256'))).toBe('ERR_KEY_INVALID');
    expect(codeOf(() => importKeyObject(ec.publicKey, 'ES384'))).toBe('ERR_KEY_INVALID');
    expect(codeOf(() => importKeyObject(rsa.publicKey, 'ES256'))).toBe('ERR_KEY_INVALID');
    expect(codeOf(() => importKeyObject(rsa.publicKey, 'EdDSA'))).toBe('ERR_KEY_INVALID');
    const ed = generateKeyPairSync('ed25519');
    expect(codeOf(() => importKeyObject(ed.publicKey, 'ES256'))).toBe('ERR_KEY_INVALID');
    expect(importKeyObject(ed.publicKey, 'EdDSA').alg).toBe('EdDSA');
  });

  it('JWK: alg must agree, use must be sig, key_ops must allow a signature operation', () => {
    const jwk = ec.publicKey.export({ format: 'jwk' });
    expect(importJwk(jwk).alg).toBe('ES256');
    expect(codeOf(() => importJwk({ ...jwk, alg: 'ES384' }))).toBe('ERR_KEY_INVALID');
    expect(codeOf(() => importJwk({ ...jwk, alg: 'ES256' }, { alg: 'ES512' }))).toBe(
      'ERR_KEY_INVALID',
    );
    expect(codeOf(() => importJwk({ ...jwk, use: 'enc' }))).toBe('ERR_KEY_INVALID');
    expect(codeOf(() => importJwk({ ...jwk, key_ops: ['encrypt'] }))).toBe('ERR_KEY_INVALID');
    expect(importJwk({ ...jwk, key_ops: ['verify'] }).kind).toBe('public');
    expect(codeOf(() => importJwk({ ...jwk, alg: 'none' }))).toBe('ERR_KEY_UNSUPPORTED');
    expect(codeOf(() => importJwk({ ...rsa.publicKey.export({ format: 'jwk' }) }))).toBe(
      'ERR_KEY_INVALID',
    );
    expect(codeOf(() => importJwk({ ...jwk, x: `${jwk.x}=` }))).toBe('ERR_KEY_INVALID');
    expect(codeOf(() => importJwk({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.x }))).toBe(
      'ERR_KEY_INVALID',
    );
    expect(codeOf(() => importJwk('{"kty":"EC"}'))).toBe('ERR_KEY_INVALID');
  });

  // A kty naming a member of Object.prototype once reached a plain-object table and threw a
  // TypeError (a 500 at /v1/token and /v1/me through a DPoP proof's header).
  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'])(
    'refuses kty %j with an AuthError (importJwk and calculateJwkThumbprint)',
    (kty) => {
      const jwk = JSON.parse(`{"kty":${JSON.stringify(kty)},"crv":"P-256","x":"AA","y":"AA"}`);
      expect(codeOf(() => importJwk(jwk, { alg: 'ES256' }))).toBe('ERR_KEY_UNSUPPORTED');
      expect(codeOf(() => importJwk({ ...jwk, d: 'AA' }, { alg: 'ES256' }))).toBe(
        'ERR_KEY_UNSUPPORTED',
      );
      expect(codeOf(() => calculateJwkThumbprint(jwk))).toBe('ERR_KEY_UNSUPPORTED');
    },
  );

  it('JWKS: refuses duplicate kids and secrets mixed with asymmetric keys', () => {
    const a = exportJwk(generateJwtKey('ES256', { kid: 'same' }));
    const b = exportJwk(generateJwtKey('ES256', { kid: 'same' }));
    expect(codeOf(() => importJwks({ keys: [a, b] }))).toBe('ERR_KEYRING_INVALID');
    const secret = exportJwk(generateJwtKey('HS256'), { includePrivate: true });
    expect(codeOf(() => importJwks({ keys: [a, secret] }))).toBe('ERR_KEY_INVALID');
    expect(importJwks(JSON.stringify({ keys: [a] }))).toHaveLength(1);
    expect(codeOf(() => importJwks('not json'))).toBe('ERR_KEY_INVALID');
    expect(codeOf(() => importJwks({ keys: 'x' }))).toBe('ERR_KEY_INVALID');
  });
});

describe('kid, thumbprints and export', () => {
  it('computes the RFC 7638 section 3.1 example thumbprint', () => {
    const jwk = {
      kty: 'RSA',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
      alg: 'RS256',
      kid: '2011-04-29',
    };
    expect(calculateJwkThumbprint(jwk)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it.each(JWS_ALGORITHMS.map((alg) => [alg]))(
    '%s: default kid is the thumbprint jose computes; JWK round-trips',
    async (alg) => {
      const key = generateJwtKey(alg);
      const jwk = exportJwk(key, { includePrivate: true });
      expect(key.kid).toBe(await jose.calculateJwkThumbprint(jwk as jose.JWK));
      const again = importJwk(jwk);
      expect(again).toMatchObject({ alg, kid: key.kid, kind: key.kind });
      if (key.kind !== 'secret') {
        const pub = exportJwk(key);
        expect(pub).not.toHaveProperty('d');
        expect(publicKeyOf(key)).toMatchObject({ alg, kid: key.kid, kind: 'public' });
      } else {
        expect(codeOf(() => exportJwk(key))).toBe('ERR_KEY_INVALID');
        expect(codeOf(() => publicKeyOf(key))).toBe('ERR_KEY_INVALID');
      }
    },
  );

  it('the public JWKS has no private members and no HMAC secrets', () => {
    const keys = [
      generateJwtKey('ES256'),
      generateJwtKey('EdDSA'),
      generateJwtKey('RS256'),
      generateJwtKey('HS256'),
    ];
    const jwks = exportPublicJwks(keys);
    expect(jwks.keys).toHaveLength(3);
    for (const jwk of jwks.keys) {
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'])
        expect(jwk).not.toHaveProperty(member);
      expect(jwk.use).toBe('sig');
    }
  });

  it('only keys from our importers count as keys', () => {
    expect(isJwtKey({ alg: 'HS256', kid: 'x', kind: 'secret' })).toBe(false);
    expect(isJwtKey(generateJwtKey('HS256'))).toBe(true);
    expect(codeOf(() => importHmacSecret(randomBytes(32), 'HS256', { kid: '' }))).toBe(
      'ERR_KEY_INVALID',
    );
  });

  // The positive case is Wycheproof json_web_key tcId 7, in test/vectors.
  it('does not flag freshly generated RSA keys as ROCA-weak', async () => {
    const { hasRocaFingerprint } = await import('./key-checks.js');
    for (let i = 0; i < 3; i++)
      expect(
        hasRocaFingerprint(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey),
      ).toBe(false);
  });
});
