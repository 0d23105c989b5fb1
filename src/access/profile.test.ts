import { describe, expect, it } from 'vitest';
import type { JwtPayload } from '../jwt/index.js';
import { accessClaimsOf, accessTokenClaims } from './profile.js';

const profile = { issuer: 'https://auth.test', audience: 'https://api.test', ttlSeconds: 600 };
const grant = {
  userId: 'user-1',
  sessionId: 'session-1',
  sessionExpiresAtMs: 1_700_100_000_000,
  clientId: 'gatehouse',
};
const issued = (): JwtPayload => accessTokenClaims(profile, grant, 1_700_000_000, 'jti-1');

describe('accessClaimsOf', () => {
  it('types what the issuer signs, as the same object, custom claims and scope included', () => {
    const payload = issued();
    expect(accessClaimsOf(payload)).toBe(payload);
    const extended = { ...payload, scope: 'orders:read', tenant: 't-1', aud: ['a', 'b'] };
    expect(accessClaimsOf(extended)).toBe(extended);
  });

  it.each([
    ['iss missing', { iss: undefined }],
    ['sub a number', { sub: 1 }],
    ['aud an array with a number', { aud: ['https://api.test', 1] }],
    ['aud an object', { aud: { 0: 'https://api.test' } }],
    ['exp a string', { exp: '1700000600' }],
    ['iat missing', { iat: undefined }],
    ['jti null', { jti: null }],
    ['client_id an array', { client_id: ['gatehouse'] }],
    ['sid a number', { sid: 42 }],
    ['sid missing', { sid: undefined }],
    ['scope a number', { scope: 7 }],
    ['scope an array', { scope: ['orders:read'] }],
    ['scope null', { scope: null }],
  ])('refuses a payload with %s', (_case, change) => {
    expect(accessClaimsOf({ ...issued(), ...change } as JwtPayload)).toBeNull();
  });
});
