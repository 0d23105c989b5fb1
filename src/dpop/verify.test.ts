/**
 * The DPoP verifier against proofs made by hand with jose (test/support/dpop.ts): every refusal of
 * RFC 9449 section 4.3, each alone on an otherwise valid proof, and the acceptance of well-formed
 * proofs of every algorithm family.
 */
import { generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint, SignJWT } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  createDpopTestKey,
  type DpopTestKey,
  makeProof,
  type ProofOptions,
} from '../../test/support/dpop.js';
import { AuthError, createFixedClock } from '../core/index.js';
import { createDpopNonces } from './nonces.js';
import { createMemoryReplayCache, type ReplayCache } from './replay.js';
import { createDpopVerifier, type DpopRequest, type DpopVerifierOptions } from './verify.js';

const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);
const URL_ = 'https://auth.test/v1/token';
const SECRET = new Uint8Array(32).fill(7);

let clock: ReturnType<typeof createFixedClock>;
let key: DpopTestKey;

beforeEach(async () => {
  clock = createFixedClock(T0);
  key ??= await createDpopTestKey('ES256');
});

const verifierWith = (options: Partial<DpopVerifierOptions> = {}) =>
  createDpopVerifier({ replay: createMemoryReplayCache({ clock }), clock, ...options });

const proofWith = (options: Partial<ProofOptions> = {}, signer: DpopTestKey = key) =>
  makeProof(signer, { htm: 'POST', htu: URL_, nowMs: clock.nowMs(), ...options });

const request = (proof: DpopRequest['proof'], extra: Partial<DpopRequest> = {}): DpopRequest => ({
  proof,
  method: 'POST',
  url: URL_,
  ...extra,
});

/** The error a verify call throws (fails the test when it resolves). */
async function refusal(promise: Promise<unknown>): Promise<AuthError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AuthError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

async function expectInvalid(promise: Promise<unknown>, reason: string) {
  const error = await refusal(promise);
  expect({ code: error.code, reason: error.details?.reason }).toEqual({
    code: 'ERR_DPOP_PROOF_INVALID',
    reason,
  });
  return error;
}

/** A compact JWS with exactly these header and payload bytes, signed (ES256) by `signer`. */
async function rawProof(header: object | string, payload: object | string, signer = key) {
  const encode = (part: object | string) =>
    Buffer.from(typeof part === 'string' ? part : JSON.stringify(part)).toString('base64url');
  const input = `${encode(header)}.${encode(payload)}`;
  // WebCrypto's ECDSA signature is r||s, the JWS form (RFC 7518 section 3.4).
  const signature = await crypto.subtle.sign(
    { name: 'ECDSA', hash: 'SHA-256' },
    signer.privateKey,
    new TextEncoder().encode(input),
  );
  return `${input}.${Buffer.from(signature).toString('base64url')}`;
}

const nowSeconds = () => Math.floor(clock.nowMs() / 1000);
const claimsOf = (extra: Record<string, unknown> = {}) => ({
  jti: `raw-${Math.floor(clock.nowMs())}-${Object.keys(extra).join('')}`,
  htm: 'POST',
  htu: URL_,
  iat: nowSeconds(),
  ...extra,
});

describe('createDpopVerifier: accepted proofs', () => {
  it.each([
    ['ES256', {}],
    ['ES384', {}],
    ['ES512', {}],
    ['EdDSA', {}],
    ['PS256', { modulusLength: 2048 }],
    ['RS256', { modulusLength: 2048 }],
    // The largest modulus a proof may carry.
    ['PS512', { modulusLength: 4096 }],
  ])('a jose proof signed with %s: its jkt is the RFC 7638 thumbprint', async (alg, options) => {
    const signer = await createDpopTestKey(alg, options);
    const verifier = verifierWith();
    const result = await verifier.verify(request(await proofWith({ jti: `ok-${alg}` }, signer)));
    expect(result).toEqual({
      jkt: await calculateJwkThumbprint(signer.publicJwk),
      jti: `ok-${alg}`,
      iat: nowSeconds(),
      alg,
      freshness: 'iat',
    });
  });

  it('a header given as a one-element list (a framework that lists values) is one proof', async () => {
    const result = await verifierWith().verify(request([await proofWith()]));
    expect(result.jkt).toBe(key.jkt);
  });

  it('htu is compared without query or fragment, after RFC 3986 normalisation', async () => {
    const verifier = verifierWith();
    for (const htu of [
      'https://auth.test/v1/token?x=1#frag',
      'HTTPS://AUTH.TEST:443/v1/token',
      'https://auth.test/v1/./token',
      'https://auth.test/v1/%74oken',
    ])
      await expect(verifier.verify(request(await proofWith({ htu })))).resolves.toMatchObject({
        jkt: key.jkt,
      });
    // And the request URL's own query is ignored too.
    await expect(
      verifier.verify(request(await proofWith(), { url: `${URL_}?grant=1` })),
    ).resolves.toMatchObject({ jkt: key.jkt });
  });

  it('iat exactly at the window edges (60 s either way) is accepted; one second beyond is not', async () => {
    const verifier = verifierWith();
    await expect(
      verifier.verify(request(await proofWith({ iat: nowSeconds() - 60 }))),
    ).resolves.toMatchObject({ freshness: 'iat' });
    await expect(
      verifier.verify(request(await proofWith({ iat: nowSeconds() + 60 }))),
    ).resolves.toMatchObject({ freshness: 'iat' });
    await expectInvalid(
      verifier.verify(request(await proofWith({ iat: nowSeconds() - 61 }))),
      'iat_window',
    );
    await expectInvalid(
      verifier.verify(request(await proofWith({ iat: nowSeconds() + 61 }))),
      'iat_window',
    );
  });

  it('the access token it comes with: ath is its SHA-256, base64url', async () => {
    const accessToken = 'eyJhbGciOiJFUzI1NiJ9.e30.sig';
    const proof = await proofWith({ accessToken, htm: 'GET', htu: 'https://auth.test/v1/me' });
    await expect(
      verifierWith().verify({ proof, method: 'GET', url: 'https://auth.test/v1/me', accessToken }),
    ).resolves.toMatchObject({ jkt: key.jkt });
  });

  it('with the bound key (boundJkt) it passes', async () => {
    await expect(
      verifierWith().verify(request(await proofWith(), { boundJkt: key.jkt })),
    ).resolves.toMatchObject({ jkt: key.jkt });
  });
});

describe('createDpopVerifier: each refusal alone', () => {
  it('no header, an empty list, two headers (a list, or node joining them with a comma)', async () => {
    const verifier = verifierWith();
    const proof = await proofWith();
    await expectInvalid(verifier.verify(request(undefined)), 'missing');
    await expectInvalid(verifier.verify(request([])), 'missing');
    await expectInvalid(verifier.verify(request([proof, await proofWith()])), 'multiple');
    await expectInvalid(verifier.verify(request(`${proof}, ${await proofWith()}`)), 'multiple');
    // None of these consumed the valid proof.
    await expect(verifier.verify(request(proof))).resolves.toMatchObject({ jkt: key.jkt });
  });

  it('too large: refused before any decoding', async () => {
    await expectInvalid(
      verifierWith({ maxProofBytes: 256 }).verify(request(await proofWith())),
      'too_large',
    );
  });

  it.each([
    ['two segments', (p: string) => p.split('.').slice(0, 2).join('.')],
    ['four segments', (p: string) => `${p}.AAAA`],
    ['an empty signature', (p: string) => `${p.slice(0, p.lastIndexOf('.'))}.`],
    ['an empty payload', (p: string) => p.replace(/\.[^.]+\./, '..')],
    ['padding', (p: string) => `${p}=`],
    ['white space', (p: string) => ` ${p}`],
    [
      'non-canonical base64url (unused bits set)',
      (p: string) => p.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
    ],
    ['an empty string', () => ''],
  ])('not a compact JWS: %s', async (_name, mangle) => {
    const mangled = mangle(await proofWith());
    const error = await refusal(verifierWith().verify(request(mangled)));
    expect(error.code).toBe('ERR_DPOP_PROOF_INVALID');
    expect(['malformed', 'signature']).toContain(error.details?.reason);
  });

  it('a header that is not a JSON object, or has a duplicate member', async () => {
    const verifier = verifierWith();
    await expectInvalid(
      verifier.verify(request(await rawProof('not json', claimsOf()))),
      'malformed_header',
    );
    const duplicate = `{"typ":"dpop+jwt","alg":"ES256","jwk":${JSON.stringify(key.publicJwk)},"alg":"none"}`;
    await expectInvalid(
      verifier.verify(request(await rawProof(duplicate, claimsOf()))),
      'malformed_header',
    );
  });

  it.each([
    ['absent', undefined],
    ['JWT', 'JWT'],
    ['another case', 'DPoP+JWT'],
    ['with application/', 'application/dpop+jwt'],
    ['at+jwt', 'at+jwt'],
  ])('typ %s', async (_name, typ) => {
    await expectInvalid(
      verifierWith().verify(request(await proofWith({ header: { typ } }))),
      'typ',
    );
  });

  it('alg none (unsigned), HS256 (a shared secret), and an asymmetric alg outside the allow-list', async () => {
    const verifier = verifierWith();
    const none = `${Buffer.from(JSON.stringify({ typ: 'dpop+jwt', alg: 'none', jwk: key.publicJwk })).toString('base64url')}.${Buffer.from(JSON.stringify(claimsOf())).toString('base64url')}.AAAA`;
    await expectInvalid(verifier.verify(request(none)), 'alg');
    // Algorithm confusion: the public key itself as an HMAC secret.
    const secret = new TextEncoder().encode(JSON.stringify(key.publicJwk));
    const hs = await new SignJWT(claimsOf({ jti: 'hs' }))
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'HS256', jwk: key.publicJwk })
      .sign(secret);
    await expectInvalid(verifier.verify(request(hs)), 'alg');
    const rsa = await createDpopTestKey('RS256', { modulusLength: 2048 });
    await expectInvalid(
      verifierWith({ algorithms: ['ES256'] }).verify(request(await proofWith({}, rsa))),
      'alg',
    );
    const lowerCase = { typ: 'dpop+jwt', alg: 'es256', jwk: key.publicJwk };
    await expectInvalid(verifier.verify(request(await rawProof(lowerCase, claimsOf()))), 'alg');
  });

  it('crit or b64 in the header', async () => {
    const header = { typ: 'dpop+jwt', alg: 'ES256', jwk: key.publicJwk };
    for (const extra of [{ crit: ['exp'], exp: 1 }, { b64: true }])
      await expectInvalid(
        verifierWith().verify(request(await rawProof({ ...header, ...extra }, claimsOf()))),
        'header',
      );
  });

  it('jwk absent, not an object, or private (whatever else it holds)', async () => {
    const verifier = verifierWith();
    await expectInvalid(
      verifier.verify(request(await proofWith({ header: { jwk: undefined } }))),
      'jwk_missing',
    );
    await expectInvalid(
      verifier.verify(request(await proofWith({ header: { jwk: 'key' } }))),
      'jwk_missing',
    );
    await expectInvalid(
      verifier.verify(request(await proofWith({ header: { jwk: [key.publicJwk] } }))),
      'jwk_missing',
    );
    await expectInvalid(
      verifier.verify(request(await proofWith({ header: { jwk: key.privateJwk } }))),
      'jwk_private',
    );
    const rsa = await createDpopTestKey('PS256', { modulusLength: 2048 });
    await expectInvalid(
      verifier.verify(
        request(
          await proofWith({ header: { jwk: { ...rsa.publicJwk, p: rsa.privateJwk.p } } }, rsa),
        ),
      ),
      'jwk_private',
    );
  });

  it('a jwk unfit for alg: another curve, another key type, a short RSA key, an alg member that disagrees, use enc', async () => {
    const verifier = verifierWith();
    const p384 = await createDpopTestKey('ES384');
    // The header says ES256 but the key is on P-384: the import refuses the pair.
    const mismatched = { typ: 'dpop+jwt', alg: 'ES256', jwk: p384.publicJwk };
    await expectInvalid(verifier.verify(request(await rawProof(mismatched, claimsOf()))), 'jwk');
    const ed = await createDpopTestKey('EdDSA');
    await expectInvalid(
      verifier.verify(request(await proofWith({ header: { jwk: ed.publicJwk } }))),
      'jwk',
    );
    // 8192 bits: more work per request than a proof may cost (moduli up to 4096 bits).
    const huge = generateKeyPairSync('rsa', { modulusLength: 8192 }).publicKey.export({
      format: 'jwk',
    });
    await expectInvalid(
      verifier.verify(
        request(await rawProof({ typ: 'dpop+jwt', alg: 'RS256', jwk: huge }, claimsOf())),
      ),
      'jwk',
    );
    // jose will not make a 1024-bit key; node will. The import refuses it before any signature.
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
      format: 'jwk',
    });
    const short = { typ: 'dpop+jwt', alg: 'RS256', jwk: weak };
    await expectInvalid(verifier.verify(request(await rawProof(short, claimsOf()))), 'jwk');
    await expectInvalid(
      verifier.verify(
        request(await proofWith({ header: { jwk: { ...key.publicJwk, alg: 'ES384' } } })),
      ),
      'jwk',
    );
    await expectInvalid(
      verifier.verify(
        request(await proofWith({ header: { jwk: { ...key.publicJwk, use: 'enc' } } })),
      ),
      'jwk',
    );
    await expectInvalid(
      verifier.verify(
        request(
          await proofWith({ header: { jwk: { ...key.publicJwk, x: `${key.publicJwk.x}A` } } }),
        ),
      ),
      'jwk',
    );
  });

  it('a signature by another key than the jwk, or over other bytes', async () => {
    const verifier = verifierWith();
    const other = await createDpopTestKey('ES256');
    await expectInvalid(
      verifier.verify(request(await proofWith({ signWith: other.privateKey }))),
      'signature',
    );
    const proof = await proofWith();
    const [h, , s] = proof.split('.');
    const forged = Buffer.from(JSON.stringify(claimsOf({ htm: 'GET' }))).toString('base64url');
    await expectInvalid(verifier.verify(request(`${h}.${forged}.${s}`)), 'signature');
  });

  it('a payload that is not a JSON object', async () => {
    await expectInvalid(
      verifierWith().verify(
        request(await rawProof({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.publicJwk }, '[1,2]')),
      ),
      'malformed_payload',
    );
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
    ['a number', 42],
    ['longer than 128', 'j'.repeat(129)],
  ])('jti %s', async (_name, jti) => {
    await expectInvalid(
      verifierWith().verify(request(await proofWith({ claims: { jti } }))),
      'jti',
    );
  });

  it('jti of 128 characters is accepted', async () => {
    await expect(
      verifierWith().verify(request(await proofWith({ jti: 'j'.repeat(128) }))),
    ).resolves.toMatchObject({ jti: 'j'.repeat(128) });
  });

  it.each([
    ['another method', 'GET'],
    ['lower case', 'post'],
    ['absent', undefined],
  ])('htm %s', async (_name, htm) => {
    await expectInvalid(
      verifierWith().verify(request(await proofWith({ claims: { htm } }))),
      'htm',
    );
  });

  it.each([
    ['another path', 'https://auth.test/v1/revoke'],
    ['a path prefix', 'https://auth.test/v1/token/x'],
    ['another host', 'https://evil.test/v1/token'],
    ['another scheme', 'http://auth.test/v1/token'],
    ['another port', 'https://auth.test:8443/v1/token'],
    ['user information', 'https://user@auth.test/v1/token'],
    ['a relative URL', '/v1/token'],
    ['not a URL', 'token'],
    ['a number', 1],
    ['absent', undefined],
  ])('htu %s', async (_name, htu) => {
    await expectInvalid(
      verifierWith().verify(request(await proofWith({ claims: { htu } }))),
      'htu',
    );
  });

  it('ath: absent or wrong with an access token; present without one', async () => {
    const verifier = verifierWith();
    const accessToken = 'the.access.token';
    await expectInvalid(verifier.verify(request(await proofWith(), { accessToken })), 'ath');
    await expectInvalid(
      verifier.verify(
        request(await proofWith({ accessToken: 'another.access.token' }), { accessToken }),
      ),
      'ath',
    );
    await expectInvalid(
      verifier.verify(request(await proofWith({ accessToken }))),
      'ath_unexpected',
    );
  });

  it.each([
    ['absent', undefined],
    ['a string', String(Math.floor(T0 / 1000))],
    ['in milliseconds', T0],
  ])('iat %s', async (name, iat) => {
    const error = await refusal(
      verifierWith().verify(request(await proofWith({ claims: { iat } }))),
    );
    expect(error.details?.reason).toBe(name === 'in milliseconds' ? 'iat_window' : 'iat');
  });

  it('a key other than the one the token is bound to: ERR_DPOP_KEY_MISMATCH, and the proof stays unused', async () => {
    const verifier = verifierWith();
    const proof = await proofWith();
    const error = await refusal(verifier.verify(request(proof, { boundJkt: 'x'.repeat(43) })));
    expect({ code: error.code, reason: error.details?.reason }).toEqual({
      code: 'ERR_DPOP_KEY_MISMATCH',
      reason: 'key_mismatch',
    });
    await expect(verifier.verify(request(proof))).resolves.toMatchObject({ jkt: key.jkt });
  });

  it('deferClaim: checked but not claimed until claim() is called, which is single use', async () => {
    const verifier = verifierWith();
    const proof = await proofWith({ jti: 'deferred' });
    const first = await verifier.verify(request(proof, { deferClaim: true }));
    // Not claimed: the same proof verifies again (a junk grant never took a place in the cache).
    const second = await verifier.verify(request(proof, { deferClaim: true }));
    expect(first.jkt).toBe(key.jkt);
    await (first.claim as () => Promise<void>)();
    await expectInvalid((second.claim as () => Promise<void>)(), 'replayed');
    await expectInvalid(verifier.verify(request(proof)), 'replayed');
    // Without deferClaim the result carries no claim to make: it is already made.
    const plain = await verifier.verify(request(await proofWith({ jti: 'plain' })));
    expect(plain.claim).toBeUndefined();
  });

  it('a proof used twice; the same jti under another key is not a replay', async () => {
    const verifier = verifierWith();
    const proof = await proofWith({ jti: 'once' });
    await verifier.verify(request(proof));
    await expectInvalid(verifier.verify(request(proof)), 'replayed');
    await expectInvalid(verifier.verify(request(await proofWith({ jti: 'once' }))), 'replayed');
    const other = await createDpopTestKey('ES256');
    await expect(
      verifier.verify(request(await proofWith({ jti: 'once' }, other))),
    ).resolves.toMatchObject({
      jkt: other.jkt,
    });
  });

  it('a refused proof is not claimed: the same proof with the right method passes afterwards', async () => {
    const verifier = verifierWith();
    const proof = await proofWith({ htm: 'GET' });
    await expectInvalid(verifier.verify(request(proof)), 'htm');
    await expect(verifier.verify(request(proof, { method: 'GET' }))).resolves.toMatchObject({
      jkt: key.jkt,
    });
  });

  it('no refusal carries the proof, its jti, its key or the access token', async () => {
    const verifier = verifierWith();
    const accessToken = 'sentinel.access.token';
    const jti = 'sentinel-jti-4242';
    const errors: AuthError[] = [];
    const proofs = [
      await proofWith({ jti, claims: { htm: 'GET' } }),
      await proofWith({ jti, accessToken: 'other' }),
      await proofWith({ jti, header: { jwk: key.privateJwk } }),
    ];
    for (const proof of proofs)
      errors.push(await refusal(verifier.verify(request(proof, { accessToken }))));
    for (const error of errors) {
      const text = `${error.message} ${JSON.stringify(error.details)}`;
      for (const secret of [
        ...proofs,
        jti,
        accessToken,
        String(key.privateJwk.d),
        String(key.publicJwk.x),
      ])
        expect(text).not.toContain(secret);
    }
  });
});

describe('createDpopVerifier: server nonces', () => {
  const withNonces = () => {
    const nonces = createDpopNonces({ secret: SECRET, clock });
    return { nonces, verifier: verifierWith({ nonces }) };
  };

  it('requireNonce: a proof without one is told to use one', async () => {
    const { verifier } = withNonces();
    const error = await refusal(
      verifier.verify(request(await proofWith(), { requireNonce: true })),
    );
    expect({ code: error.code, reason: error.details?.reason }).toEqual({
      code: 'ERR_DPOP_NONCE_REQUIRED',
      reason: 'nonce_missing',
    });
  });

  it('the current nonce vouches for freshness: an iat three hours off passes', async () => {
    const { verifier, nonces } = withNonces();
    for (const offset of [-3 * 3600, 3 * 3600]) {
      const proof = await proofWith({ nonce: nonces.current(), iat: nowSeconds() + offset });
      await expect(verifier.verify(request(proof, { requireNonce: true }))).resolves.toMatchObject({
        freshness: 'nonce',
      });
    }
  });

  it('an iat outside the window without a nonce: use_dpop_nonce (not a final refusal)', async () => {
    const { verifier } = withNonces();
    const error = await refusal(
      verifier.verify(request(await proofWith({ iat: nowSeconds() - 3600 }))),
    );
    expect({ code: error.code, reason: error.details?.reason }).toEqual({
      code: 'ERR_DPOP_NONCE_REQUIRED',
      reason: 'iat_window',
    });
  });

  it('a nonce from the previous window passes; two windows old, or made up, it does not', async () => {
    const { verifier, nonces } = withNonces();
    const old = nonces.current();
    clock.advanceMs(60_000);
    await expect(
      verifier.verify(request(await proofWith({ nonce: old }), { requireNonce: true })),
    ).resolves.toMatchObject({ freshness: 'nonce' });
    clock.advanceMs(60_000);
    for (const nonce of [old, 'A'.repeat(43), 'made-up']) {
      const error = await refusal(verifier.verify(request(await proofWith({ nonce }))));
      expect({ code: error.code, reason: error.details?.reason }).toEqual({
        code: 'ERR_DPOP_NONCE_REQUIRED',
        reason: 'nonce_invalid',
      });
    }
  });

  it('a nonce that is not a string of NQCHARs is an invalid proof', async () => {
    const { verifier } = withNonces();
    for (const nonce of [42, 'with space', 'quote"', ''])
      await expectInvalid(
        verifier.verify(request(await proofWith({ claims: { nonce } }))),
        'nonce',
      );
  });

  it('another instance with the same secret accepts the nonce; with another secret it does not', async () => {
    const { nonces } = withNonces();
    const same = verifierWith({ nonces: createDpopNonces({ secret: SECRET, clock }) });
    const other = verifierWith({
      nonces: createDpopNonces({ secret: new Uint8Array(32).fill(8), clock }),
    });
    await expect(
      same.verify(request(await proofWith({ nonce: nonces.current() }), { requireNonce: true })),
    ).resolves.toMatchObject({ freshness: 'nonce' });
    const error = await refusal(
      other.verify(request(await proofWith({ nonce: nonces.current() }), { requireNonce: true })),
    );
    expect(error.code).toBe('ERR_DPOP_NONCE_REQUIRED');
  });
});

describe('createDpopVerifier: replay entries live exactly as long as the proof is acceptable', () => {
  const recording = () => {
    const claims: Array<[string, number]> = [];
    const replay: ReplayCache = {
      async claim(k, expiresAtMs) {
        claims.push([k, expiresAtMs]);
        return true;
      },
    };
    return { claims, replay };
  };

  it('by iat: until iat + window (inclusive); by nonce: until the nonce expires; keyed by jkt and jti', async () => {
    const { claims, replay } = recording();
    const nonces = createDpopNonces({ secret: SECRET, clock });
    const verifier = verifierWith({ replay, nonces });
    clock.advanceMs(30_500);
    await verifier.verify(request(await proofWith({ jti: 'a', iat: nowSeconds() - 10 })));
    await verifier.verify(request(await proofWith({ jti: 'b', nonce: nonces.current() })));
    const window = Math.floor(clock.nowMs() / 60_000);
    expect(claims).toEqual([
      [`${key.jkt}.a`, (nowSeconds() - 10 + 60) * 1000 + 1],
      [`${key.jkt}.b`, (window + 2) * 60_000],
    ]);
  });

  it('after its iat window, a replayed proof is refused by iat (its entry may go)', async () => {
    const verifier = verifierWith();
    const proof = await proofWith();
    await verifier.verify(request(proof));
    clock.advanceMs(61_000);
    await expectInvalid(verifier.verify(request(proof)), 'iat_window');
  });
});

describe('createDpopVerifier: options', () => {
  it.each([
    ['HS256 in the allow-list', { algorithms: ['HS256'] }],
    ['none in the allow-list', { algorithms: ['none'] }],
    ['an empty allow-list', { algorithms: [] }],
    ['no replay cache', { replay: undefined }],
    ['an iat window of 0', { iatWindowSeconds: 0 }],
    ['a fractional iat window', { iatWindowSeconds: 1.5 }],
    ['a tiny size limit', { maxProofBytes: 10 }],
  ])('refuses %s', (_name, options) => {
    expect(() =>
      createDpopVerifier({
        replay: createMemoryReplayCache({ clock }),
        clock,
        ...(options as Partial<DpopVerifierOptions>),
      }),
    ).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }));
  });

  it('exposes its algorithms (for metadata and challenges)', () => {
    expect(verifierWith({ algorithms: ['ES256', 'EdDSA'] }).algorithms).toEqual(['ES256', 'EdDSA']);
    expect(verifierWith().algorithms).not.toContain('HS256');
  });

  it('requireNonce without nonces, or a request URL that is not absolute, is the caller bug it is', async () => {
    const verifier = verifierWith();
    await expect(
      verifier.verify(request(await proofWith(), { requireNonce: true })),
    ).rejects.toMatchObject({
      code: 'ERR_CONFIG_INVALID',
    });
    await expect(
      verifier.verify(request(await proofWith(), { url: '/v1/token' })),
    ).rejects.toMatchObject({
      code: 'ERR_CONFIG_INVALID',
    });
  });
});
