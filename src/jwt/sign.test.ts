import { describe, expect, it } from 'vitest';
import { codeOf } from '../../test/support/errors.js';
import { createFixedClock } from '../core/clock.js';
import type { AuthError } from '../core/errors.js';
import { decodeJwtUnverified } from './decode.js';
import { publicKeyOf } from './key-export.js';
import { generateJwtKey } from './key-generate.js';
import { createJwtSigner, signJws, signJwt } from './sign.js';
import { createJwsVerifier, createJwtVerifier, verifyJwt } from './verify.js';

const clock = createFixedClock(1_700_000_000_500);

describe('signing', () => {
  it('the signer fills iat, exp, iss, aud and a random jti, and sets typ and kid in the header', () => {
    const key = generateJwtKey('EdDSA', { kid: 'ed-1' });
    const signer = createJwtSigner({
      key,
      issuer: 'https://i',
      audience: 'api',
      ttlSeconds: 3600,
      typ: 'at+jwt',
      clock,
    });
    const token = signer.sign({ sub: 'u', iat: 1, exp: 2 });
    const { header, payload } = decodeJwtUnverified(token);
    expect(header).toEqual({ alg: 'EdDSA', typ: 'at+jwt', kid: 'ed-1' });
    expect(payload).toMatchObject({
      iss: 'https://i',
      aud: 'api',
      sub: 'u',
      iat: 1_700_000_000,
      exp: 1_700_003_600,
    });
    expect(payload.jti).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(decodeJwtUnverified(signer.sign()).payload.jti).not.toBe(payload.jti);
    const verified = createJwtVerifier({
      keys: [key],
      issuer: 'https://i',
      audience: 'api',
      typ: 'at+jwt',
      clock,
    }).verify(token);
    expect(verified.payload.sub).toBe('u');
  });

  it('refuses to sign with a public key, a non-object payload or non-finite dates', () => {
    const key = generateJwtKey('ES256');
    expect(codeOf(() => signJwt({ exp: 1 }, publicKeyOf(key)))).toBe('ERR_KEY_INVALID');
    expect(codeOf(() => signJwt([] as unknown as Record<string, unknown>, key))).toBe(
      'ERR_CONFIG_INVALID',
    );
    expect(codeOf(() => signJwt({ exp: Number.POSITIVE_INFINITY }, key))).toBe(
      'ERR_CONFIG_INVALID',
    );
    expect(codeOf(() => signJwt({ iat: Number.NaN }, key))).toBe('ERR_CONFIG_INVALID');
    expect(codeOf(() => createJwtSigner({ key, ttlSeconds: 0 }))).toBe('ERR_CONFIG_INVALID');
  });

  it('signs arbitrary bytes as a JWS', () => {
    const key = generateJwtKey('HS512');
    const token = signJws(new Uint8Array([0, 255, 1]), key);
    const { payloadSegment } = createJwsVerifier({ keys: [key] }).verify(token);
    expect([...Buffer.from(payloadSegment, 'base64url')]).toEqual([0, 255, 1]);
  });
});

describe('verifier options are validated once, listing every problem', () => {
  it('reports all problems in one error', () => {
    let error: AuthError | undefined;
    try {
      createJwtVerifier({
        keys: [] as never,
        algorithms: ['none' as never],
        audience: '',
        clockToleranceSeconds: -1,
        maxTokenBytes: 1,
      });
    } catch (e) {
      error = e as AuthError;
    }
    expect(error?.code).toBe('ERR_CONFIG_INVALID');
    const problems = error?.details?.problems as string[];
    expect(problems).toHaveLength(5);
    expect(problems.join(' ')).toMatch(
      /keys.*algorithms.*maxTokenBytes.*audience.*clockToleranceSeconds/s,
    );
  });

  it('refuses objects that only look like keys', () => {
    expect(
      codeOf(() =>
        createJwtVerifier({ keys: [{ alg: 'HS256', kid: 'x', kind: 'secret' }] as never }),
      ),
    ).toBe('ERR_CONFIG_INVALID');
    expect(codeOf(() => createJwsVerifier({ keys: 'secret' as never }))).toBe('ERR_CONFIG_INVALID');
  });

  it('verifyJwt is the one-shot form of the same checks', () => {
    const key = generateJwtKey('HS256');
    const token = signJwt({ exp: 1_700_000_100 }, key);
    expect(verifyJwt(token, { keys: key, clock }).payload.exp).toBe(1_700_000_100);
    expect(
      codeOf(() => verifyJwt(token, { keys: key, clock: createFixedClock(1_700_000_100_000) })),
    ).toBe('ERR_JWT_EXPIRED');
  });

  it('a cached header is frozen, so callers cannot poison later verifications', () => {
    const key = generateJwtKey('HS256', { kid: 'h' });
    const verifier = createJwtVerifier({ keys: [key], clock });
    const token = signJwt({ exp: 1_700_000_100 }, key);
    const first = verifier.verify(token);
    expect(Object.isFrozen(first.header)).toBe(true);
    expect(() => {
      (first.header as { kid: string }).kid = 'other';
    }).toThrow(TypeError);
    expect(verifier.verify(token).header.kid).toBe('h');
  });
});
