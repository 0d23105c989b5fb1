/**
 * Differential property tests against jose (our test oracle), for every algorithm:
 * - tokens we sign verify in jose, with the same claims;
 * - tokens jose signs verify in ours, with the same claims;
 * - for random valid tokens and random mutations of them, our verdict equals jose's, except where
 *   we are deliberately stricter. Those cases are listed in STRICTER below and in docs/jwt.md.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import * as jose from 'jose';
import { describe, expect, it } from 'vitest';
import { createFixedClock } from '../../src/core/clock.js';
import { AuthError } from '../../src/core/errors.js';
import { JWS_ALGORITHMS, type JwsAlgorithm } from '../../src/jwt/algorithms.js';
import { exportJwk, generateJwtKey, type JwtKey } from '../../src/jwt/index.js';
import { signJwt } from '../../src/jwt/sign.js';
import { createJwtVerifier } from '../../src/jwt/verify.js';

const NOW = 1_750_000_000;
const clock = createFixedClock(NOW * 1000);
const currentDate = new Date(NOW * 1000);

/**
 * Where we refuse what jose accepts, on purpose. Each entry: the reason our verifier gives
 * (AuthError code and details.reason) and why.
 */
const STRICTER: ReadonlyArray<{ code: string; reason?: string; why: string }> = [
  {
    code: 'ERR_JWT_MALFORMED',
    reason: 'not canonical base64url',
    why: 'non-zero unused bits in the last character: jose decodes them away, we refuse two spellings of one token',
  },
  {
    code: 'ERR_JWT_MALFORMED',
    reason: 'header duplicate_member',
    why: 'duplicate header members (RFC 7515 5.2)',
  },
  {
    code: 'ERR_JWT_MALFORMED',
    reason: 'payload duplicate_member',
    why: 'duplicate claim names (RFC 7519 4)',
  },
];

function isDeliberatelyStricter(error: AuthError): boolean {
  const reason = error.details?.reason;
  return STRICTER.some(
    (s) => s.code === error.code && (s.reason === undefined || s.reason === reason),
  );
}

interface Pair {
  readonly alg: JwsAlgorithm;
  readonly ours: JwtKey;
  readonly joseSign: jose.CryptoKey | Uint8Array;
  readonly joseVerify: jose.CryptoKey | Uint8Array;
}

const pairs = new Map<JwsAlgorithm, Pair>();
async function pairFor(alg: JwsAlgorithm): Promise<Pair> {
  const cached = pairs.get(alg);
  if (cached) return cached;
  const ours = generateJwtKey(alg);
  const privateJwk = exportJwk(ours, { includePrivate: true });
  const joseSign = await jose.importJWK(privateJwk, alg);
  const joseVerify = ours.kind === 'secret' ? joseSign : await jose.importJWK(exportJwk(ours), alg);
  const pair = { alg, ours, joseSign, joseVerify };
  pairs.set(alg, pair);
  return pair;
}

const claimValue = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 8 }), { maxLength: 4 }),
  fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), fc.string({ maxLength: 6 }), {
    maxKeys: 3,
  }),
);
const REGISTERED = new Set(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', '__proto__']);
const claimsArb = fc
  .record({
    sub: fc.string({ minLength: 1, maxLength: 30 }),
    iat: fc.integer({ min: NOW - 3600, max: NOW }),
    exp: fc.integer({ min: NOW + 1, max: NOW + 86_400 }),
    extra: fc.dictionary(
      fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !REGISTERED.has(k)),
      claimValue,
      { maxKeys: 5 },
    ),
  })
  .map(({ extra, ...registered }) => ({ ...extra, ...registered }));

type Verdict = { ok: true; payload: unknown } | { ok: false; error: unknown };

function oursVerdict(pair: Pair, token: string): Verdict {
  try {
    const { payload } = createJwtVerifier({ keys: [pair.ours], clock }).verify(token);
    return { ok: true, payload };
  } catch (error) {
    return { ok: false, error };
  }
}

async function joseVerdict(pair: Pair, token: string): Promise<Verdict> {
  try {
    const { payload } = await jose.jwtVerify(token, pair.joseVerify, {
      algorithms: [pair.alg],
      currentDate,
      requiredClaims: ['exp'],
    });
    return { ok: true, payload };
  } catch (error) {
    return { ok: false, error };
  }
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Random edits of a token: replace, insert or delete one character, or drop/duplicate a segment. */
const mutation = fc.oneof(
  fc.record({
    kind: fc.constant('replace' as const),
    at: fc.nat(),
    char: fc.constantFrom(...`${ALPHABET}.=+/ `),
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    char: fc.constantFrom(...`${ALPHABET}.=`),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('lastChar' as const),
    segment: fc.integer({ min: 0, max: 2 }),
    delta: fc.integer({ min: 1, max: 3 }),
  }),
  fc.record({ kind: fc.constant('swapSegments' as const) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(token: string, m: Mutation): string {
  switch (m.kind) {
    case 'replace': {
      const at = m.at % token.length;
      return token.slice(0, at) + m.char + token.slice(at + 1);
    }
    case 'insert': {
      const at = m.at % (token.length + 1);
      return token.slice(0, at) + m.char + token.slice(at);
    }
    case 'delete': {
      const at = m.at % token.length;
      return token.slice(0, at) + token.slice(at + 1);
    }
    case 'lastChar': {
      // Touches only the unused low bits when the segment length is not a multiple of 4.
      const parts = token.split('.');
      const seg = parts[m.segment] as string;
      const value = ALPHABET.indexOf(seg.at(-1) as string);
      parts[m.segment] = seg.slice(0, -1) + ALPHABET[(value & ~3) | ((value + m.delta) & 3)];
      return parts.join('.');
    }
    case 'swapSegments': {
      const [h, p, s] = token.split('.') as [string, string, string];
      return `${p}.${h}.${s}`;
    }
  }
}

const RUNS = { sign: 25, mutate: 60 };

describe.each(JWS_ALGORITHMS.map((alg) => [alg]))('%s against jose', (alg) => {
  it('tokens we sign verify in jose with the same claims', async () => {
    const pair = await pairFor(alg);
    await fc.assert(
      fc.asyncProperty(claimsArb, async (claims) => {
        const token = signJwt(claims, pair.ours, { typ: 'JWT' });
        const verdict = await joseVerdict(pair, token);
        expect(verdict).toEqual({ ok: true, payload: claims });
      }),
      { numRuns: RUNS.sign },
    );
  });

  it('tokens jose signs verify in ours with the same claims', async () => {
    const pair = await pairFor(alg);
    await fc.assert(
      fc.asyncProperty(claimsArb, async (claims) => {
        const token = await new jose.SignJWT(claims)
          .setProtectedHeader({ alg, kid: pair.ours.kid })
          .sign(pair.joseSign);
        expect(oursVerdict(pair, token)).toEqual({ ok: true, payload: claims });
      }),
      { numRuns: RUNS.sign },
    );
  });

  it('random mutations get the same verdict as jose, except the documented stricter cases', async () => {
    const pair = await pairFor(alg);
    const stats = { same: 0, stricter: 0 };
    await fc.assert(
      fc.asyncProperty(claimsArb, mutation, fc.boolean(), async (claims, m, joseSigned) => {
        const token = joseSigned
          ? await new jose.SignJWT(claims)
              .setProtectedHeader({ alg, kid: pair.ours.kid })
              .sign(pair.joseSign)
          : signJwt(claims, pair.ours);
        const mutated = mutate(token, m);
        const ours = oursVerdict(pair, mutated);
        const theirs = await joseVerdict(pair, mutated);
        if (ours.ok === theirs.ok) {
          stats.same++;
          if (ours.ok && theirs.ok) expect(ours.payload).toEqual(theirs.payload);
          return;
        }
        // The only allowed disagreement: we reject, jose accepts, for a listed reason.
        expect(ours.ok).toBe(false);
        const error = (ours as { error: unknown }).error;
        expect(error).toBeInstanceOf(AuthError);
        expect(isDeliberatelyStricter(error as AuthError)).toBe(true);
        stats.stricter++;
      }),
      { numRuns: RUNS.mutate },
    );
    expect(stats.same + stats.stricter).toBe(RUNS.mutate);
  });
});

describe('deliberately stricter than jose', () => {
  it('non-canonical base64url: jose accepts, we refuse', async () => {
    const pair = await pairFor('HS256');
    const token = signJwt({ sub: 'x', exp: NOW + 60 }, pair.ours);
    const [h, p, s] = token.split('.') as [string, string, string];
    expect(s.length % 4).not.toBe(0);
    const value = ALPHABET.indexOf(s.at(-1) as string);
    const altered = `${h}.${p}.${s.slice(0, -1)}${ALPHABET[value + 1]}`;
    expect((await joseVerdict(pair, altered)).ok).toBe(true);
    const ours = oursVerdict(pair, altered);
    expect(ours.ok).toBe(false);
    expect((ours as { error: AuthError }).error.code).toBe('ERR_JWT_MALFORMED');
  });

  it('duplicate claim names: jose takes the last, we refuse', async () => {
    const pair = await pairFor('HS256');
    const payload = Buffer.from(`{"sub":"user","sub":"admin","exp":${NOW + 60}}`).toString(
      'base64url',
    );
    const header = Buffer.from(JSON.stringify({ alg: 'HS256', kid: pair.ours.kid })).toString(
      'base64url',
    );
    const key = Buffer.from(
      exportJwk(pair.ours, { includePrivate: true }).k as string,
      'base64url',
    );
    const { createHmac } = await import('node:crypto');
    const sig = createHmac('sha256', key).update(`${header}.${payload}`).digest('base64url');
    const token = `${header}.${payload}.${sig}`;
    const theirs = await joseVerdict(pair, token);
    expect(theirs).toMatchObject({ ok: true, payload: { sub: 'admin' } });
    const ours = oursVerdict(pair, token);
    expect(ours.ok).toBe(false);
    expect((ours as { error: AuthError }).error.details?.reason).toBe('payload duplicate_member');
  });

  it('random bytes are never accepted by either', async () => {
    const pair = await pairFor('ES256');
    for (let i = 0; i < 20; i++) {
      const token = [randomBytes(20), randomBytes(30), randomBytes(64)]
        .map((b) => b.toString('base64url'))
        .join('.');
      expect(oursVerdict(pair, token).ok).toBe(false);
      expect((await joseVerdict(pair, token)).ok).toBe(false);
    }
  });
});
