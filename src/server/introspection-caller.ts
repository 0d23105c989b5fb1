/**
 * Who may call the introspection endpoint (RFC 7662 section 2.1: the caller authenticates):
 * client id `resource-server` with GATEHOUSE_INTROSPECTION_SECRET (any token), or a registered
 * confidential client with its own secret (its own tokens only: RFC 7662 section 4 lets the
 * server limit what each caller learns). Credentials as client_secret_basic (RFC 6749 section
 * 2.3.1: id and secret form-encoded, joined by ':', then base64) or client_secret_post
 * (`client_id` and `client_secret` in the body), never both.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { parseAuthorization } from '../access/index.js';
import { type ClientStore, findClient, readBasicCredentials } from '../clients/index.js';
import { AuthError } from '../core/index.js';
import { secretMatches as clientSecretMatches } from '../sessions/index.js';

/** A client id as the token endpoint accepts one: 1 to 128 visible ASCII characters. */
const CLIENT_ID = /^[\x20-\x7E]{1,128}$/;

/** The client id resource servers introspect under. */
export const INTROSPECTION_CLIENT_ID = 'resource-server';

/** Who asked: the resource-server caller (every token), or a registered confidential client (its own tokens). */
export type IntrospectionCaller =
  | { readonly kind: 'resource-server' }
  | { readonly kind: 'client'; readonly clientId: string };

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
 * Builds the caller check over the configured secret (null: no resource-server caller) and the
 * client registry. Secrets are compared in constant time: the configured one after hashing both
 * sides to SHA-256 (equal lengths: the time says nothing of its length or of the first differing
 * byte), a client's against its stored SHA-256.
 *
 * @example
 * const authenticateCaller = createIntrospectionCallerCheck(config.introspectionSecret, stores.clients);
 * const caller = await authenticateCaller({ authorization, clientId: body.client_id, clientSecret: body.client_secret });
 */
export function createIntrospectionCallerCheck(
  secret: string | null,
  clients: ClientStore,
): (presentation: IntrospectionCallerPresentation) => Promise<IntrospectionCaller> {
  const expected = digest(secret ?? '');
  /**
   * The caller's client id.
   *
   * @throws AuthError ERR_INTROSPECTION_CLIENT_INVALID (401 invalid_client, WWW-Authenticate:
   *   Basic) for no credentials, malformed Basic, two methods at once, another client id, or a
   *   wrong secret. Nothing of the credential is in the error.
   */
  return async (presentation) => {
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
    if (typeof given !== 'string' || typeof id !== 'string' || !CLIENT_ID.test(id)) throw refused();
    if (id === INTROSPECTION_CLIENT_ID) {
      // Hash and compare even when no secret is configured: the time does not tell.
      const secretMatches = timingSafeEqual(digest(given), expected);
      if (secret === null || !secretMatches) throw refused();
      return { kind: 'resource-server' };
    }
    const client = await findClient(clients, id);
    if (
      client === null ||
      client.type !== 'confidential' ||
      client.secretHash === null ||
      !clientSecretMatches(given, client.secretHash)
    )
      throw refused();
    return { kind: 'client', clientId: client.id };
  };
}
