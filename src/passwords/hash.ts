/**
 * Password hashing with argon2id (RFC 9106) through @node-rs/argon2, which runs the hash on a
 * worker thread (off the event loop) and ships prebuilt binaries in its npm package.
 *
 * The parameters are stored in the PHC string with the hash, so raising them in configuration
 * upgrades each password at its next successful login (`needsRehash`).
 */
import { hash, verify } from '@node-rs/argon2';
import { createRandomId, systemRandom } from '../core/index.js';

export interface PasswordHashParams {
  /** Memory in KiB (OWASP minimum for argon2id: 19456 = 19 MiB). */
  readonly memoryKiB: number;
  /** Iterations (OWASP minimum with 19 MiB: 2). */
  readonly iterations: number;
  readonly parallelism: number;
}

/** The OWASP Password Storage Cheat Sheet minimum for argon2id. */
export const OWASP_MINIMUM: PasswordHashParams = Object.freeze({
  memoryKiB: 19_456,
  iterations: 2,
  parallelism: 1,
});

// @node-rs/argon2's Algorithm is a const enum (not present at run time); 2 is Argon2id.
const ARGON2ID = 2;

/**
 * Hashes a password as an argon2id PHC string.
 *
 * @example
 * const stored = await hashPassword('correct horse battery staple', OWASP_MINIMUM);
 */
export function hashPassword(
  password: string,
  params: PasswordHashParams = OWASP_MINIMUM,
): Promise<string> {
  return hash(password, {
    algorithm: ARGON2ID,
    memoryCost: params.memoryKiB,
    timeCost: params.iterations,
    parallelism: params.parallelism,
  });
}

/**
 * Checks a password against a stored PHC string; false for a wrong password or a hash that
 * cannot be read (never throws for a bad hash).
 */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

const PHC = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/;

/** True when the stored hash is not argon2id with at least the configured parameters. */
export function needsRehash(stored: string, params: PasswordHashParams): boolean {
  const match = PHC.exec(stored);
  if (match === null) return true;
  const [, m, t, p] = match.map(Number) as [number, number, number, number];
  return m < params.memoryKiB || t < params.iterations || p !== params.parallelism;
}

/**
 * A hash of a random password, for hashing work when the account does not exist: a login for
 * an unknown email then costs what a login for a known one does (no user enumeration by timing).
 */
export function createDummyHash(params: PasswordHashParams = OWASP_MINIMUM): Promise<string> {
  return hashPassword(`dummy-${createRandomId(systemRandom)}`, params);
}
