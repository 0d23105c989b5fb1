import { describe, expect, it } from 'vitest';
import type { AuthError } from '../core/errors.js';
import { type ClaimsConfig, checkClaims, type JwtPayload, normaliseTyp } from './claims.js';

const NOW_MS = 1_700_000_000_000;
const NOW = NOW_MS / 1000;
const base: ClaimsConfig = {
  issuers: null,
  audiences: null,
  subject: null,
  typ: null,
  requireExpiration: true,
  ignoreExpiration: false,
  requiredClaims: [],
  maxTokenAgeSeconds: null,
  clockToleranceSeconds: 0,
};

function outcome(
  payload: JwtPayload,
  config: Partial<ClaimsConfig> = {},
  nowMs = NOW_MS,
  header = {},
): string {
  try {
    checkClaims(header, payload, { ...base, ...config }, nowMs);
    return 'ok';
  } catch (error) {
    return (error as AuthError).code;
  }
}

describe('time claims: both sides of every boundary', () => {
  it('exp: valid until one millisecond before, expired at exp', () => {
    expect(outcome({ exp: NOW + 1 })).toBe('ok');
    expect(outcome({ exp: NOW }, {}, NOW_MS - 1)).toBe('ok');
    expect(outcome({ exp: NOW })).toBe('ERR_JWT_EXPIRED');
    expect(outcome({ exp: NOW - 1 })).toBe('ERR_JWT_EXPIRED');
  });

  it('exp with tolerance: the tolerance moves the edge by exactly its length', () => {
    expect(outcome({ exp: NOW - 29 }, { clockToleranceSeconds: 30 })).toBe('ok');
    expect(outcome({ exp: NOW - 30 }, { clockToleranceSeconds: 30 })).toBe('ERR_JWT_EXPIRED');
  });

  it('nbf: valid at nbf, not a millisecond before', () => {
    expect(outcome({ exp: NOW + 60, nbf: NOW })).toBe('ok');
    expect(outcome({ exp: NOW + 60, nbf: NOW }, {}, NOW_MS - 1)).toBe('ERR_JWT_NOT_YET_VALID');
    expect(outcome({ exp: NOW + 60, nbf: NOW + 10 }, { clockToleranceSeconds: 10 })).toBe('ok');
    expect(outcome({ exp: NOW + 60, nbf: NOW + 11 }, { clockToleranceSeconds: 10 })).toBe(
      'ERR_JWT_NOT_YET_VALID',
    );
  });

  it('iat in the future: allowed up to the tolerance', () => {
    expect(outcome({ exp: NOW + 60, iat: NOW })).toBe('ok');
    expect(outcome({ exp: NOW + 60, iat: NOW + 1 })).toBe('ERR_JWT_CLAIM_INVALID');
    expect(outcome({ exp: NOW + 60, iat: NOW + 5 }, { clockToleranceSeconds: 5 })).toBe('ok');
    expect(outcome({ exp: NOW + 60, iat: NOW + 6 }, { clockToleranceSeconds: 5 })).toBe(
      'ERR_JWT_CLAIM_INVALID',
    );
  });

  it('maximum token age: exactly the maximum passes, one second more does not', () => {
    expect(outcome({ exp: NOW + 60, iat: NOW - 300 }, { maxTokenAgeSeconds: 300 })).toBe('ok');
    expect(outcome({ exp: NOW + 60, iat: NOW - 301 }, { maxTokenAgeSeconds: 300 })).toBe(
      'ERR_JWT_EXPIRED',
    );
    expect(outcome({ exp: NOW + 60 }, { maxTokenAgeSeconds: 300 })).toBe('ERR_JWT_CLAIM_MISSING');
  });

  it('ignoreExpiration skips only the exp comparison', () => {
    expect(outcome({ exp: NOW - 3600 }, { ignoreExpiration: true })).toBe('ok');
    expect(outcome({}, { ignoreExpiration: true })).toBe('ERR_JWT_CLAIM_MISSING');
    expect(outcome({ exp: '1' } as unknown as JwtPayload, { ignoreExpiration: true })).toBe(
      'ERR_JWT_CLAIM_INVALID',
    );
    expect(outcome({ exp: NOW + 60, nbf: NOW + 30 }, { ignoreExpiration: true })).toBe(
      'ERR_JWT_NOT_YET_VALID',
    );
  });

  it('exp is required unless the caller opts out', () => {
    expect(outcome({})).toBe('ERR_JWT_CLAIM_MISSING');
    expect(outcome({}, { requireExpiration: false })).toBe('ok');
    expect(outcome({ exp: NOW + 1 }, { requiredClaims: ['jti'] })).toBe('ERR_JWT_CLAIM_MISSING');
  });

  it.each([Number.POSITIVE_INFINITY, Number.NaN, '1', null, true, [1]])(
    'refuses a numeric date of %s',
    (value) => {
      expect(outcome({ exp: value } as unknown as JwtPayload)).toBe('ERR_JWT_CLAIM_INVALID');
      expect(outcome({ exp: NOW + 1, nbf: value } as unknown as JwtPayload)).toBe(
        'ERR_JWT_CLAIM_INVALID',
      );
      expect(outcome({ exp: NOW + 1, iat: value } as unknown as JwtPayload)).toBe(
        'ERR_JWT_CLAIM_INVALID',
      );
    },
  );

  it('accepts fractional numeric dates (RFC 7519 allows them)', () => {
    expect(outcome({ exp: NOW + 0.5 })).toBe('ok');
    expect(outcome({ exp: NOW + 0.5 }, {}, NOW_MS + 500)).toBe('ERR_JWT_EXPIRED');
  });
});

describe('identity claims', () => {
  const ok = { exp: NOW + 60 };
  it('issuer: exact match from a set', () => {
    expect(outcome({ ...ok, iss: 'a' }, { issuers: new Set(['a', 'b']) })).toBe('ok');
    expect(outcome({ ...ok, iss: 'c' }, { issuers: new Set(['a', 'b']) })).toBe(
      'ERR_JWT_CLAIM_INVALID',
    );
    expect(outcome({ ...ok, iss: 1 } as unknown as JwtPayload)).toBe('ERR_JWT_CLAIM_INVALID');
  });

  it('audience: a string or any member of an array', () => {
    const audiences = new Set(['api']);
    expect(outcome({ ...ok, aud: 'api' }, { audiences })).toBe('ok');
    expect(outcome({ ...ok, aud: ['x', 'api'] }, { audiences })).toBe('ok');
    expect(outcome({ ...ok, aud: ['x'] }, { audiences })).toBe('ERR_JWT_CLAIM_INVALID');
    expect(outcome({ ...ok, aud: [] }, { audiences })).toBe('ERR_JWT_CLAIM_INVALID');
    expect(outcome({ ...ok, aud: ['api', 1] } as unknown as JwtPayload, { audiences })).toBe(
      'ERR_JWT_CLAIM_INVALID',
    );
  });

  it('subject and jti types', () => {
    expect(outcome({ ...ok, sub: 'u' }, { subject: 'u' })).toBe('ok');
    expect(outcome({ ...ok, sub: 'v' }, { subject: 'u' })).toBe('ERR_JWT_CLAIM_INVALID');
    expect(outcome({ ...ok, jti: 5 } as unknown as JwtPayload)).toBe('ERR_JWT_CLAIM_INVALID');
  });

  it('typ: case-insensitive, application/ prefix optional (RFC 7515 4.1.9)', () => {
    const typ = normaliseTyp('at+jwt');
    expect(outcome(ok, { typ }, NOW_MS, { typ: 'at+jwt' })).toBe('ok');
    expect(outcome(ok, { typ }, NOW_MS, { typ: 'application/AT+JWT' })).toBe('ok');
    expect(outcome(ok, { typ }, NOW_MS, { typ: 'JWT' })).toBe('ERR_JWT_CLAIM_INVALID');
    expect(outcome(ok, { typ }, NOW_MS, {})).toBe('ERR_JWT_CLAIM_INVALID');
  });

  it('names the claim in details, never its value', () => {
    expect.assertions(2);
    try {
      checkClaims(
        {},
        { exp: NOW + 60, iss: 'secret-issuer-value' },
        { ...base, issuers: new Set(['x']) },
        NOW_MS,
      );
    } catch (error) {
      expect((error as AuthError).details).toEqual({ claim: 'iss', reason: 'unexpected issuer' });
      expect((error as AuthError).message).not.toContain('secret-issuer-value');
    }
  });
});
