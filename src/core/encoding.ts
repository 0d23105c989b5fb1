/**
 * Strict base64url (RFC 4648 section 5, no padding) for tokens. Browser-safe: no node:* imports.
 *
 * "Strict" means canonical: only the 64 alphabet characters, no `=`, no whitespace, a length that
 * a whole number of bytes can produce, and zero unused bits in the last character. Node's Buffer
 * and `atob` accept all of those quietly, so two different strings could carry the same bytes
 * (Wycheproof json_web_signature tcId 375 relies on a verifier noticing).
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Maps a char code to its 6-bit value, or -1 when it is not in the base64url alphabet. */
const VALUE_OF = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = i;
  return table;
})();

/**
 * True when `text` is canonical unpadded base64url.
 *
 * @example
 * isCanonicalBase64Url('Zm9v') // true; isCanonicalBase64Url('Zm9=') // false
 */
export function isCanonicalBase64Url(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 127 || (VALUE_OF[code] as number) < 0) return false;
  }
  return hasCanonicalBase64UrlEnd(text);
}

/**
 * The length and last-character rules of canonical base64url, for text whose characters are
 * already known to be in the alphabet (for example by one regex over a whole token).
 */
export function hasCanonicalBase64UrlEnd(text: string): boolean {
  const rest = text.length % 4;
  if (rest === 0) return true;
  // 4n+1 characters cannot come from any number of bytes.
  if (rest === 1) return false;
  const last = VALUE_OF[text.charCodeAt(text.length - 1)] as number;
  // 2 chars carry 1 byte (4 unused bits), 3 chars carry 2 bytes (2 unused bits): they must be 0.
  return rest === 2 ? (last & 0x0f) === 0 : (last & 0x03) === 0;
}

/**
 * Decodes canonical base64url, or returns null when the text is not canonical.
 *
 * @example
 * decodeBase64Url('Zm9v') // Uint8Array [102, 111, 111]
 */
export function decodeBase64Url(text: string): Uint8Array | null {
  if (!isCanonicalBase64Url(text)) return null;
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let bits = 0;
  let buffer = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    buffer = (buffer << 6) | (VALUE_OF[text.charCodeAt(i)] as number);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (buffer >> bits) & 0xff;
    }
  }
  return out;
}

/**
 * Encodes bytes as unpadded base64url.
 *
 * @example
 * encodeBase64Url(new TextEncoder().encode('foo')) // 'Zm9v'
 */
export function encodeBase64Url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n =
      ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out +=
      ALPHABET.charAt(n >> 18) +
      ALPHABET.charAt((n >> 12) & 63) +
      ALPHABET.charAt((n >> 6) & 63) +
      ALPHABET.charAt(n & 63);
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = (bytes[i] as number) << 16;
    out += ALPHABET.charAt(n >> 18) + ALPHABET.charAt((n >> 12) & 63);
  } else if (rest === 2) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8);
    out +=
      ALPHABET.charAt(n >> 18) + ALPHABET.charAt((n >> 12) & 63) + ALPHABET.charAt((n >> 6) & 63);
  }
  return out;
}
