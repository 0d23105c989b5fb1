/**
 * Which client is asking at the token endpoint (RFC 6749 sections 2.3 and 3.2.1). Only public
 * clients exist: a client names itself with `client_id` in the body, or authenticates with HTTP
 * Basic carrying its id and an empty secret (section 2.3.1: id and secret are form-encoded, then
 * joined by ':' and base64-encoded; oauth4webapi and simple-oauth2 send this). The same rules
 * hold for every grant. The Authorization header may instead carry Bearer: on a refresh, the old
 * access token, which the refresh flow reads; for the client it is as if no header were sent.
 */
import { Buffer } from 'node:buffer';
import { parseAuthorization } from '../access/index.js';
import { AuthError } from '../core/index.js';

/** The client of a request that names none. */
export const DEFAULT_CLIENT_ID = 'gatehouse';

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

/**
 * The client id of a token request.
 *
 * @throws AuthError ERR_CLIENT_INVALID (401 invalid_client with a Basic challenge) for malformed
 *   Basic, a non-empty secret (in Basic or in the body), a body client_id other than the Basic
 *   one, a client_id that is not 1 to 128 visible ASCII characters, or a scheme other than Basic
 *   and Bearer. The message and details never carry the credential.
 * @example
 * const clientId = identifyClient({ authorization: 'Basic bXktYXBwOg==', clientId: undefined, clientSecret: undefined });
 * // 'my-app'
 */
export function identifyClient(request: ClientPresentation): string {
  if (given(request.clientSecret)) throw refused('a client secret was sent (public clients only)');
  const bodyId = given(request.clientId) ? request.clientId : undefined;
  if (bodyId !== undefined && (typeof bodyId !== 'string' || !CLIENT_ID.test(bodyId)))
    throw refused('client_id is not 1 to 128 visible ASCII characters');

  const credentials = parseAuthorization(request.authorization);
  let basicId: string | undefined;
  if (credentials.kind === 'malformed') {
    // A malformed Bearer is the refresh flow's to refuse (invalid_grant), as before; anything
    // else malformed may be a client credential we cannot read.
    if (!/^\s*bearer(\s|$)/i.test(request.authorization ?? ''))
      throw refused('malformed Authorization header');
  } else if (credentials.kind === 'credentials') {
    if (credentials.scheme === 'basic') {
      const basic = readBasic(credentials.value);
      if (basic === null) throw refused('malformed Basic credentials');
      if (!CLIENT_ID.test(basic.id))
        throw refused('the Basic client id is not 1 to 128 visible ASCII characters');
      if (basic.secret !== '') throw refused('a client secret was sent (public clients only)');
      basicId = basic.id;
    } else if (credentials.scheme !== 'bearer') {
      throw refused('unsupported Authorization scheme');
    }
  }
  // RFC 6749 2.3: one client per request; the body may repeat the Basic id, not name another.
  if (basicId !== undefined && bodyId !== undefined && bodyId !== basicId)
    throw refused('client_id differs from the Basic client id');
  return basicId ?? (bodyId as string | undefined) ?? DEFAULT_CLIENT_ID;
}
