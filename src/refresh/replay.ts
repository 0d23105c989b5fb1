/**
 * The grace-window replay of a refresh response, stored without storing a raw token
 * (../shared/DESIGN-NOTES.md): the successor response is encrypted with AES-256-GCM under a key
 * derived (HKDF-SHA-256) from the *presented* token, so only whoever holds that token again can
 * read it back; the database alone cannot.
 */
import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';
import { type RandomSource, systemRandom } from '../core/index.js';

const INFO = 'gatehouse/refresh-replay/v1';

function keyFor(presentedSecret: string, recordId: string): Buffer {
  return Buffer.from(hkdfSync('sha256', presentedSecret, recordId, INFO, 32));
}

/** Encrypts `plaintext` for whoever presents the same secret for the same record again. */
export function sealReplay(
  presentedSecret: string,
  recordId: string,
  plaintext: string,
  random: RandomSource = systemRandom,
): string {
  // A fresh 96-bit IV per seal (NIST SP 800-38D 8.2.2); a key is derived per token anyway.
  const iv = random.bytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(presentedSecret, recordId), iv);
  cipher.setAAD(Buffer.from(recordId));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

/** Decrypts a sealed replay; null when the secret is wrong or the ciphertext was altered. */
export function openReplay(
  presentedSecret: string,
  recordId: string,
  sealed: string,
): string | null {
  try {
    const data = Buffer.from(sealed, 'base64url');
    if (data.length < 12 + 16) return null;
    const decipher = createDecipheriv(
      'aes-256-gcm',
      keyFor(presentedSecret, recordId),
      data.subarray(0, 12),
    );
    decipher.setAAD(Buffer.from(recordId));
    decipher.setAuthTag(data.subarray(data.length - 16));
    return Buffer.concat([
      decipher.update(data.subarray(12, data.length - 16)),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    return null;
  }
}
