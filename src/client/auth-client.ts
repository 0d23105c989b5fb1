/**
 * gatehouse/client: keeps a user signed in against a Gatehouse server, in the browser or in Node
 * (fetch only, no node:* imports).
 *
 * - Refreshes before the access token's `exp` (minus a margin), before sending a request.
 * - Single flight: any number of concurrent calls share one refresh. Across tabs of one origin,
 *   when the Web Locks API and BroadcastChannel exist, one tab refreshes under a lock and the
 *   others receive the result instead of refreshing again.
 * - A 401 `invalid_token` triggers one refresh and one retry, never a loop.
 * - Network errors and 5xx keep the tokens and surface the error; `invalid_grant` on refresh
 *   clears them and emits `signed_out`.
 */
import { type Clock, decodeBase64Url, parseJsonObject, systemClock } from '../core/index.js';
import { memoryTokenStore, type StoredTokens, type TokenStore } from './token-store.js';

export type AuthEvent = 'signed_in' | 'refreshed' | 'signed_out';

export interface AuthClientOptions {
  /** The Gatehouse server, e.g. https://auth.example.com */
  readonly baseUrl: string;
  /** Where tokens live; memory by default (see token-store.ts for the localStorage trade-off). */
  readonly storage?: TokenStore;
  readonly fetch?: typeof globalThis.fetch;
  readonly clock?: Clock;
  /** Refresh this long before `exp` (default 60 s). */
  readonly refreshMarginSeconds?: number;
  /** Sent as client_id (default "gatehouse-client"). */
  readonly clientId?: string;
  /** Name of the cross-tab lock and channel (default "gatehouse-auth"). */
  readonly channelName?: string;
}

export interface AuthClient {
  /** Password login; emits signed_in. @throws AuthClientError */
  login(email: string, password: string): Promise<void>;
  /** Revokes the session at the server (best effort) and forgets the tokens; emits signed_out. */
  logout(): Promise<void>;
  /** A fetch that attaches a fresh access token and retries once after a 401 invalid_token. */
  fetch(input: string | URL, init?: RequestInit): Promise<Response>;
  /** A fresh access token, refreshing first when needed; null when signed out. */
  getAccessToken(): Promise<string | null>;
  /** Subscribes to signed_in, refreshed and signed_out; returns the unsubscribe function. */
  onChange(listener: (event: AuthEvent) => void): () => void;
  /** Stops listening to other tabs. */
  close(): void;
}

/** A failure the caller should see: a network error, a 5xx, or a refused login. */
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

interface TokenResponse {
  access_token: string;
  refresh_token: string;
}

/** Reads `exp` (seconds) from an access token without verifying it: a scheduling hint only. */
export function readExpiry(accessToken: string): number | null {
  const payload = decodeBase64Url(accessToken.split('.')[1] ?? '');
  if (payload === null) return null;
  const parsed = parseJsonObject(new TextDecoder().decode(payload));
  const exp = parsed.ok ? parsed.value.exp : undefined;
  return typeof exp === 'number' && Number.isFinite(exp) ? exp : null;
}

interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

/**
 * Creates a client.
 *
 * @example
 * const auth = createAuthClient({ baseUrl: 'https://auth.example.com' });
 * await auth.login(email, password);
 * const orders = await auth.fetch('https://api.example.com/orders');
 */
export function createAuthClient(options: AuthClientOptions): AuthClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const store = options.storage ?? memoryTokenStore();
  const fetchImpl: typeof globalThis.fetch =
    options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const clock = options.clock ?? systemClock;
  const marginMs = (options.refreshMarginSeconds ?? 60) * 1000;
  const clientId = options.clientId ?? 'gatehouse-client';
  const channelName = options.channelName ?? 'gatehouse-auth';
  const listeners = new Set<(event: AuthEvent) => void>();
  const emit = (event: AuthEvent) => {
    for (const listener of listeners) listener(event);
  };

  const locks = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
  const channel =
    locks !== undefined && typeof BroadcastChannel === 'function'
      ? new BroadcastChannel(channelName)
      : null;
  channel?.addEventListener('message', (event: Event) => {
    const data = (event as MessageEvent).data as { type?: string; tokens?: StoredTokens | null };
    if (data.type === 'tokens') {
      // Another tab refreshed (or signed out): take its result instead of refreshing again.
      store.set(data.tokens ?? null);
      emit(data.tokens ? 'refreshed' : 'signed_out');
    }
  });

  const save = (tokens: StoredTokens | null, event: AuthEvent) => {
    store.set(tokens);
    channel?.postMessage({ type: 'tokens', tokens });
    emit(event);
  };

  const postToken = async (body: Record<string, string>): Promise<Response> => {
    try {
      return await fetchImpl(`${baseUrl}/v1/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...body, client_id: clientId }),
      });
    } catch (error) {
      throw new AuthClientError(
        0,
        'network_error',
        `cannot reach the auth server: ${(error as Error).message}`,
      );
    }
  };

  const tokensFrom = (response: TokenResponse): StoredTokens => ({
    accessToken: response.access_token,
    refreshToken: response.refresh_token,
    expiresAtMs: (readExpiry(response.access_token) ?? 0) * 1000,
  });

  /** One refresh at the server for the tokens we hold; clears them on invalid_grant. */
  const refreshAtServer = async (stale: StoredTokens): Promise<StoredTokens | null> => {
    const response = await postToken({
      grant_type: 'refresh_token',
      refresh_token: stale.refreshToken,
    });
    if (response.ok) {
      const tokens = tokensFrom((await response.json()) as TokenResponse);
      save(tokens, 'refreshed');
      return tokens;
    }
    const body = (await response.json().catch(() => ({}))) as { error?: string };
    if (response.status === 400 && body.error === 'invalid_grant') {
      save(null, 'signed_out');
      return null;
    }
    throw new AuthClientError(
      response.status,
      body.error ?? 'server_error',
      `refresh failed with ${response.status}`,
    );
  };

  let inflight: Promise<StoredTokens | null> | null = null;

  /** Single flight within this page; one tab at a time across tabs (when the APIs exist). */
  const refresh = (stale: StoredTokens): Promise<StoredTokens | null> => {
    inflight ??= (async () => {
      try {
        if (locks === undefined) return await refreshAtServer(stale);
        return await locks.request(`${channelName}-refresh`, async () => {
          // Another tab may have refreshed while we waited for the lock.
          const current = store.get();
          if (current === null) return null;
          if (current.refreshToken !== stale.refreshToken) return current;
          return refreshAtServer(current);
        });
      } finally {
        inflight = null;
      }
    })();
    return inflight;
  };

  const getAccessToken = async (): Promise<string | null> => {
    const tokens = store.get();
    if (tokens === null) return null;
    if (clock.nowMs() < tokens.expiresAtMs - marginMs) return tokens.accessToken;
    return (await refresh(tokens))?.accessToken ?? null;
  };

  const send = (input: string | URL, init: RequestInit, token: string | null) => {
    const headers = new Headers(init.headers);
    if (token !== null) headers.set('authorization', `Bearer ${token}`);
    return fetchImpl(input, { ...init, headers });
  };

  return {
    async login(email, password) {
      const response = await postToken({ grant_type: 'password', username: email, password });
      if (!response.ok) {
        const body = (await response.json().catch(() => ({}))) as {
          error?: string;
          error_description?: string;
        };
        const retryAfter = Number(response.headers.get('retry-after'));
        throw new AuthClientError(
          response.status,
          body.error ?? 'server_error',
          body.error_description ?? `login failed with ${response.status}`,
          Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
        );
      }
      save(tokensFrom((await response.json()) as TokenResponse), 'signed_in');
    },

    async logout() {
      const tokens = store.get();
      save(null, 'signed_out');
      if (tokens === null) return;
      await fetchImpl(`${baseUrl}/v1/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: tokens.refreshToken, client_id: clientId }),
      }).catch(() => undefined);
    },

    async fetch(input, init = {}) {
      const token = await getAccessToken();
      const response = await send(input, init, token);
      if (response.status !== 401 || token === null) return response;
      const challenge = response.headers.get('www-authenticate') ?? '';
      if (!challenge.includes('invalid_token')) return response;
      // The server refused a token we thought valid (revoked, or clocks disagree): refresh once.
      const current = store.get();
      if (current === null) return response;
      const fresh = current.accessToken === token ? await refresh(current) : current;
      if (fresh === null) return response;
      return send(input, init, fresh.accessToken);
    },

    getAccessToken,

    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    close() {
      channel?.close();
    },
  };
}
