import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader, EmbeddedJWK, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../test/support/random.js';
import { systemRandom } from '../core/index.js';
import {
  accessTokenHash,
  createDpopProof,
  generateDpopKey,
  htuOf,
  isDpopKeyPair,
  jwkThumbprint,
  publicJwkOf,
} from './dpop.js';

const IAT = 1_790_000_000;
const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJl';

async function proofWith(input: Partial<Parameters<typeof createDpopProof>[3]> = {}) {
  const key = await generateDpopKey();
  const jwk = await publicJwkOf(key);
  const proof = await createDpopProof(key, jwk, seededRandom(), {
    htm: 'GET',
    url: new URL('https://api.example.com/orders'),
    iatSeconds: IAT,
    ...input,
  });
  return { key, jwk, proof };
}

describe('DPoP proofs', () => {
  it('verify with jose against the embedded key: typ dpop+jwt, ES256, public jwk only', async () => {
    const { jwk, proof } = await proofWith({ accessToken: TOKEN, nonce: 'n-1' });
    const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, {
      typ: 'dpop+jwt',
      algorithms: ['ES256'],
      currentDate: new Date(IAT * 1000),
    });
    expect(protectedHeader).toEqual({ typ: 'dpop+jwt', alg: 'ES256', jwk });
    expect(Object.keys(protectedHeader.jwk ?? {}).sort()).toEqual(['crv', 'kty', 'x', 'y']);
    expect(payload).toEqual({
      jti: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      htm: 'GET',
      htu: 'https://api.example.com/orders',
      iat: IAT,
      ath: createHash('sha256').update(TOKEN).digest('base64url'),
      nonce: 'n-1',
    });
  });

  it('without a token or a nonce, carries neither ath nor nonce', async () => {
    const { proof } = await proofWith({
      htm: 'POST',
      url: new URL('https://auth.example/v1/token'),
    });
    const { payload } = await jwtVerify(proof, EmbeddedJWK, { currentDate: new Date(IAT * 1000) });
    expect(Object.keys(payload).sort()).toEqual(['htm', 'htu', 'iat', 'jti']);
    expect(payload.htu).toBe('https://auth.example/v1/token');
  });

  it('a changed byte breaks the signature (jose refuses it)', async () => {
    const { proof } = await proofWith();
    const [header, payload, signature] = proof.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { htm: string };
    claims.htm = 'POST';
    const forged = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    await expect(
      jwtVerify(forged, EmbeddedJWK, { currentDate: new Date(IAT * 1000) }),
    ).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  });

  it('two proofs never share a jti', async () => {
    const key = await generateDpopKey();
    const jwk = await publicJwkOf(key);
    const input = { htm: 'GET', url: new URL('https://a.example/'), iatSeconds: IAT };
    const jtis = await Promise.all(
      [1, 2, 3].map(async () => {
        const proof = await createDpopProof(key, jwk, systemRandom, input);
        return (await jwtVerify(proof, EmbeddedJWK, { currentDate: new Date(IAT * 1000) })).payload
          .jti;
      }),
    );
    expect(new Set(jtis).size).toBe(3);
  });

  it('the thumbprint is RFC 7638 (as jose computes it)', async () => {
    const { jwk, proof } = await proofWith();
    expect(await jwkThumbprint(jwk)).toBe(await calculateJwkThumbprint(jwk, 'sha256'));
    expect(await jwkThumbprint(jwk)).toBe(
      await calculateJwkThumbprint(decodeProtectedHeader(proof).jwk as never, 'sha256'),
    );
  });

  it('ath matches the example of RFC 9449 section 7.1', async () => {
    expect(await accessTokenHash('Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU')).toBe(
      'fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo',
    );
  });

  it.each([
    ['https://api.example.com/orders?page=2#top', 'https://api.example.com/orders'],
    ['HTTPS://API.Example.COM:443/a/b', 'https://api.example.com/a/b'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080/'],
    ['https://api.example.com/x%20y?q', 'https://api.example.com/x%20y'],
  ])('htu of %s is %s', (url, htu) => {
    expect(htuOf(new URL(url))).toBe(htu);
  });

  it('the private key cannot be exported; the public key can', async () => {
    const key = await generateDpopKey();
    expect(key.privateKey.extractable).toBe(false);
    await expect(crypto.subtle.exportKey('jwk', key.privateKey)).rejects.toThrow();
    await expect(crypto.subtle.exportKey('pkcs8', key.privateKey)).rejects.toThrow();
    expect((await publicJwkOf(key)).kty).toBe('EC');
  });

  it('isDpopKeyPair accepts a generated pair and nothing else', async () => {
    const key = await generateDpopKey();
    expect(isDpopKeyPair(key)).toBe(true);
    expect(isDpopKeyPair({ privateKey: key.publicKey, publicKey: key.publicKey })).toBe(false);
    expect(isDpopKeyPair({ privateKey: key.privateKey })).toBe(false);
    expect(isDpopKeyPair(null)).toBe(false);
    expect(isDpopKeyPair('key')).toBe(false);
  });
});
