/**
 * Reading a token without verifying it: for display (the CLI's `token decode`) and for clients
 * that schedule a refresh from `exp`. Nothing here proves anything about the token.
 */
import { AuthError, decodeBase64Url, type JsonObject, parseJsonObject } from '../core/index.js';

export interface UnverifiedJwt {
  readonly header: JsonObject;
  readonly payload: JsonObject;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function part(segment: string | undefined, name: string): JsonObject {
  const bytes = segment === undefined ? null : decodeBase64Url(segment);
  if (bytes === null)
    throw new AuthError('ERR_JWT_MALFORMED', `malformed token: ${name} is not canonical base64url`);
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw new AuthError('ERR_JWT_MALFORMED', `malformed token: ${name} is not UTF-8`);
  }
  const parsed = parseJsonObject(text);
  if (!parsed.ok)
    throw new AuthError('ERR_JWT_MALFORMED', `malformed token: ${name} ${parsed.reason}`);
  return parsed.value;
}

/**
 * Decodes header and payload WITHOUT checking the signature or any claim.
 *
 * @throws AuthError ERR_JWT_MALFORMED, ERR_JWT_TOO_LARGE
 * @example
 * const { payload } = decodeJwtUnverified(token); // display only: do not trust
 */
export function decodeJwtUnverified(token: string, maxTokenBytes = 8192): UnverifiedJwt {
  if (typeof token !== 'string')
    throw new AuthError('ERR_JWT_MALFORMED', 'malformed token: not a string');
  if (token.length > maxTokenBytes)
    throw new AuthError('ERR_JWT_TOO_LARGE', 'token exceeds the size limit');
  const segments = token.split('.');
  if (segments.length !== 3)
    throw new AuthError('ERR_JWT_MALFORMED', 'malformed token: not three segments');
  return { header: part(segments[0], 'header'), payload: part(segments[1], 'payload') };
}
