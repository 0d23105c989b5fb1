/**
 * Every Wycheproof vector in test/fixtures/vectors/wycheproof, run through our primitives and our
 * compact-JWS verifier. Valid vectors verify, invalid ones are rejected, `acceptable` ones are
 * rejected. Where our key policy refuses a key that Wycheproof labels valid, or where the
 * upstream label is wrong (listed in the vectors README), the test names the tcId and asserts
 * our verdict and its reason.
 */
import { describe, expect, it } from 'vitest';
import { AuthError } from '../../src/core/errors.js';
import { ALGORITHM_SPECS, checkSignature, type JwsAlgorithm } from '../../src/jwt/algorithms.js';
import {
  importDer,
  importHmacSecret,
  importJwk,
  importJwks,
  type JwtKey,
} from '../../src/jwt/index.js';
import { getKeyMaterial } from '../../src/jwt/key-handle.js';
import { createJwsVerifier } from '../../src/jwt/verify.js';
import { codeOf } from '../support/errors.js';
import {
  readVectorJson,
  type WycheproofFile,
  type WycheproofGroup,
  type WycheproofTest,
} from '../support/vectors.js';

const hex = (s: string | undefined) => Buffer.from(s ?? '', 'hex');

function verifyPrimitive(key: JwtKey, msg: Buffer, sig: Buffer): boolean {
  return checkSignature(getKeyMaterial(key), msg, sig);
}

/** Runs one primitive file; `importKey` may throw ERR_KEY_INVALID when our policy refuses the key. */
function runPrimitiveFile(
  file: string,
  importKey: (group: WycheproofGroup) => JwtKey,
  policyRejected: ReadonlyMap<number, string> = new Map(),
) {
  const data = readVectorJson<WycheproofFile>('wycheproof', file);
  describe(file, () => {
    it(`has the expected number of tests (${data.numberOfTests})`, () => {
      const count = data.testGroups.reduce((n, g) => n + g.tests.length, 0);
      expect(count).toBe(data.numberOfTests);
    });
    const seenPolicy = new Set<number>();
    it('accepts every valid vector and rejects every invalid or acceptable one', () => {
      const mismatches: string[] = [];
      for (const group of data.testGroups) {
        let key: JwtKey | null = null;
        let importCode: string | null = null;
        try {
          key = importKey(group);
        } catch (error) {
          if (!(error instanceof AuthError)) throw error;
          importCode = error.code;
        }
        for (const t of group.tests) {
          if (key === null) {
            // Key refused by policy: every vector of the group is rejected; a valid one only when listed.
            if (t.result === 'valid') {
              if (!policyRejected.has(t.tcId))
                mismatches.push(`${t.tcId}: key refused (${importCode}) for a valid vector`);
              else seenPolicy.add(t.tcId);
            }
            continue;
          }
          const ok = verifyPrimitive(key, hex(t.msg), hex(t.sig ?? t.tag));
          const expected = t.result === 'valid';
          if (ok !== expected)
            mismatches.push(`${t.tcId} (${t.comment}): got ${ok}, label ${t.result}`);
        }
      }
      expect(mismatches).toEqual([]);
      expect([...seenPolicy].sort((a, b) => a - b)).toEqual(
        [...policyRejected.keys()].sort((a, b) => a - b),
      );
    });
  });
}

// HMAC: JWS needs a key at least as long as the hash (RFC 7518 3.2) and the full-length tag.
for (const [file, alg] of [
  ['hmac_sha256_test.json', 'HS256'],
  ['hmac_sha384_test.json', 'HS384'],
  ['hmac_sha512_test.json', 'HS512'],
] as const) {
  const data = readVectorJson<WycheproofFile>('wycheproof', file);
  const hashBits = ALGORITHM_SPECS[alg].hashBytes * 8;
  describe(file, () => {
    it(`has the expected number of tests (${data.numberOfTests})`, () => {
      expect(data.testGroups.reduce((n, g) => n + g.tests.length, 0)).toBe(data.numberOfTests);
    });
    it('verifies full-length tags under keys of at least the hash length, and refuses the rest', () => {
      const mismatches: string[] = [];
      let verified = 0;
      let refusedShortKey = 0;
      let refusedShortTag = 0;
      for (const group of data.testGroups) {
        const keySize = group.keySize as number;
        const tagSize = group.tagSize as number;
        for (const t of group.tests) {
          const keyBytes = hex(t.key);
          if (keySize < hashBits) {
            // Policy: short secrets are refused at import, so no tag verifies under them.
            if (codeOf(() => importHmacSecret(keyBytes, alg)) !== 'ERR_KEY_INVALID')
              mismatches.push(`${t.tcId}: short key imported`);
            refusedShortKey++;
            continue;
          }
          const key = importHmacSecret(keyBytes, alg);
          const ok = verifyPrimitive(key, hex(t.msg), hex(t.tag));
          // A truncated tag is valid HMAC but never a valid JWS signature.
          const expected = t.result === 'valid' && tagSize === hashBits;
          if (tagSize !== hashBits) refusedShortTag++;
          else verified++;
          if (ok !== expected)
            mismatches.push(`${t.tcId} (${t.comment}): got ${ok}, label ${t.result}`);
        }
      }
      expect(mismatches).toEqual([]);
      expect(verified).toBeGreaterThan(0);
      expect(refusedShortKey).toBeGreaterThan(0);
      expect(refusedShortTag).toBeGreaterThan(0);
    });
  });
}

const ecImport = (alg: JwsAlgorithm) => (group: WycheproofGroup) =>
  group.publicKeyJwk !== undefined
    ? importJwk(group.publicKeyJwk, { alg })
    : importDer(hex(group.publicKeyDer as string), alg, { kid: 'der' });

runPrimitiveFile('ecdsa_secp256r1_sha256_p1363_test.json', ecImport('ES256'));
runPrimitiveFile('ecdsa_secp384r1_sha384_p1363_test.json', ecImport('ES384'));
runPrimitiveFile('ecdsa_secp521r1_sha512_p1363_test.json', ecImport('ES512'));
runPrimitiveFile('ed25519_test.json', (g) => importJwk(g.publicKeyJwk, { alg: 'EdDSA' }));
// e = 3 keys are refused by policy (exponent below 65537); Wycheproof labels their vectors valid.
runPrimitiveFile(
  'rsa_signature_2048_sha256_test.json',
  (g) => importJwk(g.keyJwk, { alg: 'RS256' }),
  new Map([
    [258, 'e=3'],
    [259, 'e=3'],
  ]),
);
runPrimitiveFile(
  'rsa_signature_3072_sha256_test.json',
  (g) => importJwk(g.keyJwk, { alg: 'RS256' }),
  new Map([[259, 'e=3']]),
);
runPrimitiveFile('rsa_pss_2048_sha256_mgf1_32_test.json', (g) =>
  importJwk(g.publicKeyJwk, { alg: 'PS256' }),
);

/** Whole-token files: import the group's key (or key set) strictly, then verify the compact JWS. */
function verdictFor(
  group: WycheproofGroup,
  test: WycheproofTest,
): { accepted: boolean; code: string | null } {
  const source = (group.public ?? group.private) as Record<string, unknown>;
  let keys: JwtKey[];
  try {
    keys = Array.isArray(source.keys) ? importJwks(source) : [importJwk(source)];
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
    return { accepted: false, code: error.code };
  }
  const code = codeOf(() => createJwsVerifier({ keys }).verify(test.jws));
  return { accepted: code === null, code };
}

interface LabelException {
  readonly accepted: boolean;
  readonly code: string | null;
  readonly why: string;
}

function runTokenFile(file: string, exceptions: ReadonlyMap<number, LabelException>) {
  const data = readVectorJson<WycheproofFile>('wycheproof', file);
  describe(file, () => {
    it(`has the expected number of tests (${data.numberOfTests})`, () => {
      expect(data.testGroups.reduce((n, g) => n + g.tests.length, 0)).toBe(data.numberOfTests);
    });
    it('agrees with every label except the documented upstream label errors', () => {
      const mismatches: string[] = [];
      let valid = 0;
      for (const group of data.testGroups) {
        for (const t of group.tests) {
          if (exceptions.has(t.tcId)) continue;
          const { accepted, code } = verdictFor(group, t);
          if (accepted) valid++;
          if (accepted !== (t.result === 'valid'))
            mismatches.push(`${t.tcId} (${t.comment}): ${code ?? 'accepted'}, label ${t.result}`);
        }
      }
      expect(mismatches).toEqual([]);
      expect(valid).toBeGreaterThan(0);
    });
    for (const [tcId, expected] of exceptions) {
      it(`tcId ${tcId}: ${expected.why}`, () => {
        const group = data.testGroups.find((g) => g.tests.some((t) => t.tcId === tcId));
        const test = group?.tests.find((t) => t.tcId === tcId);
        expect(group && test).toBeTruthy();
        expect(verdictFor(group as WycheproofGroup, test as WycheproofTest)).toEqual({
          accepted: expected.accepted,
          code: expected.code,
        });
      });
    }
  });
}

runTokenFile(
  'json_web_signature_test.json',
  new Map<number, LabelException>([
    [
      346,
      {
        accepted: false,
        code: 'ERR_JWS_ALG_NOT_ALLOWED',
        why: 'labelled valid; token says PS384 but the JWK pins PS256, and we enforce the JWK alg',
      },
    ],
    [
      350,
      {
        accepted: false,
        code: 'ERR_JWS_ALG_NOT_ALLOWED',
        why: 'labelled valid; token says PS384 but the JWK pins PS256 (key_ops variant)',
      },
    ],
    [
      347,
      {
        accepted: false,
        code: 'ERR_KEY_UNSUPPORTED',
        why: 'labelled valid; the JWK alg "ES521" is not a registered algorithm',
      },
    ],
    [
      351,
      {
        accepted: false,
        code: 'ERR_KEY_UNSUPPORTED',
        why: 'labelled valid; the JWK alg "ES521" is not registered (key_ops variant)',
      },
    ],
    [
      367,
      {
        accepted: true,
        code: null,
        why: 'labelled invalid, but the jws is byte-identical to valid tcId 357',
      },
    ],
    [
      370,
      {
        accepted: true,
        code: null,
        why: 'labelled invalid, but the jws is byte-identical to valid tcId 357',
      },
    ],
    [
      372,
      {
        accepted: false,
        code: 'ERR_JWT_MALFORMED',
        why: 'labelled valid; a "?" inside a segment is not base64url',
      },
    ],
    [
      373,
      {
        accepted: false,
        code: 'ERR_JWT_MALFORMED',
        why: 'labelled valid; a "?" inside a segment is not base64url',
      },
    ],
  ]),
);
runTokenFile('json_web_key_test.json', new Map());
