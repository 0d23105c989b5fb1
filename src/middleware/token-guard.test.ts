import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createFixedClock } from '../core/clock.js';
import { AuthError } from '../core/index.js';
import { exportPublicJwks, generateJwtKey, signJwt } from '../jwt/index.js';
import { createTokenGuard, type GuardResult, type TokenGuardOptions } from './token-guard.js';

const ISSUER = 'https://auth.test';
const base = { issuer: ISSUER, audience: 'https://api.test' };
const T0 = 1_800_000_000_000;
const KEY = generateJwtKey('ES256', { kid: 'k1' });
const sidHash = (sid: string) => createHash('sha256').update(sid).digest('base64url');

function configProblems(options: TokenGuardOptions): string {
  try {
    createTokenGuard(options);
  } catch (error) {
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).code).toBe('ERR_CONFIG_INVALID');
    return (error as AuthError).message;
  }
  throw new Error('expected createTokenGuard to throw');
}

/**
 * A fake issuer: metadata, JWKS and a feed whose entries the test sets, each reachable or not;
 * every request is recorded. The feed's cursor is the count of entries already served.
 */
function fakeIssuer() {
  const state = {
    up: true,
    feedUp: true,
    /** The issuer's revocations, in order: [sid, until in seconds]. */
    revoked: [] as Array<[string, number]>,
    requests: [] as string[],
    /** The feed's max_token_age (seconds), or undefined to leave it out. */
    maxTokenAge: undefined as number | undefined,
  };
  const json = (body: unknown) =>
    new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
  const fetch: typeof globalThis.fetch = async (input) => {
    const url = new URL(String(input));
    state.requests.push(url.pathname + url.search);
    if (!state.up) throw new TypeError('fetch failed');
    switch (url.pathname) {
      case '/.well-known/oauth-authorization-server':
        return json({
          issuer: ISSUER,
          jwks_uri: `${ISSUER}/jwks`,
          gatehouse_revocation_feed_uri: `${ISSUER}/v1/revocations`,
        });
      case '/jwks':
        return json(exportPublicJwks([KEY]));
      case '/v1/revocations': {
        if (!state.feedUp) return new Response('{}', { status: 502 });
        const from = Number(url.searchParams.get('cursor') ?? '0');
        return json({
          cursor: String(state.revoked.length),
          snapshot: url.searchParams.get('cursor') === null,
          more: false,
          poll_interval: 2,
          ...(state.maxTokenAge === undefined ? {} : { max_token_age: state.maxTokenAge }),
          entries: state.revoked
            .slice(from)
            .map(([sid, until]) => ({ sid_hash: sidHash(sid), until })),
        });
      }
      default:
        return new Response('{}', { status: 404 });
    }
  };
  return { state, fetch };
}

function token(clock: { nowMs(): number }, claims: Record<string, unknown> = {}) {
  const now = Math.floor(clock.nowMs() / 1000);
  return `Bearer ${signJwt(
    {
      iss: ISSUER,
      aud: 'https://api.test',
      sub: 'user-1',
      sid: 'session-1',
      client_id: 'gatehouse',
      jti: `j-${Math.random()}`,
      iat: now,
      exp: now + 3600,
      ...claims,
    },
    KEY,
    { typ: 'at+jwt' },
  )}`;
}

const refusal = (result: GuardResult) => {
  if (result.ok) throw new Error('expected a refusal');
  return result;
};

describe('createTokenGuard options', () => {
  it('refuses bad options when created, not later on every request', () => {
    expect(configProblems({ ...base, clockToleranceSeconds: -5 })).toMatch(/clockToleranceSeconds/);
    expect(configProblems({ ...base, issuer: 'ftp://x' })).toMatch(/issuer/);
    expect(configProblems({ ...base, audience: '' })).toMatch(/audience/);
    expect(configProblems({ ...base, requiredScopes: ['two words'] })).toMatch(/requiredScopes/);
    expect(configProblems({ ...base, fetchTimeoutMs: 0 })).toMatch(/fetchTimeoutMs/);
    expect(configProblems({ ...base, jwksUri: 'file:///etc/passwd' })).toMatch(/jwksUri/);
    expect(configProblems({ ...base, initialBackoffMs: 5000, maxBackoffMs: 1000 })).toMatch(
      /initialBackoffMs must not exceed maxBackoffMs/,
    );
    expect(
      configProblems({ ...base, revocationPollIntervalMs: 5000, revocationStaleAfterMs: 5000 }),
    ).toMatch(/revocationStaleAfterMs must be longer/);
    expect(
      configProblems({ ...base, whenRevocationsStale: 'maybe' as 'accept', fetchTimeoutMs: 1.5 }),
    ).toMatch(/fetchTimeoutMs.*whenRevocationsStale/);
  });
});

describe('refusals carry a reason', () => {
  it('no_token, malformed_header, wrong_scheme: answered without any fetch', async () => {
    const issuer = fakeIssuer();
    const guard = createTokenGuard({ ...base, fetch: issuer.fetch });
    const cases: Array<[string | undefined, string, string]> = [
      [undefined, 'no_token', 'Bearer realm="api", DPoP algs="'],
      ['', 'no_token', 'Bearer realm="api", DPoP algs="'],
      ['Basic dXNlcjpwYXNz', 'wrong_scheme', 'error="invalid_request"'],
      ['Negotiate abc.def.ghi', 'wrong_scheme', 'error="invalid_request"'],
      ['Bearer', 'malformed_header', 'error="invalid_request"'],
      ['Bearer a b', 'malformed_header', 'error="invalid_request"'],
      ['Bearer ä', 'malformed_header', 'error="invalid_request"'],
    ];
    for (const [header, reason, challenge] of cases) {
      const result = refusal(await guard.check(header));
      expect([header, result.status, result.reason]).toEqual([header, 401, reason]);
      expect(result.headers['www-authenticate']).toContain(challenge);
      // The request-object form answers the same.
      expect(refusal(await guard.check({ authorization: header })).reason).toBe(reason);
    }
    expect(issuer.state.requests).toEqual([]);
  });

  it('invalid_token, expired, unknown_key, dpop_required, insufficient_scope; never the token', async () => {
    const clock = createFixedClock(T0);
    const issuer = fakeIssuer();
    const guard = createTokenGuard({
      ...base,
      fetch: issuer.fetch,
      clock,
      requiredScopes: ['orders:read'],
    });
    const stranger = generateJwtKey('ES256', { kid: 'stranger' });
    const strangerToken = `Bearer ${signJwt({ iss: ISSUER, sub: 'x', exp: 9e9 }, stranger, { typ: 'at+jwt' })}`;
    const cases: Array<[string, string, number]> = [
      [token(clock, { scope: 'orders:read', aud: 'https://other.test' }), 'invalid_token', 401],
      ['Bearer not.a.token', 'invalid_token', 401],
      [
        token(clock, { scope: 'orders:read', iat: T0 / 1000 - 7200, exp: T0 / 1000 - 60 }),
        'expired',
        401,
      ],
      [strangerToken, 'unknown_key', 401],
      [token(clock, { scope: 'orders:read', cnf: { jkt: 'x'.repeat(43) } }), 'dpop_required', 401],
      [token(clock, { scope: 'orders:write' }), 'insufficient_scope', 403],
    ];
    for (const [authorization, reason, status] of cases) {
      const result = refusal(await guard.check(authorization));
      expect([result.reason, result.status]).toEqual([reason, status]);
      const shown = JSON.stringify(result);
      expect(shown).not.toContain(authorization.slice(7));
    }
    expect((await guard.check(token(clock, { scope: 'orders:read' }))).ok).toBe(true);
  });
});

describe('an unreachable issuer', () => {
  it('100 concurrent checks make one fetch; during the backoff none, answered 503 with Retry-After', async () => {
    const clock = createFixedClock(T0);
    const issuer = fakeIssuer();
    issuer.state.up = false;
    const guard = createTokenGuard({ ...base, fetch: issuer.fetch, clock });
    const results = await Promise.all(Array.from({ length: 100 }, () => guard.check(token(clock))));
    expect(issuer.state.requests).toHaveLength(1);
    for (const result of results)
      expect(refusal(result)).toMatchObject({
        status: 503,
        reason: 'issuer_unavailable',
        headers: { 'retry-after': '1' },
        body: { error: 'temporarily_unavailable' },
      });

    // Backoff: 1 s, then 2 s, 4 s, 8 s, 10 s (the cap), 10 s; one fetch when each ends.
    const waits: number[] = [];
    for (let attempt = 0; attempt < 6; attempt++) {
      let waited = 0;
      for (;;) {
        const before = issuer.state.requests.length;
        expect(refusal(await guard.check(token(clock))).reason).toBe('issuer_unavailable');
        if (issuer.state.requests.length > before) break;
        clock.advanceMs(250);
        waited += 250;
      }
      waits.push(waited);
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);

    issuer.state.up = true;
    clock.advanceMs(10_000);
    expect((await guard.check(token(clock))).ok).toBe(true);
  });

  it('a fetch that never answers fails after fetchTimeoutMs (AbortSignal), as one fetch', async () => {
    let fetches = 0;
    const stalled: typeof globalThis.fetch = (_input, init) => {
      fetches++;
      return new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      });
    };
    const guard = createTokenGuard({ ...base, fetch: stalled, fetchTimeoutMs: 50 });
    const results = await Promise.all(
      Array.from({ length: 10 }, () => guard.check('Bearer a.b.c')),
    );
    expect(fetches).toBe(1);
    for (const result of results) expect(refusal(result).reason).toBe('issuer_unavailable');
  });
});

describe('issuer bodies are bounded', () => {
  it('metadata or a JWKS over 1 MiB is a failed fetch (503 issuer_unavailable)', async () => {
    const clock = createFixedClock(T0);
    const issuer = fakeIssuer();
    // Valid JSON padded with whitespace: only its size is wrong.
    const padded =
      (path: string, bytes: number): typeof globalThis.fetch =>
      async (input, init) => {
        const response = await issuer.fetch(input, init);
        if (new URL(String(input)).pathname !== path) return response;
        return new Response(`${await response.text()}${' '.repeat(bytes)}`);
      };
    for (const path of ['/.well-known/oauth-authorization-server', '/jwks']) {
      const guard = createTokenGuard({ ...base, fetch: padded(path, 1_048_576), clock });
      expect([path, refusal(await guard.check(token(clock))).reason]).toEqual([
        path,
        'issuer_unavailable',
      ]);
    }
    // Just under the limit is fine.
    const body = JSON.stringify(exportPublicJwks([KEY]));
    const guard = createTokenGuard({
      ...base,
      fetch: padded('/jwks', 1_048_576 - body.length),
      clock,
    });
    expect((await guard.check(token(clock))).ok).toBe(true);
  });

  it('a feed page over 8 MiB is a failed read (revocations_stale); 2 MiB is read', async () => {
    const clock = createFixedClock(T0);
    const issuer = fakeIssuer();
    issuer.state.revoked.push(['session-1', T0 / 1000 + 60]);
    const padded =
      (bytes: number): typeof globalThis.fetch =>
      async (input, init) => {
        const response = await issuer.fetch(input, init);
        if (!String(input).includes('/v1/revocations')) return response;
        return new Response(`${await response.text()}${' '.repeat(bytes)}`);
      };
    const huge = createTokenGuard({
      ...base,
      fetch: padded(8 * 1_048_576),
      clock,
      followRevocations: true,
    });
    expect(refusal(await huge.check(token(clock))).reason).toBe('revocations_stale');
    huge.close();
    const large = createTokenGuard({
      ...base,
      fetch: padded(2 * 1_048_576),
      clock,
      followRevocations: true,
    });
    expect(refusal(await large.check(token(clock))).reason).toBe('revoked');
    large.close();
  });
});

describe('followRevocations', () => {
  const follow = (
    issuer: ReturnType<typeof fakeIssuer>,
    clock: ReturnType<typeof createFixedClock>,
    extra: Partial<TokenGuardOptions> = {},
  ) =>
    createTokenGuard({
      ...base,
      fetch: issuer.fetch,
      clock,
      followRevocations: true,
      // Long: the tests drive reads through checks and the clock, not the timer.
      revocationPollIntervalMs: 600_000,
      revocationStaleAfterMs: 3_600_000,
      ...extra,
    });

  it('the first check waits for the snapshot; a listed session is refused until its end plus the tolerance', async () => {
    const clock = createFixedClock(T0);
    const issuer = fakeIssuer();
    const until = T0 / 1000 + 60;
    issuer.state.revoked.push(['session-1', until]);
    const guard = follow(issuer, clock);
    try {
      const revoked = refusal(await guard.check(token(clock)));
      expect(revoked).toMatchObject({ status: 401, reason: 'revoked' });
      expect(revoked.body.error).toBe('invalid_token');
      expect((await guard.check(token(clock, { sid: 'session-2' }))).ok).toBe(true);
      expect(issuer.state.requests.filter((r) => r.startsWith('/v1/revocations'))).toEqual([
        '/v1/revocations',
      ]);
      // Tokens are accepted until exp + 5 s of tolerance: the entry lasts as long.
      clock.setMs(until * 1000 + 5000 - 1);
      expect(refusal(await guard.check(token(clock))).reason).toBe('revoked');
      clock.setMs(until * 1000 + 5000);
      expect((await guard.check(token(clock))).ok).toBe(true);
    } finally {
      guard.close();
    }
  });

  it("refuses a token older than the feed's max_token_age whatever its exp (a lifetime shortened by a restart)", async () => {
    const clock = createFixedClock(T0);
    const issuer = fakeIssuer();
    issuer.state.maxTokenAge = 600;
    const guard = follow(issuer, clock);
    try {
      // Issued 700 s ago under a 1 h lifetime: exp is ahead, but the issuer now keeps entries
      // for 600 s only, so no entry would guard it: refused by age, as the issuer refuses it.
      const old = token(clock, { iat: T0 / 1000 - 700, exp: T0 / 1000 + 2900 });
      expect(refusal(await guard.check(old)).reason).toBe('expired');
      // Within the age plus the tolerance (5 s): accepted.
      expect((await guard.check(token(clock, { iat: T0 / 1000 - 604 }))).ok).toBe(true);
      expect(refusal(await guard.check(token(clock, { iat: T0 / 1000 - 606 }))).reason).toBe(
        'expired',
      );
    } finally {
      guard.close();
    }
    // An issuer that does not send it: only exp counts.
    const plain = fakeIssuer();
    const lenient = follow(plain, clock);
    try {
      const old = token(clock, { iat: T0 / 1000 - 700, exp: T0 / 1000 + 2900 });
      expect((await lenient.check(old)).ok).toBe(true);
    } finally {
      lenient.close();
    }
  });

  it('reads only what is new, with the cursor of the previous answer, on its timer', async () => {
    const clock = createFixedClock(T0);
    const issuer = fakeIssuer();
    const guard = follow(issuer, clock, {
      revocationPollIntervalMs: 20,
      revocationStaleAfterMs: 3_600_000,
    });
    try {
      expect((await guard.check(token(clock))).ok).toBe(true);
      issuer.state.revoked.push(['session-1', T0 / 1000 + 60]);
      // The timer reads again (no timing asserted: wait until it has).
      for (let i = 0; i < 500 && (await guard.check(token(clock))).ok; i++)
        await new Promise((resolve) => setTimeout(resolve, 5));
      expect(refusal(await guard.check(token(clock))).reason).toBe('revoked');
      const reads = issuer.state.requests.filter((r) => r.startsWith('/v1/revocations'));
      expect(reads[0]).toBe('/v1/revocations');
      expect(reads.slice(1).every((r) => /^\/v1\/revocations\?cursor=\d+$/.test(r))).toBe(true);
      expect(reads).toContain('/v1/revocations?cursor=0');
      guard.close();
      const after = issuer.state.requests.length;
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(issuer.state.requests.length).toBe(after);
    } finally {
      guard.close();
    }
  });

  it('feed down, policy refuse (default): answers while the last read is younger than the limit, then 503 revocations_stale until the feed answers', async () => {
    const clock = createFixedClock(T0);
    const issuer = fakeIssuer();
    const guard = follow(issuer, clock, {
      revocationPollIntervalMs: 5000,
      revocationStaleAfterMs: 10_000,
    });
    try {
      expect((await guard.check(token(clock))).ok).toBe(true);
      issuer.state.feedUp = false;
      clock.advanceMs(10_000);
      expect((await guard.check(token(clock))).ok).toBe(true);
      clock.advanceMs(1);
      const stale = refusal(await guard.check(token(clock)));
      expect(stale).toMatchObject({
        status: 503,
        reason: 'revocations_stale',
        body: { error: 'temporarily_unavailable' },
      });
      expect(Number(stale.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      // During the backoff no read is tried: the answers stay 503 without a fetch.
      const reads = issuer.state.requests.length;
      expect(refusal(await guard.check(token(clock))).reason).toBe('revocations_stale');
      expect(issuer.state.requests.length).toBe(reads);
      // Back, and past the backoff: the next check reads and is answered.
      issuer.state.feedUp = true;
      clock.advanceMs(1000);
      expect((await guard.check(token(clock))).ok).toBe(true);
    } finally {
      guard.close();
    }
  });

  it('feed down, policy accept: keeps answering from the last read', async () => {
    const clock = createFixedClock(T0);
    const issuer = fakeIssuer();
    issuer.state.revoked.push(['session-1', T0 / 1000 + 7200]);
    const guard = follow(issuer, clock, {
      revocationPollIntervalMs: 5000,
      revocationStaleAfterMs: 10_000,
      whenRevocationsStale: 'accept',
    });
    try {
      expect((await guard.check(token(clock, { sid: 'other' }))).ok).toBe(true);
      issuer.state.feedUp = false;
      clock.advanceMs(3_600_000);
      expect((await guard.check(token(clock, { sid: 'other' }))).ok).toBe(true);
      // What was read is still refused.
      expect(refusal(await guard.check(token(clock))).reason).toBe('revoked');
    } finally {
      guard.close();
    }
  });

  it('a feed that was never read counts as stale: refuse answers 503, accept answers', async () => {
    for (const [policy, ok] of [
      ['refuse', false],
      ['accept', true],
    ] as const) {
      const clock = createFixedClock(T0);
      const issuer = fakeIssuer();
      issuer.state.feedUp = false;
      const guard = follow(issuer, clock, { whenRevocationsStale: policy });
      const result = await guard.check(token(clock));
      expect(result.ok).toBe(ok);
      if (!result.ok) expect(result.reason).toBe('revocations_stale');
      guard.close();
    }
  });

  it('a feed answer that is not a feed page is a failed read, merging nothing', async () => {
    const clock = createFixedClock(T0);
    const issuer = fakeIssuer();
    const broken: typeof globalThis.fetch = async (input, init) =>
      String(input).includes('/v1/revocations')
        ? new Response(
            JSON.stringify({
              cursor: 'x',
              more: false,
              entries: [{ sid_hash: 'short', until: 1 }],
            }),
          )
        : issuer.fetch(input, init);
    const guard = createTokenGuard({ ...base, fetch: broken, clock, followRevocations: true });
    const result = refusal(await guard.check(token(clock)));
    expect(result.reason).toBe('revocations_stale');
    guard.close();
  });
});
