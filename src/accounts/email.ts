/**
 * The one rule for email addresses, applied on sign-up and on every login: normalise (trim
 * white space, NFKC, lower-case), then refuse what would let two addresses look alike or carry
 * hidden text. The normalised form is the one stored and looked up.
 */
import { createHash } from 'node:crypto';
import { AuthError } from '../core/index.js';

/** RFC 5321 section 4.5.3.1.3: a path is at most 256 octets, of which 2 are the angle brackets. */
export const EMAIL_MAX_CHARACTERS = 254;
/** RFC 5321 section 4.5.3.1.1. */
export const EMAIL_LOCAL_MAX_CHARACTERS = 64;

const EDGE_SPACE = /^\p{White_Space}+|\p{White_Space}+$/gu;
const SPACE = /\p{White_Space}/u;
/**
 * Control (Cc), format (Cf) and lone-surrogate (Cs) characters. Format covers the zero-width
 * characters (U+200B-U+200D, U+2060, U+FEFF) and the bidi controls (U+202A-U+202E,
 * U+2066-U+2069): invisible text that makes one address display as another.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}]/u;

/**
 * The normal form: surrounding white space trimmed, NFKC (fullwidth `ａｄａ` becomes `ada`),
 * lower-cased. Says nothing about validity: see `checkEmail`.
 *
 * @example
 * normaliseEmail(' ADA@Example.COM ') // 'ada@example.com'
 */
export function normaliseEmail(input: string): string {
  // \p{White_Space}, not String.prototype.trim: trim would also drop U+FEFF, which is refused.
  return input.replace(EDGE_SPACE, '').normalize('NFKC').toLowerCase();
}

/** Why a normalised address is refused (completing "The email …"), or null when it is not. */
function refusalOf(email: string): string | null {
  if ([...email].length > EMAIL_MAX_CHARACTERS)
    return `is longer than ${EMAIL_MAX_CHARACTERS} characters`;
  if (INVISIBLE.test(email)) return 'contains an invisible, control or format character';
  if (SPACE.test(email)) return 'contains white space';
  const at = email.indexOf('@');
  const local = email.slice(0, at);
  if (at === -1 || email.includes('@', at + 1) || local === '')
    return 'must have exactly one @ with text before it';
  if ([...local].length > EMAIL_LOCAL_MAX_CHARACTERS)
    return `has more than ${EMAIL_LOCAL_MAX_CHARACTERS} characters before the @`;
  // An empty label: a leading, doubled or trailing dot, or no domain at all.
  if (
    email
      .slice(at + 1)
      .split('.')
      .includes('')
  )
    return 'has an empty label in its domain';
  return null;
}

/** The outcome of checking an address: its normal form, or why it is refused. */
export type EmailCheck =
  | { readonly ok: true; readonly email: string }
  | { readonly ok: false; readonly reason: string };

/**
 * Normalises and checks an address.
 *
 * @example
 * checkEmail('ada\u200b@example.com') // { ok: false, reason: 'contains an invisible, …' }
 */
export function checkEmail(input: string): EmailCheck {
  const email = normaliseEmail(input);
  const reason = refusalOf(email);
  return reason === null ? { ok: true, email } : { ok: false, reason };
}

/**
 * The normal form of an address a new account may have.
 *
 * @throws AuthError ERR_REQUEST_INVALID naming the email and the reason, never the value
 * @example
 * const email = parseEmail(request.body.email);
 */
export function parseEmail(input: string): string {
  const checked = checkEmail(input);
  if (!checked.ok)
    throw new AuthError('ERR_REQUEST_INVALID', `The email is not valid: it ${checked.reason}.`, {
      reason: 'email_refused',
    });
  return checked.email;
}

/**
 * The address a login looks up. A refused address becomes a stand-in that no account can have
 * (it has no @) and that any store accepts (no NUL, bounded length), one per input: the login
 * then does the same work and gives the same answer as for an unknown address.
 *
 * @example
 * emailForLogin('ADA@example.com') // 'ada@example.com'
 * emailForLogin('ada\u0000@example.com') // 'refused:…'
 */
export function emailForLogin(input: string): string {
  const checked = checkEmail(input);
  if (checked.ok) return checked.email;
  return `refused:${createHash('sha256').update(normaliseEmail(input)).digest('base64url')}`;
}
