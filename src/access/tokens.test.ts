import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../test/support/random.js';
import { createFixedClock } from '../core/clock.js';
import { AuthError } from '../core/errors.js';
import {
  createKeyRing,
  decodeJwtUnverified,
  generateJwtKey,
  type JwtPayload,
  publicKeyOf,
  signJwt,
} from '../jwt/index.js';
import type { AccessGrant, AccessTokenProfile } from './profile.js';
import { createAccessTokens } from './tokens.js';

const T0 = 1_700_000_000_000; // a whole second, so iat = T0 / 1000
const IAT = T0 / 1000;
const TTL = 900;
const DAY_MS = 86_400_000;

const PROFILE: AccessTokenProfile = {
  issuer: 'https://auth.example',
  audience: 'https://api.example',
  ttlSeconds: TTL,
};

const GRANT: AccessGrant = {
  userId: 'user-1',
  sessionId: 't-session-1',
  sessionExpiresAtMs: T0 + 30 * DAY_MS,
  clientId: 'web',
};

function setup(profile: AccessTokenProfile = PROFILE) {
  const clock = createFixedClock(T0);
  const key = generateJwtKey('ES256', { kid: 'k1' });
  const keyRing = createKeyRing({ signingKey: key });
  const revoked = new Set<string>();
  const revocations = { isRevoked: (id: string) => revoked.has(id) };
  const access = createAccessTokens({
    profile,
    keyRing,
    revocations,
    clock,
    random: seededRandom(),
  });
  return { clock, key, keyRing, revoked, revocations, access };
}

/** The error `authenticate` throws for `token`; fails the test when it returns. */
function refusal(authenticate: (token: string) => unknown, token: string): AuthError {
  try {
    authenticate(token);
  } catch (error) {
    if (error instanceof AuthError) return error;
    throw error;
  }
  throw new Error('the token was accepted');
}

function expectRefused(
  access: { authenticate(token: string): unknown },
  token: string,
  reason: string,
) {
  const error = refusal((t) => access.authenticate(t), token);
  expect(error.code).toBe('ERR_AUTH_UNAUTHENTICATED');
  expect(error.details).toEqual({ reason, presented: true });
  // Never the token in what is logged or shown.
  expect(error.message).not.toContain(token);
  expect(JSON.stringify(error.details)).not.toContain(token);
}

/** A complete, valid claims set for hand-signed tokens. */
function claims(overrides: JwtPayload = {}): JwtPayload {
  return {
    iss: PROFILE.issuer,
    sub: GRANT.userId,
    aud: PROFILE.audience,
    exp: IAT + TTL,
    iat: IAT,
    jti: 'hand-signed',
    client_id: GRANT.clientId,
    sid: GRANT.sessionId,
    ...overrides,
  };
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('issue', () => {
  it('signs the RFC 9068 claims with typ at+jwt and the key id', () => {
    const { access } = setup();
    const { token, expiresIn } = access.issue(GRANT);
    const { header, payload } = decodeJwtUnverified(token);
    expect(header).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' });
    expect(payload).toEqual({
      iss: 'https://auth.example',
      aud: 'https://api.example',
      sub: 'user-1',
      sid: 't-session-1',
      client_id: 'web',
      jti: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      iat: IAT,
      exp: IAT + TTL,
    });
    expect(expiresIn).toBe(TTL);
  });

  it('gives every token its own jti', () => {
    const { access } = setup();
    const jtis = new Set(
      Array.from({ length: 20 }, () => decodeJwtUnverified(access.issue(GRANT).token).payload.jti),
    );
    expect(jtis.size).toBe(20);
  });

  it('counts iat in whole seconds (floor) and exp from it', () => {
    const { access, clock } = setup();
    clock.setMs(T0 + 999);
    const { payload } = decodeJwtUnverified(access.issue(GRANT).token);
    expect(payload.iat).toBe(IAT);
    expect(payload.exp).toBe(IAT + TTL);
  });

  const sessionEnds: ReadonlyArray<[string, number, number]> = [
    ['long after the token', T0 + 30 * DAY_MS, IAT + TTL],
    ['exactly at iat + ttl', T0 + TTL * 1000, IAT + TTL],
    ['just after iat + ttl (floored)', T0 + TTL * 1000 + 999, IAT + TTL],
    ['just before iat + ttl (floored)', T0 + TTL * 1000 - 1, IAT + TTL - 1],
    ['in five minutes', T0 + 300_000, IAT + 300],
  ];
  it.each(sessionEnds)('exp = min(iat + ttl, session end): session ends %s', (_n, endMs, exp) => {
    const { access } = setup();
    const { token, expiresIn } = access.issue({ ...GRANT, sessionExpiresAtMs: endMs });
    expect(decodeJwtUnverified(token).payload.exp).toBe(exp);
    expect(expiresIn).toBe(exp - IAT);
  });

  it('a token cut short by its session stops verifying when the session ends', () => {
    const { access, clock } = setup();
    const { token } = access.issue({ ...GRANT, sessionExpiresAtMs: T0 + 300_000 });
    clock.setMs(T0 + 299_999);
    expect(access.authenticate(token).sessionId).toBe('t-session-1');
    clock.setMs(T0 + 300_000);
    expectRefused(access, token, 'ERR_JWT_EXPIRED');
  });

  it('without a signing key: ERR_KEYRING_INVALID, and the verify-only ring still verifies', () => {
    const { key, access } = setup();
    const token = access.issue(GRANT).token;
    const verifyOnly = createAccessTokens({
      profile: PROFILE,
      keyRing: createKeyRing({ verificationKeys: [publicKeyOf(key)] }),
      revocations: { isRevoked: () => false },
      clock: createFixedClock(T0),
      random: seededRandom(),
    });
    let thrown: unknown;
    try {
      verifyOnly.issue(GRANT);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AuthError);
    expect((thrown as AuthError).code).toBe('ERR_KEYRING_INVALID');
    expect(verifyOnly.authenticate(token).userId).toBe('user-1');
  });
});

describe('authenticate', () => {
  it('returns the principal: user, session and the claims', () => {
    const { access } = setup();
    const { token } = access.issue(GRANT);
    const principal = access.authenticate(token);
    expect(principal.userId).toBe('user-1');
    expect(principal.sessionId).toBe('t-session-1');
    expect(principal.claims).toEqual(decodeJwtUnverified(token).payload);
  });

  it('refuses a token of a revoked session, and only of that session', () => {
    const { access, revoked } = setup();
    const mine = access.issue(GRANT).token;
    const other = access.issue({ ...GRANT, sessionId: 't-session-2' }).token;
    revoked.add('t-session-1');
    expectRefused(access, mine, 'session revoked');
    expect(access.authenticate(other).sessionId).toBe('t-session-2');
  });

  it('accepts a token up to exp - 1 ms and refuses it at exp', () => {
    const { access, clock } = setup();
    const { token } = access.issue(GRANT);
    const expMs = (IAT + TTL) * 1000;
    clock.setMs(expMs - 1000);
    expect(access.authenticate(token).userId).toBe('user-1');
    clock.setMs(expMs - 1);
    expect(access.authenticate(token).userId).toBe('user-1');
    clock.setMs(expMs);
    expectRefused(access, token, 'ERR_JWT_EXPIRED');
    clock.setMs(expMs + 1000);
    expectRefused(access, token, 'ERR_JWT_EXPIRED');
  });

  it('refuses a token issued for another issuer over the same key ring', () => {
    const { access, keyRing, clock, revocations } = setup();
    const other = createAccessTokens({
      profile: { ...PROFILE, issuer: 'https://other.example' },
      keyRing,
      revocations,
      clock,
      random: seededRandom(7),
    });
    const token = other.issue(GRANT).token;
    expect(other.authenticate(token).userId).toBe('user-1');
    expectRefused(access, token, 'ERR_JWT_CLAIM_INVALID');
  });

  it('refuses a token issued for another audience over the same key ring', () => {
    const { access, keyRing, clock, revocations } = setup();
    const other = createAccessTokens({
      profile: { ...PROFILE, audience: 'https://billing.example' },
      keyRing,
      revocations,
      clock,
      random: seededRandom(7),
    });
    const token = other.issue(GRANT).token;
    expect(other.authenticate(token).userId).toBe('user-1');
    expectRefused(access, token, 'ERR_JWT_CLAIM_INVALID');
  });

  it('refuses a token with a changed signature character', () => {
    const { access } = setup();
    const { token } = access.issue(GRANT);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    // The first character carries 6 whole bits of the signature: swapping it keeps the
    // encoding canonical and changes r, so only the signature check can refuse it.
    const first = signature[0] as string;
    const replacement = first === 'A' ? 'B' : 'A';
    expect(replacement).not.toBe(first);
    const tampered = `${header}.${payload}.${replacement}${signature.slice(1)}`;
    expect(tampered).not.toBe(token);
    expectRefused(access, tampered, 'ERR_JWS_SIGNATURE_INVALID');
  });

  it('refuses a payload changed under the original signature', () => {
    const { access } = setup();
    const { token } = access.issue(GRANT);
    const [header, , signature] = token.split('.') as [string, string, string];
    const forged = `${header}.${b64({ ...decodeJwtUnverified(token).payload, sub: 'admin' })}.${signature}`;
    expectRefused(access, forged, 'ERR_JWS_SIGNATURE_INVALID');
  });

  it.each(['none', 'None', 'NONE'])('refuses alg %s', (alg) => {
    const { access } = setup();
    const { token } = access.issue(GRANT);
    const [, payload, signature] = token.split('.') as [string, string, string];
    const header = b64({ alg, typ: 'at+jwt' });
    expectRefused(access, `${header}.${payload}.${signature}`, 'ERR_JWS_ALG_NOT_ALLOWED');
    // The classic unsecured form has an empty signature: not even a well-formed JWS.
    expectRefused(access, `${header}.${payload}.`, 'ERR_JWT_MALFORMED');
  });

  it('refuses a token signed with our key but another typ (an ID token, say)', () => {
    const { access, key } = setup();
    expectRefused(access, signJwt(claims(), key, { typ: 'JWT' }), 'ERR_JWT_CLAIM_INVALID');
    expectRefused(access, signJwt(claims(), key), 'ERR_JWT_CLAIM_INVALID');
    expect(access.authenticate(signJwt(claims(), key, { typ: 'at+jwt' })).userId).toBe('user-1');
  });

  it('refuses a token older than the lifetime even when its exp says later (maxTokenAge)', () => {
    const { access, key, clock } = setup();
    clock.setMs(T0 + 3_600_000);
    const now = IAT + 3600;
    const tooOld = signJwt(claims({ iat: now - TTL - 1, exp: now + 3600 }), key, {
      typ: 'at+jwt',
    });
    expectRefused(access, tooOld, 'ERR_JWT_EXPIRED');
    const atTheBound = signJwt(claims({ iat: now - TTL, exp: now + 3600 }), key, {
      typ: 'at+jwt',
    });
    expect(access.authenticate(atTheBound).userId).toBe('user-1');
  });

  it.each(['sub', 'sid', 'client_id', 'iat', 'jti', 'exp'])(
    'refuses a token without %s',
    (claim) => {
      const { access, key } = setup();
      const payload = claims();
      delete payload[claim];
      expectRefused(access, signJwt(payload, key, { typ: 'at+jwt' }), 'ERR_JWT_CLAIM_MISSING');
    },
  );

  it('refuses a token whose sid is not a string', () => {
    const { access, key } = setup();
    const token = signJwt(claims({ sid: 42 }), key, { typ: 'at+jwt' });
    expectRefused(access, token, 'token lacks sub or sid');
  });

  it('refuses a token signed by a key outside the ring', () => {
    const { access } = setup();
    const stranger = generateJwtKey('ES256', { kid: 'k1' });
    expectRefused(
      access,
      signJwt(claims(), stranger, { typ: 'at+jwt' }),
      'ERR_JWS_SIGNATURE_INVALID',
    );
    const unknownKid = generateJwtKey('ES256', { kid: 'k2' });
    expectRefused(
      access,
      signJwt(claims(), unknownKid, { typ: 'at+jwt' }),
      'ERR_JWS_KEY_NOT_FOUND',
    );
  });

  it.each(['', 'garbage', 'a.b.c', 'Bearer x'])('refuses %j as malformed', (token) => {
    const { access } = setup();
    const error = refusal((t) => access.authenticate(t), token);
    expect(error.code).toBe('ERR_AUTH_UNAUTHENTICATED');
    expect(error.details?.reason).toBe('ERR_JWT_MALFORMED');
  });

  it('a cached verification still sees a later revocation and expiry', () => {
    const { access, revoked, clock } = setup();
    const { token } = access.issue(GRANT);
    expect(access.authenticate(token).userId).toBe('user-1');
    revoked.add('t-session-1');
    expectRefused(access, token, 'session revoked');
    revoked.clear();
    clock.setMs((IAT + TTL) * 1000);
    expectRefused(access, token, 'ERR_JWT_EXPIRED');
  });
});

describe('sessionOf', () => {
  it('is null for garbage and for tokens that do not verify', () => {
    const { access, key } = setup();
    const wrongIssuer = signJwt(claims({ iss: 'https://other.example' }), key, { typ: 'at+jwt' });
    for (const token of ['', 'garbage', 'a.b.c', wrongIssuer]) {
      expect(access.sessionOf(token)).toBeNull();
      expect(access.sessionOf(token, { allowExpired: true })).toBeNull();
    }
  });

  it('names the session of a valid token, revoked or not (the caller decides)', () => {
    const { access, revoked } = setup();
    const { token } = access.issue(GRANT);
    expect(access.sessionOf(token)).toBe('t-session-1');
    revoked.add('t-session-1');
    expect(access.sessionOf(token)).toBe('t-session-1');
  });

  it('for an expired token: null, or its session with allowExpired', () => {
    const { access, clock } = setup();
    const { token } = access.issue(GRANT);
    clock.setMs((IAT + TTL) * 1000);
    expect(access.sessionOf(token)).toBeNull();
    expect(access.sessionOf(token, { allowExpired: false })).toBeNull();
    expect(access.sessionOf(token, { allowExpired: true })).toBe('t-session-1');
  });

  it('allowExpired ignores the age bound too: a token two hours old still names its session', () => {
    const { access, clock } = setup();
    const { token } = access.issue(GRANT);
    clock.setMs(T0 + 2 * 3_600_000);
    expect(access.sessionOf(token)).toBeNull();
    expect(access.sessionOf(token, { allowExpired: true })).toBe('t-session-1');
  });

  it('allowExpired still checks the signature, the issuer and the typ', () => {
    const { access, key, clock } = setup();
    const { token } = access.issue(GRANT);
    clock.setMs(T0 + 2 * 3_600_000);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const replacement = signature[0] === 'A' ? 'B' : 'A';
    const tampered = `${header}.${payload}.${replacement}${signature.slice(1)}`;
    expect(access.sessionOf(tampered, { allowExpired: true })).toBeNull();
    const wrongIssuer = signJwt(claims({ iss: 'https://other.example' }), key, { typ: 'at+jwt' });
    expect(access.sessionOf(wrongIssuer, { allowExpired: true })).toBeNull();
    expect(access.sessionOf(signJwt(claims(), key, { typ: 'JWT' }), { allowExpired: true })).toBe(
      null,
    );
  });

  it('is null for a token without a sid', () => {
    const { access, key } = setup();
    const payload = claims();
    delete payload.sid;
    const token = signJwt(payload, key, { typ: 'at+jwt' });
    expect(access.sessionOf(token)).toBeNull();
    expect(access.sessionOf(token, { allowExpired: true })).toBeNull();
  });
});

describe('DPoP binding (RFC 9449 sections 6.1 and 7.1)', () => {
  const JKT = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';

  it('a grant with a key gives a token with cnf.jkt; without one, no cnf at all', () => {
    const { access } = setup();
    const bound = decodeJwtUnverified(access.issue({ ...GRANT, dpopJkt: JKT }).token).payload;
    expect(bound.cnf).toEqual({ jkt: JKT });
    expect(decodeJwtUnverified(access.issue(GRANT).token).payload).not.toHaveProperty('cnf');
    expect(
      decodeJwtUnverified(access.issue({ ...GRANT, dpopJkt: null }).token).payload,
    ).not.toHaveProperty('cnf');
  });

  it('a bound token: refused as Bearer (challenging for DPoP), accepted as DPoP with its key named', () => {
    const { access } = setup();
    const { token } = access.issue({ ...GRANT, dpopJkt: JKT });
    const error = refusal((t) => access.authenticate(t), token);
    expect(error.details).toEqual({
      reason: 'dpop-bound token sent as bearer',
      presented: true,
      scheme: 'dpop',
    });
    expect(access.authenticate(token, 'dpop')).toMatchObject({
      userId: 'user-1',
      sessionId: 't-session-1',
      dpopJkt: JKT,
    });
  });

  it('an unbound token: accepted as Bearer (dpopJkt null), refused under the DPoP scheme', () => {
    const { access } = setup();
    const { token } = access.issue(GRANT);
    expect(access.authenticate(token).dpopJkt).toBeNull();
    const error = refusal((t) => access.authenticate(t, 'dpop'), token);
    expect(error.details).toEqual({
      reason: 'token not dpop-bound',
      presented: true,
      scheme: 'dpop',
    });
  });

  it.each([
    ['a string', 'jkt'],
    ['an empty object', {}],
    ['another confirmation method', { 'x5t#S256': 'abc' }],
    ['an empty jkt', { jkt: '' }],
    ['a list', [{ jkt: 'x' }]],
  ])('a cnf we cannot honour (%s) is refused under either scheme', (_name, cnf) => {
    const { access, key } = setup();
    const token = signJwt(claims({ cnf }), key, { typ: 'at+jwt' });
    for (const scheme of ['bearer', 'dpop'] as const) {
      const error = refusal((t) => access.authenticate(t, scheme), token);
      expect(error.details?.reason).toBe('token cnf not understood');
    }
  });

  it('a revoked session refuses its bound token too', () => {
    const { access, revoked } = setup();
    const { token } = access.issue({ ...GRANT, dpopJkt: JKT });
    revoked.add('t-session-1');
    expect(refusal((t) => access.authenticate(t, 'dpop'), token).details?.reason).toBe(
      'session revoked',
    );
  });
});
