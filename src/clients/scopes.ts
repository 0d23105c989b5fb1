/**
 * Scopes (RFC 6749 section 3.3) and the roles that open them. The server is configured with the
 * scopes every signed-in user may have (`userScopes`) and, per role, the scopes its holders may
 * have (`roleScopes`); users hold roles (a RoleStore). A token request's scopes are granted when
 * the client may ask for them and the user may have them:
 *
 *   granted = (requested, else the client's scopes) ∩ client's scopes ∩ (userScopes ∪ role scopes)
 *
 * A requested scope the client may not ask for, or that no configuration knows, is invalid_scope;
 * one the user's roles do not open is left out, and the response's `scope` says what was granted
 * (section 3.3: the server may grant less). A refresh may ask for less than the original grant,
 * never more (section 6), and loses what the user's roles no longer open.
 */
import { AuthError } from '../core/index.js';
import { type ClientRecord, OIDC_SCOPES, SCOPE_TOKEN } from './registry.js';

/** Roles per user. */
export interface RoleStore {
  /** The user's roles, sorted. */
  listUserRoles(userId: string): Promise<string[]>;
  /** Gives a user a role; false when the user already had it. */
  addUserRole(userId: string, role: string, nowMs: number): Promise<boolean>;
  /** Takes a role away; false when the user did not have it. */
  removeUserRole(userId: string, role: string): Promise<boolean>;
}

/** Which scopes users may be granted (server configuration, validated in server/config.ts). */
export interface ScopePolicy {
  /** Scopes every signed-in user may be granted. */
  readonly userScopes: readonly string[];
  /** Per role, the scopes its holders may be granted besides `userScopes`. */
  readonly roleScopes: Readonly<Record<string, readonly string[]>>;
}

/** A role name: 1 to 64 of letters, digits, `_ . : -`. */
export const ROLE_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;

const invalidScope = (message: string) => new AuthError('ERR_SCOPE_INVALID', message);

const configuredScopes = (policy: ScopePolicy): string[] => [
  ...new Set([...policy.userScopes, ...Object.values(policy.roleScopes).flat()]),
];

/**
 * Every scope the server knows, sorted (`scopes_supported`): the configured ones and the OpenID
 * Connect ones.
 *
 * @example supportedScopes({ userScopes: ['profile'], roleScopes: { admin: ['admin'] } }); // ['admin', 'email', 'openid', 'profile']
 */
export function supportedScopes(policy: ScopePolicy): string[] {
  return [...new Set([...configuredScopes(policy), ...OIDC_SCOPES])].sort();
}

/**
 * The scope parameter of a request as a list; null when absent or empty (RFC 6749 3.3).
 *
 * @throws AuthError ERR_SCOPE_INVALID when it is not space-separated scope tokens
 */
export function parseScopeParameter(value: unknown): string[] | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string' || value.length > 2000)
    throw invalidScope('scope must be a string of space-separated scope tokens.');
  const tokens = value.split(' ');
  if (!tokens.every((token) => SCOPE_TOKEN.test(token)))
    throw invalidScope('scope must be scope tokens separated by single spaces.');
  return [...new Set(tokens)];
}

/** What decides one grant of scopes. */
export interface ScopeRequest {
  /** The request's scopes (parseScopeParameter); null: none asked for. */
  readonly requested: readonly string[] | null;
  readonly client: ClientRecord;
  readonly policy: ScopePolicy;
  /** The user's roles now. */
  readonly roles: readonly string[];
  /** On a refresh: the scopes of the original grant, which bound any new request. */
  readonly ceiling?: readonly string[];
}

/**
 * The scopes to grant, in the order asked (else the client's order).
 *
 * @throws AuthError ERR_SCOPE_INVALID when a requested scope is not configured on the server,
 *   not allowed for the client, or (on a refresh) not in the original grant; the message says
 *   which
 * @example
 * decideScopes({ requested: ['read'], client, policy, roles: ['editor'] }); // ['read']
 */
export function decideScopes(request: ScopeRequest): string[] {
  const { requested, client, policy, roles, ceiling } = request;
  const supported = supportedScopes(policy);
  const clientScopes = (client.scopes ?? supported).filter((s) => supported.includes(s));
  if (requested !== null) {
    for (const scope of requested) {
      // Which of the two: the metadata's scopes_supported already tells anyone the first.
      if (!supported.includes(scope))
        throw invalidScope(
          `The scope "${scope}" is not configured on this server (see scopes_supported in its metadata).`,
        );
      if (!clientScopes.includes(scope))
        throw invalidScope(`The scope "${scope}" is not allowed for this client.`);
      if (ceiling !== undefined && !ceiling.includes(scope))
        throw invalidScope(`The scope "${scope}" was not granted at sign-in (RFC 6749 section 6).`);
    }
  }
  const permitted = new Set([...policy.userScopes, ...OIDC_SCOPES]);
  // Object.hasOwn: a role named after an Object.prototype member (constructor, toString) is a
  // role like any other, not a way into the prototype (a 500).
  for (const role of roles)
    if (Object.hasOwn(policy.roleScopes, role))
      for (const scope of policy.roleScopes[role] ?? []) permitted.add(scope);
  // Asked for nothing: the client's scopes, but OpenID Connect scopes only when asked for.
  const base = requested ?? ceiling ?? clientScopes.filter((scope) => !OIDC_SCOPES.includes(scope));
  return base.filter(
    (scope) =>
      clientScopes.includes(scope) &&
      permitted.has(scope) &&
      (ceiling === undefined || ceiling.includes(scope)),
  );
}
