/** The AuthError code a function throws, or null when it returns (test support only). */
import { AuthError } from '../../src/core/errors.js';

export function codeOf(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (error) {
    if (error instanceof AuthError) return error.code;
    throw error;
  }
}
