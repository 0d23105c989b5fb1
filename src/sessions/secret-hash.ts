/**
 * Stored form of credential secrets: SHA-256, base64url. A 256-bit random secret needs no salt
 * or slow hash; what matters is that the database never holds the secret itself.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** The stored hash of a secret. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

/** Constant-time check of a presented secret against a stored hash. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashSecret(secret), 'utf8');
  const stored = Buffer.from(storedHash, 'utf8');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}
