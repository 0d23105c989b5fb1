import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openReplay, sealReplay } from './replay.js';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Shaped like the service's credentials: 128-bit id, 256-bit secret, base64url. */
function credential() {
  return {
    id: randomBytes(16).toString('base64url'),
    secret: randomBytes(32).toString('base64url'),
  };
}

/** What the service seals: the successor's token response. */
const PAIR = JSON.stringify({
  access_token: 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1MSJ9.c2lnbmF0dXJl',
  token_type: 'Bearer',
  expires_in: 900,
  refresh_token: 'U3VjY2Vzc29ySWQxMjM0NQ.U3VjY2Vzc29yU2VjcmV0VGhhdE11c3ROb3RMZWFrMTIzNDU2',
  refresh_token_expires_in: 86_400,
});

const bytesOf = (sealed: string) => Buffer.from(sealed, 'base64url');

describe('sealReplay / openReplay', () => {
  it('round trip: the same secret and record id read the response back', () => {
    const { id, secret } = credential();
    const sealed = sealReplay(secret, id, PAIR);
    expect(openReplay(secret, id, sealed)).toBe(PAIR);
    // Opening does not consume anything: a second repeat reads it again.
    expect(openReplay(secret, id, sealed)).toBe(PAIR);
  });

  it('round trips the empty string and non-ASCII text', () => {
    const { id, secret } = credential();
    for (const text of ['', 'é', '日本語 🔑 \u0000 end', 'x'.repeat(10_000)]) {
      expect(openReplay(secret, id, sealReplay(secret, id, text))).toBe(text);
    }
  });

  it('output is base64url of IV (12) + ciphertext (one byte per UTF-8 byte) + tag (16)', () => {
    const { id, secret } = credential();
    for (const text of ['', 'a', PAIR, 'ü🔑']) {
      const sealed = sealReplay(secret, id, text);
      expect(sealed).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(bytesOf(sealed).length).toBe(IV_BYTES + Buffer.byteLength(text) + TAG_BYTES);
    }
  });

  it('a wrong secret opens nothing', () => {
    const { id, secret } = credential();
    const sealed = sealReplay(secret, id, PAIR);
    expect(openReplay(credential().secret, id, sealed)).toBeNull();
    // One character off, and a prefix of the right secret.
    const last = secret.at(-1) === 'A' ? 'B' : 'A';
    expect(openReplay(secret.slice(0, -1) + last, id, sealed)).toBeNull();
    expect(openReplay(secret.slice(0, -1), id, sealed)).toBeNull();
    expect(openReplay('', id, sealed)).toBeNull();
  });

  it('a wrong record id opens nothing (the key and the AAD are bound to the record)', () => {
    const { id, secret } = credential();
    const sealed = sealReplay(secret, id, PAIR);
    expect(openReplay(secret, credential().id, sealed)).toBeNull();
    expect(openReplay(secret, '', sealed)).toBeNull();
    // Arguments swapped.
    expect(openReplay(id, secret, sealed)).toBeNull();
    // The record id is the HKDF salt, i.e. an HMAC key, and HMAC pads keys with zero bytes:
    // `id` and `id\0` derive the same key. Only the AAD tells them apart.
    expect(openReplay(secret, `${id}\u0000`, sealed)).toBeNull();
  });

  it('the same secret sealed for another record cannot be moved to this one', () => {
    const { id, secret } = credential();
    const other = credential().id;
    const sealedForOther = sealReplay(secret, other, 'for the other record');
    expect(openReplay(secret, id, sealedForOther)).toBeNull();
    expect(openReplay(secret, other, sealedForOther)).toBe('for the other record');
  });

  it('any single flipped bit, in IV, ciphertext or tag, opens nothing', () => {
    const { id, secret } = credential();
    const original = bytesOf(sealReplay(secret, id, PAIR));
    for (let i = 0; i < original.length; i++) {
      for (const mask of [0x01, 0x80]) {
        const tampered = Buffer.from(original);
        tampered[i] = (tampered[i] as number) ^ mask;
        expect(openReplay(secret, id, tampered.toString('base64url')), `byte ${i}`).toBeNull();
      }
    }
  });

  it('one character changed in the sealed string opens nothing', () => {
    const { id, secret } = credential();
    const sealed = sealReplay(secret, id, PAIR);
    // Every character but the last carries six data bits; the last may carry unused padding
    // bits, so a change there could decode to the same bytes. '+' and '-' (or '/' and '_')
    // decode alike too, so the replacement comes from the base64url alphabet only.
    for (const i of [0, 5, IV_BYTES, Math.floor(sealed.length / 2), sealed.length - 2]) {
      const original = sealed[i] as string;
      const replacement = ALPHABET[(ALPHABET.indexOf(original) + 1) % ALPHABET.length] as string;
      const tampered = sealed.slice(0, i) + replacement + sealed.slice(i + 1);
      expect(tampered).not.toBe(sealed);
      expect(bytesOf(tampered).equals(bytesOf(sealed))).toBe(false);
      expect(openReplay(secret, id, tampered), `character ${i}`).toBeNull();
    }
  });

  it('truncated, extended, reordered, empty or garbage input gives null and never throws', () => {
    const { id, secret } = credential();
    const sealed = sealReplay(secret, id, PAIR);
    const raw = bytesOf(sealed);
    const hostile: Array<[string, string]> = [
      ['empty', ''],
      ['one character', 'A'],
      ['not base64 at all', '!!!! ???? ****'],
      ['only padding', '===='],
      ['whitespace', ' \n\t '],
      ['JSON', PAIR],
      ['the plaintext itself, base64url', Buffer.from(PAIR).toString('base64url')],
      ['IV only', raw.subarray(0, IV_BYTES).toString('base64url')],
      ['27 bytes (one short of IV + tag)', raw.subarray(0, 27).toString('base64url')],
      ['28 zero bytes (IV + tag, empty body)', Buffer.alloc(28).toString('base64url')],
      ['28 bytes of the real prefix', raw.subarray(0, 28).toString('base64url')],
      ['tag cut off', raw.subarray(0, raw.length - TAG_BYTES).toString('base64url')],
      ['last byte dropped', raw.subarray(0, raw.length - 1).toString('base64url')],
      ['first byte dropped', raw.subarray(1).toString('base64url')],
      ['one byte appended', Buffer.concat([raw, Buffer.from([0])]).toString('base64url')],
      ['sealed twice over', `${sealed}${sealed}`],
      [
        'tag moved to the front',
        Buffer.concat([
          raw.subarray(raw.length - TAG_BYTES),
          raw.subarray(0, raw.length - TAG_BYTES),
        ]).toString('base64url'),
      ],
      ['random bytes', randomBytes(200).toString('base64url')],
      ['long garbage', 'A'.repeat(100_000)],
    ];
    for (const [name, input] of hostile) {
      let result: string | null = 'not called';
      expect(() => {
        result = openReplay(secret, id, input);
      }, name).not.toThrow();
      expect(result, name).toBeNull();
    }
    // The genuine one still opens: the table failed for the inputs, not the key.
    expect(openReplay(secret, id, sealed)).toBe(PAIR);
  });

  it('two seals of the same text differ (fresh random IV), and both open', () => {
    const { id, secret } = credential();
    const a = sealReplay(secret, id, PAIR);
    const b = sealReplay(secret, id, PAIR);
    expect(a).not.toBe(b);
    expect(bytesOf(a).subarray(0, IV_BYTES).equals(bytesOf(b).subarray(0, IV_BYTES))).toBe(false);
    expect(openReplay(secret, id, a)).toBe(PAIR);
    expect(openReplay(secret, id, b)).toBe(PAIR);
  });

  it('the sealed value contains neither the plaintext nor the secret', () => {
    const { id, secret } = credential();
    const sealed = sealReplay(secret, id, PAIR);
    const raw = bytesOf(sealed);
    const successorToken = JSON.parse(PAIR).refresh_token as string;
    for (const needle of [PAIR, successorToken, secret]) {
      expect(sealed.includes(needle)).toBe(false);
      expect(raw.includes(Buffer.from(needle))).toBe(false);
    }
    expect(sealed.includes(Buffer.from(successorToken).toString('base64url'))).toBe(false);
    expect(sealed.includes(Buffer.from(secret).toString('base64url'))).toBe(false);
  });

  it('property: open(seal(secret, id, text)) === text', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme' }),
        fc.string({ unit: 'grapheme' }),
        fc.string({ unit: 'grapheme', maxLength: 500 }),
        (secret, id, text) => {
          expect(openReplay(secret, id, sealReplay(secret, id, text))).toBe(text);
        },
      ),
    );
  });

  it('property: any other secret, or any other record id, opens nothing', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme' }),
        fc.string({ unit: 'grapheme' }),
        fc.string({ unit: 'grapheme' }),
        fc.string({ unit: 'grapheme' }),
        fc.string({ unit: 'grapheme', maxLength: 200 }),
        (secret, otherSecret, id, otherId, text) => {
          const sealed = sealReplay(secret, id, text);
          if (otherSecret !== secret) expect(openReplay(otherSecret, id, sealed)).toBeNull();
          if (otherId !== id) expect(openReplay(secret, otherId, sealed)).toBeNull();
        },
      ),
    );
  });

  it('property: other real-shaped secrets (256-bit, base64url) open nothing', () => {
    const { id, secret } = credential();
    const sealed = sealReplay(secret, id, PAIR);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        const other = Buffer.from(bytes).toString('base64url');
        fc.pre(other !== secret);
        expect(openReplay(other, id, sealed)).toBeNull();
      }),
    );
  });
});
