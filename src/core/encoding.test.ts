import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeBase64Url,
  encodeBase64Url,
  hasCanonicalBase64UrlEnd,
  isCanonicalBase64Url,
} from './encoding.js';

describe('base64url', () => {
  it('round-trips any bytes and matches Buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const text = encodeBase64Url(bytes);
        expect(text).toBe(Buffer.from(bytes).toString('base64url'));
        expect(isCanonicalBase64Url(text)).toBe(true);
        expect(decodeBase64Url(text)).toEqual(bytes);
      }),
    );
  });

  it.each([
    ['padding', 'Zm8='],
    ['standard alphabet +', 'ab+c'],
    ['standard alphabet /', 'ab/c'],
    ['whitespace', 'Zm9v YmFy'],
    ['newline', 'Zm9v\n'],
    ['4n+1 length', 'Zm9vY'],
    ['unused bits set (2 chars)', 'Zn'],
    ['unused bits set (3 chars)', 'Zm9'],
    ['non-ASCII', 'Zm9vé'],
  ])('refuses %s', (_name, text) => {
    expect(isCanonicalBase64Url(text)).toBe(false);
    expect(decodeBase64Url(text)).toBeNull();
  });

  it('accepts the canonical forms next to those', () => {
    for (const text of ['', 'Zg', 'Zm8', 'Zm9v', 'Zm9vYg', '-_-_'])
      expect(isCanonicalBase64Url(text)).toBe(true);
  });

  it('checks only the end rules when the alphabet is already known to hold', () => {
    expect(hasCanonicalBase64UrlEnd('Zg')).toBe(true);
    expect(hasCanonicalBase64UrlEnd('Zh')).toBe(false);
    expect(hasCanonicalBase64UrlEnd('Zm8')).toBe(true);
    expect(hasCanonicalBase64UrlEnd('Zm9')).toBe(false);
    expect(hasCanonicalBase64UrlEnd('Zm9vY')).toBe(false);
  });
});
