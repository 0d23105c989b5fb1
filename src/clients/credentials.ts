/**
 * Which client is asking at the token endpoint, and whether it proved it (RFC 6749 sections 2.3
 * and 3.2.1). A public client names itself with `client_id` in the body, or with HTTP Basic
 * carrying its id and an empty secret (section 2.3.1: id and secret are form-encoded, then joined
 * by ':' and base64-encoded; oauth4webapi and simple-oauth2 send this). A confidential client
 * sends its secret in Basic (client_secret_basic) or in the body (client_secret_post). The same
 * rules hold for every grant. The Authorization header may instead carry Bearer: on a refresh,
 * the old access token, which the refresh flow reads; for the client it is as if none were sent.
 */
import { Buffer } from 'node:buffer';
import { parseAuthorization } from '../access/index.js';
import { AuthError } from '../core/index.js';
import { secretMatches } from '../sessions/index.js';
import {
  type ClientRecord,
  type ClientStore,
  DEFAULT_CLIENT_ID,
  findClient,
  type GrantType,
} from './registry.js';

/** What the request says about its client. */
export interface ClientPresentation {
  /** The Authorization header, if any. */
  readonly authorization: string | undefined;
  /** `client_id` from the body, if sent. */
  readonly clientId: unknown;
  /** `client_secret` from the body, if sent (client_secret_post). */
  readonly clientSecret: unknown;
}

// RFC 6749 Appendix A.1: client-id = *VSCHAR; the body's client_id is bounded the same way.
const CLIENT_ID = /^[\x20-\x7E]{1,128}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

const refused = (reason: string) =>
  new AuthError('ERR_CLIENT_INVALID', `client authentication failed: ${reason}`, { reason });

/** RFC 6749 Appendix B: application/x-www-form-urlencoded decoding of one value; null if malformed. */
function formDecode(text: string): string | null {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

/** Parameters sent without a value count as omitted (RFC 6749 section 3.2). */
const given = (value: unknown) => value !== undefined && value !== null && value !== '';

/**
 * The id and secret of an HTTP Basic client credential (RFC 6749 section 2.3.1: each
 * form-encoded, joined by ':', base64), or null when it is not well-formed. Used by every
 * endpoint that authenticates clients (token, introspection).
 *
 * @example
 * readBasicCredentials('bXktYXBwOnNlY3JldA==') // { id: 'my-app', secret: 'secret' }
 */
export function readBasicCredentials(token68: string): { id: string; secret: string } | null {
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

/** How a client authenticated (RFC 6749 section 2.3.1; OpenID Connect Core section 9). */
export type ClientAuthMethod = 'none' | 'client_secret_basic' | 'client_secret_post';

/** What a token request presents for its client, before the registry is asked. */
export interface PresentedClient {
  readonly id: string;
  /** Null: no secret (a public client, or one that claims to be). */
  readonly secret: string | null;
  readonly method: ClientAuthMethod;
}

/**
 * Reads the client credentials of a token request: `client_id` alone (none), HTTP Basic with an
 * empty secret (none, as OAuth libraries send for public clients), HTTP Basic with a secret
 * (client_secret_basic), or `client_id` and `client_secret` in the body (client_secret_post).
 * One method per request (RFC 6749 2.3). The registry is `authenticateClient`'s.
 *
 * @throws AuthError ERR_CLIENT_INVALID (401 invalid_client with a Basic challenge) for malformed
 *   Basic, a secret in both Basic and the body, a body secret without a body client_id, a body
 *   client_id other than the Basic one, a client_id that is not 1 to 128 visible ASCII
 *   characters, or a scheme other than Basic and Bearer. The message and details never carry the
 *   credential.
 * @example
 * readClientCredentials({ authorization: 'Basic bXktYXBwOg==', clientId: undefined, clientSecret: undefined });
 * // { id: 'my-app', secret: null, method: 'none' }
 */
export function readClientCredentials(request: ClientPresentation): PresentedClient {
  const bodySecret = given(request.clientSecret) ? request.clientSecret : undefined;
  if (bodySecret !== undefined && (typeof bodySecret !== 'string' || bodySecret.length > 512))
    throw refused('client_secret is not a string of at most 512 characters');
  const bodyId = given(request.clientId) ? request.clientId : undefined;
  if (bodyId !== undefined && (typeof bodyId !== 'string' || !CLIENT_ID.test(bodyId)))
    throw refused('client_id is not 1 to 128 visible ASCII characters');

  const credentials = parseAuthorization(request.authorization);
  let basic: { id: string; secret: string } | undefined;
  if (credentials.kind === 'malformed') {
    // A malformed Bearer is the refresh flow's to refuse (invalid_grant), as before; anything
    // else malformed may be a client credential we cannot read.
    if (!/^\s*bearer(\s|$)/i.test(request.authorization ?? ''))
      throw refused('malformed Authorization header');
  } else if (credentials.kind === 'credentials') {
    if (credentials.scheme === 'basic') {
      const read = readBasicCredentials(credentials.value);
      if (read === null) throw refused('malformed Basic credentials');
      if (!CLIENT_ID.test(read.id))
        throw refused('the Basic client id is not 1 to 128 visible ASCII characters');
      basic = read;
    } else if (credentials.scheme !== 'bearer') {
      throw refused('unsupported Authorization scheme');
    }
  }
  if (basic !== undefined) {
    // RFC 6749 2.3: one client per request, one method; the body may repeat the Basic id.
    if (bodySecret !== undefined) throw refused('a secret in both Basic and the body');
    if (bodyId !== undefined && bodyId !== basic.id)
      throw refused('client_id differs from the Basic client id');
    return basic.secret === ''
      ? { id: basic.id, secret: null, method: 'none' }
      : { id: basic.id, secret: basic.secret, method: 'client_secret_basic' };
  }
  if (bodySecret !== undefined) {
    if (bodyId === undefined) throw refused('client_secret without client_id');
    return { id: bodyId as string, secret: bodySecret as string, method: 'client_secret_post' };
  }
  return { id: (bodyId as string | undefined) ?? DEFAULT_CLIENT_ID, secret: null, method: 'none' };
}

/**
 * Authenticates a token request's client against the registry: a confidential client must
 * present its secret (Basic or post), a public client must present none. An unknown id is
 * refused like a wrong secret.
 *
 * @throws AuthError ERR_CLIENT_INVALID (unknown client, wrong or missing secret, a secret from a
 *   public client), ERR_STORE_UNAVAILABLE
 * @example
 * const client = await authenticateClient(readClientCredentials(presentation), store);
 */
export async function authenticateClient(
  presented: PresentedClient,
  store: ClientStore,
): Promise<ClientRecord> {
  const client = await findClient(store, presented.id);
  if (client === null) throw refused('unknown client');
  if (client.type === 'public') {
    if (presented.secret !== null) throw refused('a public client sent a secret');
    return client;
  }
  if (presented.secret === null) throw refused('a confidential client sent no secret');
  if (client.secretHash === null || !secretMatches(presented.secret, client.secretHash))
    throw refused('wrong client secret');
  return client;
}

/**
 * Refuses a grant the client is not registered for (RFC 6749 section 5.2, unauthorized_client).
 *
 * @throws AuthError ERR_CLIENT_UNAUTHORIZED
 */
export function checkGrantAllowed(client: ClientRecord, grant: GrantType): void {
  if (!client.grantTypes.includes(grant))
    throw new AuthError('ERR_CLIENT_UNAUTHORIZED', `This client may not use the ${grant} grant.`, {
      grant,
    });
}
