/**
 * Opaque credentials shaped `<id>.<secret>` (../shared/DESIGN-NOTES.md): the id finds the row and
 * is safe to show (a sessions list), the secret is checked against its stored hash. Browser-safe.
 */
import { encodeBase64Url } from './encoding.js';
import type { RandomSource } from './random.js';

/** 128-bit ids, 256-bit secrets. */
export const ID_BYTES = 16;
export const SECRET_BYTES = 32;

export interface OpaqueToken {
  readonly id: string;
  readonly secret: string;
  readonly token: string;
}

/** A fresh `<id>.<secret>` token from the given randomness. */
export function createOpaqueToken(random: RandomSource): OpaqueToken {
  const id = encodeBase64Url(random.bytes(ID_BYTES));
  const secret = encodeBase64Url(random.bytes(SECRET_BYTES));
  return { id, secret, token: `${id}.${secret}` };
}

/** A fresh random id (128 bits, base64url). */
export function createRandomId(random: RandomSource): string {
  return encodeBase64Url(random.bytes(ID_BYTES));
}

const ID_LENGTH = Math.ceil((ID_BYTES * 4) / 3);
const SECRET_LENGTH = Math.ceil((SECRET_BYTES * 4) / 3);
const SHAPE = new RegExp(`^([A-Za-z0-9_-]{${ID_LENGTH}})\\.([A-Za-z0-9_-]{${SECRET_LENGTH}})$`);

/** Splits a presented token; null when it does not have exactly the shape we issue. */
export function parseOpaqueToken(value: unknown): { id: string; secret: string } | null {
  if (typeof value !== 'string') return null;
  const match = SHAPE.exec(value);
  return match === null ? null : { id: match[1] as string, secret: match[2] as string };
}
