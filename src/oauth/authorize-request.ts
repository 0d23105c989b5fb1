/**
 * The authorization request (RFC 6749 section 4.1.1, OAuth 2.1 section 4.1.1, OpenID Connect
 * Core section 3.1.2.1) checked in the order RFC 6749 section 4.1.2.1 demands: until the client
 * and its redirect URI are known good, an error is shown to the user and never redirected (no
 * open redirect, whatever the parameters); after, it goes back to the client's redirect URI with
 * `state` and `iss` (RFC 9207). Pure: the caller looks the client up.
 */
import { type ClientRecord, parseScopeParameter } from '../clients/index.js';
import { AuthError } from '../core/index.js';
import { isS256Challenge } from './pkce.js';

/** What `prompt` may ask (OpenID Connect Core section 3.1.2.1); `consent` and `select_account` are accepted and need nothing more here. */
export type PromptValue = 'none' | 'login' | 'consent' | 'select_account';
const PROMPTS: ReadonlySet<string> = new Set(['none', 'login', 'consent', 'select_account']);

/** A valid authorization request. */
export interface AuthorizationRequest {
  readonly client: ClientRecord;
  /** Where the answer goes: the registered URI, exactly as registered. */
  readonly redirectUri: string;
  /** Whether the request named `redirect_uri` (then the token request must name it too). */
  readonly redirectUriGiven: boolean;
  readonly state: string | null;
  readonly codeChallenge: string;
  /** The scopes asked for; null: the client's default. */
  readonly scopes: readonly string[] | null;
  /** True when `openid` is asked for: an OpenID Connect request (an ID token follows). */
  readonly openid: boolean;
  readonly nonce: string | null;
  readonly prompt: ReadonlySet<PromptValue>;
  /** Maximum age of the sign-in, in seconds (`max_age`); null: any. */
  readonly maxAgeSeconds: number | null;
  /** A hint of who signs in (`login_hint`), to prefill the form. */
  readonly loginHint: string | null;
}

/** An error shown on Gatehouse's page: the redirect URI cannot be trusted (or is unknown). */
export interface ShownError {
  readonly kind: 'show';
  readonly error: string;
  readonly description: string;
}

/** An error sent back to the client's redirect URI. */
export interface RedirectedError {
  readonly kind: 'redirect';
  readonly redirectUri: string;
  readonly error: string;
  readonly description: string;
  readonly state: string | null;
}

export type AuthorizationRequestCheck =
  | { readonly kind: 'valid'; readonly request: AuthorizationRequest }
  | ShownError
  | RedirectedError;

/** Parameters as read from a query or a form: a repeated one is an array (anything else is refused). */
export type RequestParameters = Readonly<Record<string, unknown>>;

const LIMITS = { state: 2048, nonce: 512, loginHint: 320 } as const;

/**
 * Checks an authorization request.
 *
 * @example
 * const check = await checkAuthorizationRequest(request.query, (id) => findClient(store, id));
 * if (check.kind === 'show') return page(check.error);
 */
export async function checkAuthorizationRequest(
  params: RequestParameters,
  findClient: (id: string) => Promise<ClientRecord | null>,
): Promise<AuthorizationRequestCheck> {
  const show = (error: string, description: string): ShownError => ({
    kind: 'show',
    error,
    description,
  });
  // RFC 6749 section 3.1: no parameter may appear twice. Anything but text (a JSON body's array
  // or object) counts as malformed the same way.
  const single = (name: string): string | null | 'repeated' => {
    const raw = params[name];
    const value = Array.isArray(raw) && raw.length === 1 ? raw[0] : raw;
    if (value === undefined) return null;
    if (typeof value !== 'string') return 'repeated';
    return value === '' ? null : value;
  };

  const clientId = single('client_id');
  if (clientId === null) return show('invalid_request', 'The request names no client (client_id).');
  if (clientId === 'repeated') return show('invalid_request', 'client_id appears more than once.');
  const client = clientId.length > 200 ? null : await findClient(clientId);
  if (client === null || client.redirectUris.length === 0)
    return show('invalid_client', 'This client is unknown, or is not registered to sign users in.');

  const givenUri = single('redirect_uri');
  if (givenUri === 'repeated')
    return show('invalid_request', 'redirect_uri appears more than once.');
  // Exact string comparison, character for character (RFC 9700 section 4.1.3): no prefix, no
  // normalisation, no added path or query.
  if (givenUri !== null && !client.redirectUris.includes(givenUri))
    return show('invalid_request', 'The redirect_uri is not registered for this client.');
  if (givenUri === null && client.redirectUris.length !== 1)
    return show(
      'invalid_request',
      'The request names no redirect_uri, and the client has several registered.',
    );
  const redirectUri = givenUri ?? (client.redirectUris[0] as string);

  // From here on, errors go back to the client.
  const rawState = single('state');
  const state = rawState === 'repeated' ? null : rawState;
  const back = (error: string, description: string): RedirectedError => ({
    kind: 'redirect',
    redirectUri,
    error,
    description,
    state: state !== null && state.length <= LIMITS.state ? state : null,
  });
  if (rawState === 'repeated') return back('invalid_request', 'state appears more than once.');
  if (state !== null && state.length > LIMITS.state)
    return back('invalid_request', `state is longer than ${LIMITS.state} characters.`);

  const names = [
    'response_type',
    'response_mode',
    'scope',
    'code_challenge',
    'code_challenge_method',
    'nonce',
    'prompt',
    'max_age',
    'login_hint',
  ] as const;
  const values: Partial<Record<(typeof names)[number], string | null>> = {};
  for (const name of names) {
    const value = single(name);
    if (value === 'repeated') return back('invalid_request', `${name} appears more than once.`);
    values[name] = value;
  }
  if (params.request !== undefined)
    return back('request_not_supported', 'Request objects are not supported.');
  if (params.request_uri !== undefined)
    return back('request_uri_not_supported', 'request_uri is not supported.');

  const responseType = values.response_type ?? null;
  if (responseType === null) return back('invalid_request', 'response_type is required.');
  if (responseType !== 'code')
    return back('unsupported_response_type', 'Only response_type=code is supported.');
  const responseMode = values.response_mode ?? null;
  if (responseMode !== null && responseMode !== 'query')
    return back('invalid_request', 'Only response_mode=query is supported.');
  if (!client.grantTypes.includes('authorization_code'))
    return back('unauthorized_client', 'This client is not registered for the code flow.');

  const challenge = values.code_challenge ?? null;
  const method = values.code_challenge_method ?? null;
  if (challenge === null)
    return back('invalid_request', 'code_challenge is required (PKCE with S256, RFC 7636).');
  if (method !== 'S256')
    return back(
      'invalid_request',
      method === null
        ? 'code_challenge_method=S256 is required (the plain method is not supported).'
        : 'Only code_challenge_method=S256 is supported.',
    );
  if (!isS256Challenge(challenge))
    return back(
      'invalid_request',
      'code_challenge is not an S256 challenge (43 base64url characters).',
    );

  let scopes: string[] | null;
  try {
    scopes = parseScopeParameter(values.scope ?? undefined);
  } catch (error) {
    if (error instanceof AuthError) return back('invalid_scope', error.message);
    throw error;
  }
  const openid = scopes?.includes('openid') ?? false;
  if (openid && givenUri === null)
    return back('invalid_request', 'redirect_uri is required (OpenID Connect Core 3.1.2.1).');

  const nonce = values.nonce ?? null;
  if (nonce !== null && nonce.length > LIMITS.nonce)
    return back('invalid_request', `nonce is longer than ${LIMITS.nonce} characters.`);

  const prompt = new Set<PromptValue>();
  for (const value of (values.prompt ?? '').split(' ')) {
    if (value === '') continue;
    if (!PROMPTS.has(value)) return back('invalid_request', `prompt=${value} is not supported.`);
    prompt.add(value as PromptValue);
  }
  if (prompt.has('none') && prompt.size > 1)
    return back('invalid_request', 'prompt=none cannot be combined with another value.');

  const maxAge = values.max_age ?? null;
  if (maxAge !== null && !/^\d{1,9}$/.test(maxAge))
    return back('invalid_request', 'max_age must be a number of seconds.');

  const loginHint = values.login_hint ?? null;
  return {
    kind: 'valid',
    request: {
      client,
      redirectUri,
      redirectUriGiven: givenUri !== null,
      state,
      codeChallenge: challenge,
      scopes,
      openid,
      nonce,
      prompt,
      maxAgeSeconds: maxAge === null ? null : Number(maxAge),
      loginHint: loginHint !== null && loginHint.length <= LIMITS.loginHint ? loginHint : null,
    },
  };
}

/**
 * The client's redirect URI with the answer's parameters added to its query (RFC 6749 section
 * 4.1.2: the URI's own query is kept), and `iss` (RFC 9207).
 *
 * @example redirectWith('https://app.example/cb', { code: 'c', state: 's' }, 'https://auth.example');
 */
export function redirectWith(
  redirectUri: string,
  params: Readonly<Record<string, string | null>>,
  issuer: string,
): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params))
    if (value !== null) url.searchParams.append(name, value);
  url.searchParams.append('iss', issuer);
  return url.href;
}

/**
 * What to do with a valid request, given the browser's session: issue a code at once, ask the
 * user to sign in, or (prompt=none) answer `login_required`.
 *
 * @example decideSignIn(request, { authTimeMs: session.createdAtMs }, clock.nowMs()); // 'issue'
 */
export function decideSignIn(
  request: Pick<AuthorizationRequest, 'prompt' | 'maxAgeSeconds'>,
  session: { readonly authTimeMs: number } | null,
  nowMs: number,
): 'issue' | 'sign-in' | 'login-required' {
  const fresh =
    session !== null &&
    !request.prompt.has('login') &&
    (request.maxAgeSeconds === null || nowMs - session.authTimeMs <= request.maxAgeSeconds * 1000);
  if (fresh) return 'issue';
  return request.prompt.has('none') ? 'login-required' : 'sign-in';
}
