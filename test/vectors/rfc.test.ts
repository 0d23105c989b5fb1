/**
 * RFC 7520 section 4 (JOSE cookbook signatures) and RFC 7515 appendix A examples.
 */
import { describe, expect, it } from 'vitest';
import { createFixedClock } from '../../src/core/clock.js';
import type { JwsAlgorithm } from '../../src/jwt/algorithms.js';
import { importJwk, type Jwk } from '../../src/jwt/index.js';
import { createJwsVerifier, createJwtVerifier } from '../../src/jwt/verify.js';
import { codeOf as errorCode } from '../support/errors.js';
import { listVectorDir, readVectorJson, readVectorText } from '../support/vectors.js';

interface CookbookExample {
  title: string;
  input: { payload: string; key: Jwk | Jwk[]; alg: string };
  signing: { protected_b64u?: string; 'sig-input'?: string } | unknown[];
  output: { compact?: string; json?: unknown; json_flat?: unknown };
}

const publicPart = (jwk: Jwk): Jwk => {
  const { d, p, q, dp, dq, qi, ...rest } = jwk as Record<string, unknown>;
  return rest;
};

describe('RFC 7520 section 4', () => {
  const files = listVectorDir('rfc7520').filter((f) => /^4_\d\..*\.json$/.test(f));

  it('has the eight section 4 examples', () => {
    expect(files).toHaveLength(8);
  });

  for (const file of files.filter((f) => /^4_[1-4]\./.test(f))) {
    it(`${file}: the compact form verifies with the pinned key and algorithm`, () => {
      const ex = readVectorJson<CookbookExample>('rfc7520', file);
      const alg = ex.input.alg as JwsAlgorithm;
      const key = importJwk(publicPart(ex.input.key as Jwk), { alg });
      const compact = ex.output.compact as string;
      const { header, payloadSegment } = createJwsVerifier({
        keys: [key],
        algorithms: [alg],
      }).verify(compact);
      expect(header.alg).toBe(alg);
      expect(Buffer.from(payloadSegment, 'base64url').toString('utf8')).toBe(ex.input.payload);
      // The same token with its last signature character changed must fail.
      const last = compact.at(-1) === 'A' ? 'Q' : 'A';
      expect(
        errorCode(() => createJwsVerifier({ keys: [key] }).verify(compact.slice(0, -1) + last)),
      ).toMatch(/ERR_JWS_SIGNATURE_INVALID|ERR_JWT_MALFORMED/);
    });
  }

  it('4_5 (detached content, empty payload segment) is rejected', () => {
    const ex = readVectorJson<CookbookExample>(
      'rfc7520',
      '4_5.signature_with_detached_content.json',
    );
    const key = importJwk(ex.input.key, { alg: 'HS256' });
    // As a JWS the MAC covers the real payload, not the empty segment.
    expect(errorCode(() => createJwsVerifier({ keys: [key] }).verify(ex.output.compact))).toBe(
      'ERR_JWS_SIGNATURE_INVALID',
    );
    // As a JWT it fails at the same place: the signature is checked before the payload is read.
    expect(
      errorCode(() =>
        createJwtVerifier({ keys: [key], requireExpiration: false }).verify(ex.output.compact),
      ),
    ).toBe('ERR_JWS_SIGNATURE_INVALID');
  });

  for (const file of files.filter((f) => /^4_[678]\./.test(f))) {
    it(`${file}: JSON serialization is refused by the compact verifier`, () => {
      const ex = readVectorJson<CookbookExample>('rfc7520', file);
      const keys = (Array.isArray(ex.input.key) ? ex.input.key : [ex.input.key])
        .filter((k) => k.kty === 'oct')
        .map((k) => importJwk(k, { alg: 'HS256' }));
      const verifier = createJwsVerifier({ keys });
      expect(errorCode(() => verifier.verify(JSON.stringify(ex.output.json)))).toBe(
        'ERR_JWT_MALFORMED',
      );
      expect(errorCode(() => verifier.verify(JSON.stringify(ex.output.json_flat)))).toBe(
        'ERR_JWT_MALFORMED',
      );
      expect(errorCode(() => verifier.verify(ex.output.json))).toBe('ERR_JWT_MALFORMED');
    });
  }
});

describe('RFC 7515 appendix A', () => {
  const dir = 'rfc7520/rfc7515-appendix-A';
  const cases: Array<[string, JwsAlgorithm]> = [
    ['A.1', 'HS256'],
    ['A.2', 'RS256'],
    ['A.3', 'ES256'],
    ['A.4', 'ES512'],
  ];
  // A.1-A.3 carry exp 1300819380 (2011-03-22); verify them at a time before that.
  const clock = createFixedClock(1_300_819_000_000);

  for (const [name, alg] of cases) {
    it(`${name} (${alg}) verifies`, () => {
      const jwk = readVectorJson<Jwk>(dir, name, 'key.json');
      const key = importJwk(alg === 'HS256' ? jwk : publicPart(jwk), {
        alg,
        kid: `rfc7515-${name}`,
      });
      const token = `${readVectorText(dir, name, 'input.txt')}.${readVectorText(dir, name, 'signature.txt')}`;
      const jws = createJwsVerifier({ keys: [key] }).verify(token);
      expect(jws.header.alg).toBe(alg);
      if (name !== 'A.4') {
        const { payload } = createJwtVerifier({ keys: [key], clock }).verify(token);
        expect(payload).toMatchObject({
          iss: 'joe',
          exp: 1300819380,
          'http://example.com/is_root': true,
        });
        // One second after exp the same token is expired.
        const late = createFixedClock(1_300_819_380_000);
        expect(errorCode(() => createJwtVerifier({ keys: [key], clock: late }).verify(token))).toBe(
          'ERR_JWT_EXPIRED',
        );
      } else {
        expect(Buffer.from(jws.payloadSegment, 'base64url').toString()).toBe('Payload');
      }
    });
  }

  it('A.1 MACs the literal header bytes (CRLF and spaces inside the JSON)', () => {
    const header = Buffer.from(
      readVectorText(dir, 'A.1', 'input.txt').split('.')[0] as string,
      'base64url',
    ).toString();
    expect(header).toContain('\r\n');
  });

  it('A.5 (alg none) is rejected, whatever keys are configured', () => {
    const unsecured = `${readVectorText(dir, 'A.5', 'input.txt')}.`;
    const key = importJwk(readVectorJson<Jwk>(dir, 'A.1', 'key.json'), { alg: 'HS256' });
    // Empty signature segment: refused as malformed before any algorithm is considered...
    expect(errorCode(() => createJwsVerifier({ keys: [key] }).verify(unsecured))).toBe(
      'ERR_JWT_MALFORMED',
    );
    // ...and with any signature at all, `none` is not an algorithm we know.
    expect(errorCode(() => createJwsVerifier({ keys: [key] }).verify(`${unsecured}AAAA`))).toBe(
      'ERR_JWS_ALG_NOT_ALLOWED',
    );
  });
});
