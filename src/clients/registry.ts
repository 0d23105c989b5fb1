/**
 * The OAuth client registry (RFC 6749 section 2): what a client is, the store that holds the
 * registered ones, the built-in public clients that exist without a row, and the rules a new
 * registration must satisfy. Secrets are 256-bit random strings, stored as a SHA-256 hash and
 * compared in constant time (sessions/secret-hash.ts): for a secret that cannot be guessed, a
 * slow hash adds nothing, as for refresh tokens. Knows nothing of HTTP or a database.
 */
import { AuthError, encodeBase64Url, type RandomSource, SECRET_BYTES } from '../core/index.js';
import { hashSecret } from '../sessions/index.js';
import { checkRedirectUri } from './redirect-uris.js';

/** RFC 6749 section 2.1. */
export type ClientType = 'public' | 'confidential';

/**
 * Grants a client may be allowed. `authorization_code` may be registered now; the token endpoint
 * serves it once the code flow exists (issue 12 item 2).
 */
export const GRANT_TYPES = Object.freeze([
  'authorization_code',
  'refresh_token',
  'password',
] as const);
export type GrantType = (typeof GRANT_TYPES)[number];

/** A client, registered (a row) or built in. */
export interface ClientRecord {
  readonly id: string;
  readonly name: string;
  readonly type: ClientType;
  /** SHA-256 (base64url) of the secret; null for public clients. */
  readonly secretHash: string | null;
  /** Exact redirect URIs (compared character for character by the code flow). */
  readonly redirectUris: readonly string[];
  /** Exact URIs RP-initiated logout may return to (OpenID Connect RP-Initiated Logout). */
  readonly postLogoutRedirectUris: readonly string[];
  readonly grantTypes: readonly GrantType[];
  /**
   * Scopes the client may ask for; also its default when a request names none. `null`: every
   * scope the server knows (the built-in clients).
   */
  readonly scopes: readonly string[] | null;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
  /** True for the clients that exist without a row. */
  readonly builtIn?: boolean;
}

/** Where registered clients live. Built-in clients are never stored. */
export interface ClientStore {
  /** Inserts a client; false when the id is taken. */
  createClient(client: ClientRecord): Promise<boolean>;
  findClient(id: string): Promise<ClientRecord | null>;
  /** Every registered client, oldest first. */
  listClients(): Promise<ClientRecord[]>;
  /** Replaces the secret hash of a confidential client; false when there is no such client. */
  updateClientSecret(id: string, secretHash: string, nowMs: number): Promise<boolean>;
  /** Deletes a client; false when there was none. */
  deleteClient(id: string): Promise<boolean>;
}

/** The client of a request that names none: Gatehouse's own pages. */
export const DEFAULT_CLIENT_ID = 'gatehouse';
/** The client id the client SDK (@gatehouse/client) sends by default. */
export const SDK_CLIENT_ID = 'gatehouse-client';

const builtIn = (id: string, name: string): ClientRecord =>
  Object.freeze({
    id,
    name,
    type: 'public',
    secretHash: null,
    redirectUris: Object.freeze([]),
    postLogoutRedirectUris: Object.freeze([]),
    grantTypes: Object.freeze(['password', 'refresh_token'] as GrantType[]),
    scopes: null,
    createdAtMs: 0,
    updatedAtMs: 0,
    builtIn: true,
  });

/** The first-party public clients: they exist without a row, and no row can take their ids. */
export const BUILT_IN_CLIENTS: ReadonlyMap<string, ClientRecord> = new Map([
  [DEFAULT_CLIENT_ID, builtIn(DEFAULT_CLIENT_ID, 'Gatehouse pages')],
  [SDK_CLIENT_ID, builtIn(SDK_CLIENT_ID, 'Gatehouse client SDK')],
]);

/**
 * Finds a client: built in, else registered.
 *
 * @example const client = await findClient(store, 'gatehouse'); // the built-in record
 */
export async function findClient(store: ClientStore, id: string): Promise<ClientRecord | null> {
  return BUILT_IN_CLIENTS.get(id) ?? (await store.findClient(id));
}

/** What `gatehouse clients add` (or code) asks to register. */
export interface NewClientOptions {
  readonly name: string;
  readonly type: ClientType;
  readonly redirectUris?: readonly string[];
  readonly postLogoutRedirectUris?: readonly string[];
  /** Default: authorization_code and refresh_token (the password grant only when named). */
  readonly grantTypes?: readonly string[];
  /** Default: `openid email` for a client of the code flow, else none. */
  readonly scopes?: readonly string[];
}

/**
 * The OpenID Connect scopes (Core section 5.4): known without configuration, open to every user,
 * and never granted unless asked for. `openid` makes a request an OpenID Connect one (an ID
 * token); `email` opens the `email` and `email_verified` claims at UserInfo.
 */
export const OIDC_SCOPES: readonly string[] = Object.freeze(['openid', 'email']);

/** RFC 6749 Appendix A.4: scope-token = 1*NQCHAR. */
export const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]{1,64}$/;

/** A new client secret: 256 bits, base64url. */
export const createClientSecret = (random: RandomSource): string =>
  encodeBase64Url(random.bytes(SECRET_BYTES));

/**
 * Validates a registration and builds the record, with a fresh id and (confidential) secret. The
 * secret is returned once; only its hash is in the record.
 *
 * @throws AuthError ERR_CONFIG_INVALID listing every problem
 * @example
 * const { client, secret } = planClient({ name: 'Shop', type: 'confidential',
 *   redirectUris: ['https://shop.example/cb'] }, random, clock.nowMs());
 */
export function planClient(
  options: NewClientOptions,
  random: RandomSource,
  nowMs: number,
  knownScopes?: readonly string[],
): { client: ClientRecord; secret: string | null } {
  const problems: string[] = [];
  const name = options.name.trim();
  if (name === '' || name.length > 200 || /\p{Cc}/u.test(name))
    problems.push('name must be 1 to 200 characters, no control characters');
  if (options.type !== 'public' && options.type !== 'confidential')
    problems.push('type must be public or confidential');
  const uris = (list: readonly string[] | undefined, what: string) => {
    const out: string[] = [];
    for (const uri of list ?? []) {
      const problem = checkRedirectUri(uri);
      if (problem !== null) problems.push(`${what} "${uri}": ${problem}`);
      else if (!out.includes(uri)) out.push(uri);
    }
    return out;
  };
  const redirectUris = uris(options.redirectUris, 'redirect URI');
  const postLogoutRedirectUris = uris(options.postLogoutRedirectUris, 'post-logout redirect URI');
  const grantTypes: GrantType[] = [];
  for (const grant of options.grantTypes ?? ['authorization_code', 'refresh_token']) {
    if (!(GRANT_TYPES as readonly string[]).includes(grant))
      problems.push(`grant "${grant}" is not one of ${GRANT_TYPES.join(', ')}`);
    else if (!grantTypes.includes(grant as GrantType)) grantTypes.push(grant as GrantType);
  }
  if (grantTypes.includes('authorization_code') && redirectUris.length === 0)
    problems.push('the authorization_code grant needs at least one redirect URI');
  const scopes: string[] = [];
  // A client of the code flow may ask for the OpenID Connect scopes unless told otherwise.
  const defaultScopes = grantTypes.includes('authorization_code') ? OIDC_SCOPES : [];
  for (const scope of options.scopes ?? defaultScopes) {
    if (!SCOPE_TOKEN.test(scope)) problems.push(`scope "${scope}" is not a scope token`);
    else if (knownScopes !== undefined && !knownScopes.includes(scope))
      problems.push(
        `scope "${scope}" is not configured (GATEHOUSE_USER_SCOPES, GATEHOUSE_ROLE_SCOPES)`,
      );
    else if (!scopes.includes(scope)) scopes.push(scope);
  }
  if (problems.length > 0)
    throw new AuthError('ERR_CONFIG_INVALID', `invalid client:\n  - ${problems.join('\n  - ')}`, {
      problems,
    });
  const secret = options.type === 'confidential' ? createClientSecret(random) : null;
  const client: ClientRecord = {
    // Hex, not base64url: an id that began with '-' would read as an option on a command line.
    id: Array.from(random.bytes(16), (b) => b.toString(16).padStart(2, '0')).join(''),
    name,
    type: options.type,
    secretHash: secret === null ? null : hashSecret(secret),
    redirectUris,
    postLogoutRedirectUris,
    grantTypes,
    scopes,
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
  };
  return { client, secret };
}
