/**
 * Who may call the introspection endpoint (RFC 7662 section 2.1: the caller authenticates).
 * Today one caller: client id `resource-server` with GATEHOUSE_INTROSPECTION_SECRET, sent as
 * client_secret_basic (RFC 6749 section 2.3.1: id and secret form-encoded, joined by ':', then
 * base64) or client_secret_post (`client_id` and `client_secret` in the body), never both. Issue
 * 12 adds registered confidential clients: this is the one function to extend.
 */
import { Buffer } from 'node:buffer';
import { createHash, timingSafeEqual } from 'node:crypto';
import { parseAuthorization } from '../access/index.js';
import { AuthError } from '../core/index.js';

/** The client id resource servers introspect under. */
export const INTROSPECTION_CLIENT_ID = 'resource-server';

/** What an introspection request says about its caller. */
export interface IntrospectionCallerPresentation {
  /** The Authorization header, if any. */
  readonly authorization: string | undefined;
  /** `client_id` of the body, if sent. */
  readonly clientId: unknown;
  /** `client_secret` of the body, if sent. */
  readonly clientSecret: unknown;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

// One answer for every failure: which part was wrong is not the caller's to learn.
const refused = () =>
  new AuthError('ERR_INTROSPECTION_CLIENT_INVALID', 'introspection caller not authenticated');

/** RFC 6749 Appendix B decoding of one value; null when malformed. */
function formDecode(text: string): string | null {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

/** The id and secret of a Basic credential, or null when it is not well-formed. */
function readBasic(token68: string): { id: string; secret: string } | null {
  if (!BASE64.test(token68)) return null;
  let text: string;
  try {
    text = utf8.decode(Buffer.from(token68, 'base64'));
  } catch {
    return null;
  }
  const colon = text.indexOf(':');
  if (colon === -1) return null;
  const id = formDecode(text.slice(0, colon));
  const secret = formDecode(text.slice(colon + 1));
  return id === null || secret === null ? null : { id, secret };
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * Builds the caller check over the configured secret. The secret is compared in constant time:
 * both sides are hashed to SHA-256 first, so timingSafeEqual compares equal lengths and the time
 * taken says nothing of the secret's length or of the first differing byte.
 *
 * @example
 * const authenticateCaller = createIntrospectionCallerCheck(config.introspectionSecret);
 * const callerId = authenticateCaller({ authorization, clientId: body.client_id, clientSecret: body.client_secret });
 */
export function createIntrospectionCallerCheck(
  secret: string,
): (presentation: IntrospectionCallerPresentation) => string {
  const expected = digest(secret);
  /**
   * The caller's client id.
   *
   * @throws AuthError ERR_INTROSPECTION_CLIENT_INVALID (401 invalid_client, WWW-Authenticate:
   *   Basic) for no credentials, malformed Basic, two methods at once, another client id, or a
   *   wrong secret. Nothing of the credential is in the error.
   */
  return (presentation) => {
    const credentials = parseAuthorization(presentation.authorization);
    let id: unknown;
    let given: unknown;
    if (credentials.kind === 'malformed') throw refused();
    if (credentials.kind === 'credentials') {
      if (credentials.scheme !== 'basic') throw refused();
      // RFC 6749 section 2.3: one authentication method per request.
      if (presentation.clientSecret !== undefined) throw refused();
      const basic = readBasic(credentials.value);
      if (basic === null) throw refused();
      if (presentation.clientId !== undefined && presentation.clientId !== basic.id)
        throw refused();
      id = basic.id;
      given = basic.secret;
    } else {
      id = presentation.clientId;
      given = presentation.clientSecret;
    }
    if (typeof given !== 'string') throw refused();
    // Hash and compare even for an unknown id: the time does not tell which part was wrong.
    const secretMatches = timingSafeEqual(digest(given), expected);
    if (id !== INTROSPECTION_CLIENT_ID || !secretMatches) throw refused();
    return INTROSPECTION_CLIENT_ID;
  };
}
