/**
 * Where the client keeps its tokens.
 *
 * Memory (the default) is the safest place: a page reload signs the user out of this tab unless a
 * refresh happens elsewhere, but no script injected into the page can read tokens from storage.
 * `localStorageTokenStore` survives reloads and is shared by the tabs of one origin, at a price:
 * any XSS on that origin can read the refresh token and keep a session alive elsewhere. Opt in
 * only when that trade-off is acceptable.
 */
export interface StoredTokens {
  readonly accessToken: string;
  readonly refreshToken: string;
  /** `exp` of the access token, in ms. */
  readonly expiresAtMs: number;
}

export interface TokenStore {
  get(): StoredTokens | null;
  set(tokens: StoredTokens | null): void;
}

/** Tokens in memory only (default). */
export function memoryTokenStore(): TokenStore {
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

/** Tokens in `localStorage` (opt-in; read the XSS trade-off above). */
export function localStorageTokenStore(
  key = 'gatehouse.tokens',
  storage?: StorageLike,
): TokenStore {
  const backing = storage ?? (globalThis as { localStorage?: StorageLike }).localStorage;
  if (backing === undefined) throw new Error('localStorage is not available here');
  return {
    get() {
      const text = backing.getItem(key);
      if (text === null) return null;
      try {
        const value = JSON.parse(text) as StoredTokens;
        return typeof value.accessToken === 'string' && typeof value.refreshToken === 'string'
          ? value
          : null;
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
