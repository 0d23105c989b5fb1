/**
 * Where the client keeps its tokens.
 *
 * DPoP-bound tokens (the default whenever the server supports DPoP) are worthless without the
 * page's non-extractable key, so in the browser the default store, `indexedDbTokenStore`
 * (indexed-db.ts), persists them in IndexedDB next to that key: a reload stays signed in and the
 * tabs of the origin share one session. Script running in the page can still use them while it
 * runs there, as it could with any storage; what it cannot do is carry them away.
 *
 * Bearer tokens (a server with DPoP off) work for whoever holds them. `indexedDbTokenStore` keeps
 * those in the page's memory only, as `memoryTokenStore` (the default in Node) does.
 * `localStorageTokenStore` persists whatever it is given: with Bearer tokens, any XSS on the
 * origin can read the refresh token and keep a session alive elsewhere; opt in only when that
 * trade-off is acceptable.
 *
 * A store may answer synchronously or with a promise; the client awaits either.
 */
export interface StoredTokens {
  readonly accessToken: string;
  readonly refreshToken: string;
  /** `DPoP`: bound to the client's key, sent with a proof. `Bearer`: sent alone. */
  readonly tokenType: 'DPoP' | 'Bearer';
  /** When the tokens arrived, in ms of the client's clock. */
  readonly receivedAtMs: number;
  /** `receivedAtMs` + `expires_in`: expiry on the client's clock, whatever the server's says. */
  readonly expiresAtMs: number;
}

export interface TokenStore {
  get(): StoredTokens | null | Promise<StoredTokens | null>;
  set(tokens: StoredTokens | null): void | Promise<void>;
}

/** A store that answers at once (memory, Web Storage): its `get` can be read without await. */
export interface SyncTokenStore extends TokenStore {
  get(): StoredTokens | null;
  set(tokens: StoredTokens | null): void;
}

/**
 * The tokens a store returned, when they have every field of this version (null otherwise: a
 * store written by an older client holds no token type, and such tokens sign in again).
 */
export function parseStoredTokens(value: unknown): StoredTokens | null {
  if (typeof value !== 'object' || value === null) return null;
  const tokens = value as Record<string, unknown>;
  const isTime = (n: unknown) => typeof n === 'number' && Number.isFinite(n);
  return typeof tokens.accessToken === 'string' &&
    typeof tokens.refreshToken === 'string' &&
    (tokens.tokenType === 'DPoP' || tokens.tokenType === 'Bearer') &&
    isTime(tokens.receivedAtMs) &&
    isTime(tokens.expiresAtMs)
    ? (value as StoredTokens)
    : null;
}

/**
 * Tokens in memory only (the default in Node).
 *
 * @example
 * createAuthClient({ baseUrl, storage: memoryTokenStore() });
 */
export function memoryTokenStore(): SyncTokenStore {
  let tokens: StoredTokens | null = null;
  return {
    get: () => tokens,
    set: (next) => {
      tokens = next;
    },
  };
}

interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * Tokens in `localStorage` (or the Storage given, e.g. `sessionStorage`). Opt-in; read the
 * Bearer trade-off above.
 *
 * @example
 * createAuthClient({ baseUrl, storage: localStorageTokenStore('gatehouse.tokens', sessionStorage) });
 */
export function localStorageTokenStore(
  key = 'gatehouse.tokens',
  storage?: StorageLike,
): SyncTokenStore {
  const backing = storage ?? (globalThis as { localStorage?: StorageLike }).localStorage;
  if (backing === undefined) throw new Error('localStorage is not available here');
  return {
    get() {
      const text = backing.getItem(key);
      if (text === null) return null;
      try {
        return parseStoredTokens(JSON.parse(text));
      } catch {
        return null;
      }
    },
    set(tokens) {
      if (tokens === null) backing.removeItem(key);
      else backing.setItem(key, JSON.stringify(tokens));
    },
  };
}
