/**
 * The one reader of the Authorization header (RFC 9110 section 11.6.2): `scheme 1*SP token68`.
 * Bearer (RFC 6750), DPoP (RFC 9449) and Basic (RFC 7617) all carry a token68, so one grammar
 * serves the server, the token endpoint and the middleware.
 */

/** The result of reading an Authorization header. */
export type AuthorizationCredentials =
  | { readonly kind: 'none' }
  | { readonly kind: 'malformed' }
  | {
      readonly kind: 'credentials';
      /** Lower-cased: schemes are case-insensitive (RFC 9110 section 11.1). */
      readonly scheme: string;
      readonly value: string;
    };

const NONE: AuthorizationCredentials = Object.freeze({ kind: 'none' });
const MALFORMED: AuthorizationCredentials = Object.freeze({ kind: 'malformed' });

// RFC 9110: auth-scheme is a token; token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const CREDENTIALS = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) +([A-Za-z0-9._~+/-]+=*)$/;

/**
 * Reads an Authorization header value. Several values (a repeated header) are malformed: a
 * proxy might read another one than we do.
 *
 * @example
 * const c = parseAuthorization(request.headers.authorization);
 * if (c.kind === 'credentials' && c.scheme === 'bearer') verify(c.value);
 */
export function parseAuthorization(
  header: string | readonly string[] | undefined,
): AuthorizationCredentials {
  if (header === undefined) return NONE;
  if (typeof header !== 'string') return header.length === 0 ? NONE : MALFORMED;
  const trimmed = header.trim();
  if (trimmed === '') return NONE;
  const match = CREDENTIALS.exec(trimmed);
  if (match === null) return MALFORMED;
  return {
    kind: 'credentials',
    scheme: (match[1] as string).toLowerCase(),
    value: match[2] as string,
  };
}

/** The token of a `Bearer` header, or null for no header, another scheme, or a malformed one. */
export function bearerTokenOf(header: string | readonly string[] | undefined): string | null {
  const credentials = parseAuthorization(header);
  return credentials.kind === 'credentials' && credentials.scheme === 'bearer'
    ? credentials.value
    : null;
}
