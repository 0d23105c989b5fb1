/**
 * Who may call the introspection endpoint (RFC 7662 section 2.1: the caller authenticates).
 * Today one caller: client id `resource-server` with GATEHOUSE_INTROSPECTION_SECRET, sent as
 * client_secret_basic (RFC 6749 section 2.3.1: id and secret form-encoded, joined by ':', then
 * base64) or client_secret_post (`client_id` and `client_secret` in the body), never both. Issue
 * 12 adds registered confidential clients: this is the one function to extend.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { parseAuthorization } from '../access/index.js';
import { readBasicCredentials } from '../clients/index.js';
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

// One answer for every failure: which part was wrong is not the caller's to learn.
const refused = () =>
  new AuthError('ERR_INTROSPECTION_CLIENT_INVALID', 'introspection caller not authenticated');

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
      const basic = readBasicCredentials(credentials.value);
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
