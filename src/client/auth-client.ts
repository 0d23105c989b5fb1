/**
 * @gatehouse/client: keeps a user signed in against a Gatehouse server, in the browser or in Node
 * (fetch and WebCrypto only, no node:* imports, no dependency).
 *
 * - DPoP (RFC 9449): every token request and every API call to a token origin carries a proof
 *   signed by a non-extractable P-256 key (dpop.ts), kept in IndexedDB in the browser and in
 *   memory in Node. The server binds the tokens to that key, so a copy of them is worthless
 *   without it. `DPoP-Nonce` answers are remembered per origin; a `use_dpop_nonce` refusal is
 *   retried once with the new nonce, never more. A server that answers `token_type: "Bearer"`
 *   (DPoP off) gets Bearer requests, without proofs.
 * - Tokens go only to the auth server's origin and to the origins in `apiOrigins`; `fetch` to any
 *   other URL is sent as given, without Authorization and without a proof. A redirect to another
 *   origin loses Authorization too (the Fetch standard drops it on cross-origin redirects); the
 *   proof may follow, but it carries no token and is bound to the first URL and to the token.
 *   fetch answers are not followed by hand: a browser hides the Location of a manual redirect.
 * - Expiry is `expires_in` counted on the client's clock from the moment the tokens arrived, so a
 *   device clock hours off changes nothing. The refresh happens `refreshMarginSeconds` (60) before
 *   that, but never earlier than half-way through the token's life: a 30 s token is refreshed
 *   after 15 s, not on every call. A proof's `iat` is the client's clock corrected by the offset
 *   seen between the access token's `iat` and the moment it arrived.
 * - Single flight: any number of concurrent calls share one refresh. Across tabs of one origin
 *   (in a browser, where IndexedDB, the Web Locks API and BroadcastChannel exist), one tab
 *   refreshes under a lock and the others receive the result instead of refreshing again. Clients
 *   in Node share nothing, even where Node offers those APIs (24.5 and later).
 * - A 401 `invalid_token` triggers one refresh and one retry, never a loop.
 * - Network errors and 5xx keep the tokens and surface the error; `invalid_grant` on refresh
 *   clears them and emits `signed_out`.
 */
import {
  type Clock,
  decodeBase64Url,
  type JsonObject,
  parseJsonObject,
  type RandomSource,
  systemClock,
  systemRandom,
} from '../core/index.js';
import {
  createDpopProof,
  type DpopKeyPair,
  generateDpopKey,
  jwkThumbprint,
  type PublicEcJwk,
  publicJwkOf,
} from './dpop.js';
import { indexedDbKeyStore, indexedDbOf, indexedDbTokenStore } from './indexed-db.js';
import { type DpopKeyStore, memoryKeyStore } from './key-store.js';
import {
  memoryTokenStore,
  parseStoredTokens,
  type StoredTokens,
  type TokenStore,
} from './token-store.js';

export type AuthEvent = 'signed_in' | 'refreshed' | 'signed_out';

export interface AuthClientOptions {
  /** The Gatehouse server, e.g. https://auth.example.com (a path is allowed: /auth). */
  readonly baseUrl: string;
  /**
   * Origins (`scheme://host[:port]`, nothing else) of the APIs that receive the access token.
   * The auth server's origin always does; every other URL gets requests without it.
   */
  readonly apiOrigins?: readonly string[];
  /** Where tokens live: IndexedDB in the browser, memory elsewhere (see token-store.ts). */
  readonly storage?: TokenStore;
  /** Where the DPoP key lives: IndexedDB in the browser, memory elsewhere (see key-store.ts). */
  readonly keyStore?: DpopKeyStore;
  /** Send DPoP proofs (default true). false: Bearer tokens only, no key is made. */
  readonly dpop?: boolean;
  readonly fetch?: typeof globalThis.fetch;
  readonly clock?: Clock;
  /** The source of each proof's `jti`. */
  readonly random?: RandomSource;
  /** Refresh this long before expiry (default 60 s), at most half the token's lifetime. */
  readonly refreshMarginSeconds?: number;
  /** Sent as client_id (default "gatehouse-client"). */
  readonly clientId?: string;
  /** Name of the cross-tab lock and channel, and of the IndexedDB database (default "gatehouse-auth"). */
  readonly channelName?: string;
}

/** An account, as /v1/signup and /v1/me return it. */
export interface AuthUser {
  readonly id: string;
  readonly email: string;
  /** Whether the address was confirmed through its verification link. */
  readonly email_verified: boolean;
}

export interface AuthClient {
  /** Creates an account (it does not sign in). @throws AuthClientError e.g. email_taken, invalid_password, rate_limited */
  signup(email: string, password: string): Promise<AuthUser>;
  /** Password login; emits signed_in. @throws AuthClientError */
  login(email: string, password: string): Promise<void>;
  /**
   * Forgets the tokens (emits signed_out), then asks the server to revoke the session:
   * `revoked` is true when the server confirmed, false when it could not be reached, refused,
   * or there was nothing to revoke.
   */
  logout(): Promise<{ readonly revoked: boolean }>;
  /** The signed-in user from /v1/me; null when signed out. @throws AuthClientError */
  me(): Promise<AuthUser | null>;
  /**
   * fetch, with the access token (and a DPoP proof) when the URL's origin is the auth server's or
   * in `apiOrigins`; retries once after a 401 `use_dpop_nonce`, once after a 401 `invalid_token`.
   * A body that is retried must be sendable twice (a string, Blob, FormData; not a stream). A
   * Request goes to its `url`, with its method, headers and body unless `init` gives them.
   * @throws TypeError for an input that is not a string, URL or Request (before any request)
   */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** A fresh access token, refreshing first when needed; null when signed out. */
  getAccessToken(): Promise<string | null>;
  /** The RFC 7638 thumbprint of the DPoP key (the tokens' `cnf.jkt`); null with `dpop: false`. */
  keyThumbprint(): Promise<string | null>;
  /** Subscribes to signed_in, refreshed and signed_out; returns the unsubscribe function. */
  onChange(listener: (event: AuthEvent) => void): () => void;
  /** Stops listening to other tabs. */
  close(): void;
}

/** A failure the caller should see: a network error, a 5xx, or a refused request. */
export class AuthClientError extends Error {
  override readonly name = 'AuthClientError';
  readonly status: number;
  readonly error: string;
  /** From Retry-After on a 429: how long to wait before trying again. */
  readonly retryAfterSeconds: number | null;
  constructor(
    status: number,
    error: string,
    message: string,
    retryAfterSeconds: number | null = null,
  ) {
    super(message);
    this.status = status;
    this.error = error;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The claims of a JWT, unverified; null when it is not one. */
function readClaims(token: string): JsonObject | null {
  const payload = decodeBase64Url(token.split('.')[1] ?? '');
  if (payload === null) return null;
  const parsed = parseJsonObject(new TextDecoder().decode(payload));
  return parsed.ok ? parsed.value : null;
}

const numberClaim = (claims: JsonObject | null, name: string): number | null => {
  const value = claims?.[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
};

/**
 * Reads `exp` (seconds) from an access token without verifying it. The client no longer
 * schedules by it (it counts `expires_in` on its own clock); kept for callers that display it.
 */
export function readExpiry(accessToken: string): number | null {
  return numberClaim(readClaims(accessToken), 'exp');
}

interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

interface KeyMaterial {
  readonly key: DpopKeyPair;
  readonly jwk: PublicEcJwk;
  readonly jkt: string;
}

/** `apiOrigins` checked once: each entry exactly an origin. @throws AuthClientError invalid_options */
function originsOf(baseUrl: string, apiOrigins: readonly string[]): Set<string> {
  const problems: string[] = [];
  const origins = new Set<string>();
  const parse = (text: string) => {
    try {
      return new URL(text);
    } catch {
      return null;
    }
  };
  const base = parse(baseUrl);
  if (base === null || (base.protocol !== 'https:' && base.protocol !== 'http:'))
    problems.push('baseUrl must be an http(s) URL');
  else origins.add(base.origin);
  for (const entry of apiOrigins) {
    const url = parse(entry);
    if (url === null || url.origin !== entry || !/^https?:$/.test(url.protocol))
      problems.push(`apiOrigins: ${JSON.stringify(entry)} is not an origin (scheme://host[:port])`);
    else origins.add(url.origin);
  }
  if (problems.length > 0) throw new AuthClientError(0, 'invalid_options', problems.join('; '));
  return origins;
}

/** The URL a fetch goes to, resolved against the page in a browser; null when unparsable. */
function resolveUrl(input: string | URL): URL | null {
  try {
    return new URL(input, (globalThis as { location?: { href: string } }).location?.href);
  } catch {
    return null;
  }
}

/** What auth.fetch was given: the URL the request will go to, and the Request if it was one. */
interface FetchTarget {
  readonly url: URL | null;
  readonly request: Request | null;
}

/**
 * The target of a fetch. Only a string, URL or Request: any other object would be stringified
 * (a Request of another realm to "[object Request]", resolved against the page's own origin),
 * so the URL whose origin we check would not be the one the token is sent to.
 * @throws TypeError for any other input
 */
function targetOf(input: unknown): FetchTarget {
  if (typeof Request !== 'undefined' && input instanceof Request)
    return { url: resolveUrl(input.url), request: input };
  if (typeof input !== 'string' && !(input instanceof URL))
    throw new TypeError('auth.fetch takes a string, a URL or a Request');
  return { url: resolveUrl(input), request: null };
}

/** RFC 9449 section 9: a 401 `WWW-Authenticate: DPoP error="use_dpop_nonce"`. */
const asksForNonce = (challenge: string) =>
  /\bdpop\b/i.test(challenge) && /error="?use_dpop_nonce"?/.test(challenge);

async function errorBodyOf(response: Response): Promise<{ error?: string; message?: string }> {
  const body = (await response.json().catch(() => null)) as {
    error?: unknown;
    error_description?: unknown;
  } | null;
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const result: { error?: string; message?: string } = {};
  const error = text(body?.error);
  const message = text(body?.error_description);
  if (error !== undefined) result.error = error;
  if (message !== undefined) result.message = message;
  return result;
}

/** The AuthClientError for a refused request, with Retry-After on a 429. */
async function refusal(response: Response, what: string): Promise<AuthClientError> {
  const body = await errorBodyOf(response);
  const retryAfter = Number(response.headers.get('retry-after'));
  return new AuthClientError(
    response.status,
    body.error ?? 'server_error',
    body.message ?? `${what} failed with ${response.status}`,
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
  );
}

/**
 * Creates a client. Options are checked here, every problem at once.
 *
 * @throws AuthClientError `invalid_options` when baseUrl or an apiOrigins entry is malformed
 * @example
 * const auth = createAuthClient({
 *   baseUrl: 'https://auth.example.com',
 *   apiOrigins: ['https://api.example.com'],
 * });
 * await auth.login(email, password);
 * const orders = await auth.fetch('https://api.example.com/orders');
 */
export function createAuthClient(options: AuthClientOptions): AuthClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const tokenOrigins = originsOf(baseUrl, options.apiOrigins ?? []);
  const channelName = options.channelName ?? 'gatehouse-auth';
  const inBrowser = indexedDbOf() !== null;
  const store =
    options.storage ??
    (inBrowser ? indexedDbTokenStore({ databaseName: channelName }) : memoryTokenStore());
  const keyStore =
    options.keyStore ??
    (inBrowser ? indexedDbKeyStore({ databaseName: channelName }) : memoryKeyStore());
  const useDpop = options.dpop ?? true;
  const fetchImpl: typeof globalThis.fetch =
    options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const clock = options.clock ?? systemClock;
  const random = options.random ?? systemRandom;
  const marginMs = (options.refreshMarginSeconds ?? 60) * 1000;
  const clientId = options.clientId ?? 'gatehouse-client';
  const tokenUrl = new URL(`${baseUrl}/v1/token`);
  const listeners = new Set<(event: AuthEvent) => void>();
  const emit = (event: AuthEvent) => {
    for (const listener of listeners) listener(event);
  };

  /** What this page last read or wrote; undefined until the store is first read. */
  let cached: StoredTokens | null | undefined;
  const readTokens = async (): Promise<StoredTokens | null> => {
    if (cached === undefined) {
      const stored = await store.get();
      // A login or another tab's message may have landed while the store was being read.
      if (cached === undefined) cached = stored;
    }
    return cached;
  };

  // Tabs of one origin share IndexedDB, so they coordinate. Node has no tabs, but since 24.5 it
  // has navigator.locks beside BroadcastChannel: every client of a process (and of its workers)
  // would then take the others' tokens and sign-outs, and the channel would keep the process alive.
  const locks = inBrowser
    ? (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks
    : undefined;
  const channel =
    locks !== undefined && typeof BroadcastChannel === 'function'
      ? new BroadcastChannel(channelName)
      : null;
  channel?.addEventListener('message', (event: Event) => {
    const data = (event as MessageEvent).data as { type?: string; tokens?: unknown };
    if (data.type !== 'tokens') return;
    // Another tab signed in, refreshed or signed out: take its result instead of refreshing again.
    const tokens = parseStoredTokens(data.tokens);
    const before = cached;
    cached = tokens;
    // Best effort: this page already holds them in `cached`; a store that fails keeps the old.
    void Promise.resolve()
      .then(() => store.set(tokens))
      .catch(() => undefined);
    emit(tokens === null ? 'signed_out' : before ? 'refreshed' : 'signed_in');
  });

  const save = async (tokens: StoredTokens | null, event: AuthEvent) => {
    cached = tokens;
    await store.set(tokens);
    channel?.postMessage({ type: 'tokens', tokens });
    emit(event);
  };

  let keyMaterial: Promise<KeyMaterial> | null = null;
  const loadKey = (): Promise<KeyMaterial> => {
    keyMaterial ??= (async () => {
      const key = await keyStore.load(generateDpopKey);
      const jwk = await publicJwkOf(key);
      return { key, jwk, jkt: await jwkThumbprint(jwk) };
    })().catch((error: unknown) => {
      keyMaterial = null;
      throw error;
    });
    return keyMaterial;
  };

  // RFC 9449 sections 8 and 9: a server's nonce is used for its requests until it gives another,
  // and the authorization server's (token endpoint) and a resource's are never mixed, even on one
  // origin: a token-endpoint nonce sent to a resource that checks freshness by `iat` could only
  // get the request refused once it expires. Keys: `token` and `resource <origin>`.
  const nonces = new Map<string, string>();
  const rememberNonce = (key: string, response: Response): boolean => {
    const nonce = response.headers.get('dpop-nonce');
    if (nonce === null || nonce === '') return false;
    nonces.set(key, nonce);
    return true;
  };
  const TOKEN_NONCE = 'token';
  const resourceNonceKey = (url: URL) => `resource ${url.origin}`;

  /**
   * How far the server's clock is ahead of ours, from the access token's `iat` against the
   * moment it arrived (transit makes it a little short, so proofs look slightly old, never new).
   */
  const offsetMs = (tokens: StoredTokens | null): number => {
    const iat = tokens === null ? null : numberClaim(readClaims(tokens.accessToken), 'iat');
    return iat === null || tokens === null ? 0 : iat * 1000 - tokens.receivedAtMs;
  };

  const proofFor = async (
    method: string,
    url: URL,
    nonceKey: string,
    tokens: StoredTokens | null,
    accessToken?: string,
  ): Promise<string> => {
    const { key, jwk } = await loadKey();
    const nonce = nonces.get(nonceKey);
    return createDpopProof(key, jwk, random, {
      htm: method,
      url,
      iatSeconds: Math.floor((clock.nowMs() + offsetMs(tokens)) / 1000),
      ...(accessToken === undefined ? {} : { accessToken }),
      ...(nonce === undefined ? {} : { nonce }),
    });
  };

  const postJson = async (url: URL, body: unknown, headers: Record<string, string> = {}) => {
    try {
      return await fetchImpl(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    } catch (error) {
      throw new AuthClientError(
        0,
        'network_error',
        `cannot reach the auth server: ${(error as Error).message}`,
      );
    }
  };

  /** POST /v1/token with a proof; one more try when the server asks for a nonce (section 8). */
  const postToken = async (
    body: Record<string, string>,
    held: StoredTokens | null,
  ): Promise<Response> => {
    const attempt = async () => {
      const headers: Record<string, string> = useDpop
        ? { dpop: await proofFor('POST', tokenUrl, TOKEN_NONCE, held) }
        : {};
      const response = await postJson(tokenUrl, { ...body, client_id: clientId }, headers);
      return { response, newNonce: rememberNonce(TOKEN_NONCE, response) };
    };
    const first = await attempt();
    if (!useDpop || first.response.status !== 400 || !first.newNonce) return first.response;
    const error = await errorBodyOf(first.response.clone());
    if (error.error !== 'use_dpop_nonce') return first.response;
    return (await attempt()).response;
  };

  /** The tokens of a 200 from /v1/token, timed on our clock. @throws AuthClientError */
  const tokensFrom = async (response: Response): Promise<StoredTokens> => {
    const body = (await response.json().catch(() => null)) as Record<string, unknown> | null;
    const receivedAtMs = clock.nowMs();
    const type = typeof body?.token_type === 'string' ? body.token_type.toLowerCase() : '';
    const tokenType = type === 'dpop' && useDpop ? 'DPoP' : type === 'bearer' ? 'Bearer' : null;
    if (
      body === null ||
      tokenType === null ||
      typeof body.access_token !== 'string' ||
      typeof body.refresh_token !== 'string'
    )
      throw new AuthClientError(response.status, 'invalid_response', 'unusable token response');
    const claims = readClaims(body.access_token);
    const exp = numberClaim(claims, 'exp');
    const iat = numberClaim(claims, 'iat');
    // expires_in is what RFC 6749 gives the client; without it, the token's own lifetime (still
    // independent of our clock); without either, a minute.
    const lifetimeSeconds =
      typeof body.expires_in === 'number' && body.expires_in > 0
        ? body.expires_in
        : exp !== null && iat !== null && exp > iat
          ? exp - iat
          : 60;
    return {
      accessToken: body.access_token,
      refreshToken: body.refresh_token,
      tokenType,
      receivedAtMs,
      expiresAtMs: receivedAtMs + lifetimeSeconds * 1000,
    };
  };

  /** One refresh at the server for the tokens we hold; clears them on invalid_grant. */
  const refreshAtServer = async (stale: StoredTokens): Promise<StoredTokens | null> => {
    const response = await postToken(
      { grant_type: 'refresh_token', refresh_token: stale.refreshToken },
      stale,
    );
    if (response.ok) {
      const tokens = await tokensFrom(response);
      await save(tokens, 'refreshed');
      return tokens;
    }
    const error = await refusal(response.clone(), 'refresh');
    if (response.status === 400 && error.error === 'invalid_grant') {
      await save(null, 'signed_out');
      return null;
    }
    throw error;
  };

  let inflight: Promise<StoredTokens | null> | null = null;

  /** Single flight within this page; one tab at a time across tabs (when the APIs exist). */
  const refresh = (stale: StoredTokens): Promise<StoredTokens | null> => {
    inflight ??= (async () => {
      try {
        if (locks === undefined) return await refreshAtServer(stale);
        return await locks.request(`${channelName}-refresh`, async () => {
          // Another tab may have refreshed while we waited for the lock.
          const current = await store.get();
          if (current === null || current.refreshToken !== stale.refreshToken) {
            cached = current;
            return current;
          }
          return refreshAtServer(current);
        });
      } finally {
        inflight = null;
      }
    })();
    return inflight;
  };

  const isDue = (tokens: StoredTokens) => {
    // A short-lived token is refreshed half-way, not on every call (a 60 s margin would cover
    // all of a 30 s token's life).
    const margin = Math.min(marginMs, (tokens.expiresAtMs - tokens.receivedAtMs) / 2);
    return clock.nowMs() >= tokens.expiresAtMs - margin;
  };

  const freshTokens = async (): Promise<StoredTokens | null> => {
    const tokens = await readTokens();
    if (tokens === null || !isDue(tokens)) return tokens;
    return refresh(tokens);
  };

  const send = async (
    request: Request | null,
    url: URL,
    init: RequestInit,
    tokens: StoredTokens,
  ): Promise<Response> => {
    // As fetch(request, init) does: init's headers and method, else the Request's.
    const headers = new Headers(init.headers ?? request?.headers);
    if (tokens.tokenType === 'DPoP') {
      const method = (init.method ?? request?.method ?? 'GET').toUpperCase();
      headers.set('authorization', `DPoP ${tokens.accessToken}`);
      headers.set(
        'dpop',
        await proofFor(method, url, resourceNonceKey(url), tokens, tokens.accessToken),
      );
    } else {
      headers.set('authorization', `Bearer ${tokens.accessToken}`);
      headers.delete('dpop');
    }
    // Sent to the URL whose origin was checked; a Request is cloned, so a retry can send it again.
    const response = await fetchImpl(request === null ? url.href : request.clone(), {
      ...init,
      headers,
    });
    if (tokens.tokenType === 'DPoP') rememberNonce(resourceNonceKey(url), response);
    return response;
  };

  const authFetch = async (
    input: string | URL | Request,
    init: RequestInit = {},
  ): Promise<Response> => {
    const { url, request } = targetOf(input);
    if (url === null || !tokenOrigins.has(url.origin)) return fetchImpl(input, init);
    const initial = await freshTokens();
    if (initial === null) return fetchImpl(input, init);
    let tokens: StoredTokens = initial;
    let response = await send(request, url, init, tokens);
    let nonceRetried = false;
    let refreshed = false;
    // At most three sends: once more with a new nonce, once more after a refresh.
    for (;;) {
      if (response.status !== 401) return response;
      const challenge = response.headers.get('www-authenticate') ?? '';
      if (
        !nonceRetried &&
        tokens.tokenType === 'DPoP' &&
        asksForNonce(challenge) &&
        response.headers.has('dpop-nonce')
      ) {
        nonceRetried = true;
        response = await send(request, url, init, tokens);
        continue;
      }
      if (refreshed || !challenge.includes('invalid_token')) return response;
      // The server refused a token we thought valid (revoked, expired early): refresh once.
      refreshed = true;
      const current = await readTokens();
      if (current === null) return response;
      const fresh: StoredTokens | null =
        current.accessToken === tokens.accessToken ? await refresh(current) : current;
      if (fresh === null) return response;
      tokens = fresh;
      response = await send(request, url, init, tokens);
    }
  };

  return {
    async signup(email, password) {
      const response = await postJson(new URL(`${baseUrl}/v1/signup`), { email, password });
      if (!response.ok) throw await refusal(response, 'signup');
      return (await response.json()) as AuthUser;
    },

    async login(email, password) {
      const response = await postToken(
        { grant_type: 'password', username: email, password },
        await readTokens(),
      );
      if (!response.ok) throw await refusal(response, 'login');
      await save(await tokensFrom(response), 'signed_in');
    },

    async logout() {
      const tokens = await readTokens();
      await save(null, 'signed_out');
      if (tokens === null) return { revoked: false };
      try {
        const response = await postJson(new URL(`${baseUrl}/v1/revoke`), {
          token: tokens.refreshToken,
          client_id: clientId,
        });
        return { revoked: response.ok };
      } catch {
        return { revoked: false };
      }
    },

    async me() {
      if ((await readTokens()) === null) return null;
      const response = await authFetch(`${baseUrl}/v1/me`);
      if (response.ok) return (await response.json()) as AuthUser;
      if (response.status === 401 && (await readTokens()) === null) return null;
      throw await refusal(response, 'me');
    },

    fetch: authFetch,

    async getAccessToken() {
      return (await freshTokens())?.accessToken ?? null;
    },

    async keyThumbprint() {
      return useDpop ? (await loadKey()).jkt : null;
    },

    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    close() {
      channel?.close();
    },
  };
}
