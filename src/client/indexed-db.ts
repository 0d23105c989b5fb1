/**
 * The browser's stores: the DPoP key pair and DPoP-bound tokens in IndexedDB, one database per
 * client name, shared by every tab of the origin.
 *
 * IndexedDB stores a CryptoKey by structured clone: the clone keeps `extractable: false`, so the
 * private key's bytes are never readable, by this code or by anything else in the page. Only the
 * typed subset of IndexedDB used here is declared (the package compiles without DOM types).
 */
import { type DpopKeyPair, isDpopKeyPair } from './dpop.js';
import type { DpopKeyStore } from './key-store.js';
import { parseStoredTokens, type StoredTokens, type TokenStore } from './token-store.js';

interface RequestLike<T> {
  readonly result: T;
  readonly error: unknown;
  onsuccess: (() => void) | null;
  onerror: (() => void) | null;
}
interface OpenRequestLike extends RequestLike<DatabaseLike> {
  onupgradeneeded: (() => void) | null;
}
interface ObjectStoreLike {
  get(key: string): RequestLike<unknown>;
  put(value: unknown, key: string): RequestLike<unknown>;
  delete(key: string): RequestLike<unknown>;
}
interface TransactionLike {
  readonly error: unknown;
  objectStore(name: string): ObjectStoreLike;
  oncomplete: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
}
interface DatabaseLike {
  readonly objectStoreNames: { contains(name: string): boolean };
  createObjectStore(name: string): unknown;
  transaction(store: string, mode: 'readonly' | 'readwrite'): TransactionLike;
  close(): void;
  onversionchange: (() => void) | null;
}
interface IndexedDbLike {
  open(name: string, version?: number): OpenRequestLike;
}

const STORE = 'state';
const KEY = 'dpop-key';
const TOKENS = 'tokens';

/** The page's IndexedDB, or null (Node, or a browser that does not offer it). */
export function indexedDbOf(): IndexedDbLike | null {
  return (globalThis as { indexedDB?: IndexedDbLike }).indexedDB ?? null;
}

const connections = new Map<string, Promise<DatabaseLike>>();

/** One connection per database name for the page's life (closed if another version opens). */
function openDatabase(name: string): Promise<DatabaseLike> {
  let connection = connections.get(name);
  if (connection === undefined) {
    connection = new Promise<DatabaseLike>((resolve, reject) => {
      const factory = indexedDbOf();
      if (factory === null) throw new Error('IndexedDB is not available here');
      const request = factory.open(name, 1);
      request.onupgradeneeded = () => {
        if (!request.result.objectStoreNames.contains(STORE))
          request.result.createObjectStore(STORE);
      };
      request.onsuccess = () => {
        const db = request.result;
        db.onversionchange = () => {
          db.close();
          connections.delete(name);
        };
        resolve(db);
      };
      request.onerror = () => reject(request.error);
    });
    connection.catch(() => connections.delete(name));
    connections.set(name, connection);
  }
  return connection;
}

/**
 * Runs `work` in one transaction and resolves with what it returns once the transaction has
 * committed (so a value read and a value written in it are both final).
 */
async function transact<T>(
  name: string,
  mode: 'readonly' | 'readwrite',
  work: (store: ObjectStoreLike, done: (value: T) => void) => void,
): Promise<T> {
  const db = await openDatabase(name);
  return new Promise<T>((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    let value: T | undefined;
    tx.oncomplete = () => resolve(value as T);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
    work(tx.objectStore(STORE), (result) => {
      value = result;
    });
  });
}

export interface IndexedDbStoreOptions {
  /** The database (default "gatehouse-auth"); two clients with two names keep two keys. */
  readonly databaseName?: string;
}

/**
 * The DPoP key pair in IndexedDB (the browser's default): the same key after a reload and in
 * every tab. A browser that refuses IndexedDB (storage disabled) gets a key for this page only.
 *
 * @example
 * createAuthClient({ baseUrl, keyStore: indexedDbKeyStore({ databaseName: 'shop-auth' }) });
 */
export function indexedDbKeyStore(options: IndexedDbStoreOptions = {}): DpopKeyStore {
  const name = options.databaseName ?? 'gatehouse-auth';
  let pending: Promise<DpopKeyPair> | null = null;
  const loadOrCreate = async (create: () => Promise<DpopKeyPair>): Promise<DpopKeyPair> => {
    const stored = await transact<unknown>(name, 'readonly', (store, done) => {
      const request = store.get(KEY);
      request.onsuccess = () => done(request.result);
    }).catch(() => null);
    if (isDpopKeyPair(stored)) return stored;
    const candidate = await create();
    // Read again and write only if still empty, in one readwrite transaction: IndexedDB runs
    // overlapping readwrite transactions one at a time, so two tabs that both found nothing
    // above end with the first one's key, not one key each.
    return transact<DpopKeyPair>(name, 'readwrite', (store, done) => {
      const request = store.get(KEY);
      request.onsuccess = () => {
        if (isDpopKeyPair(request.result)) done(request.result);
        else {
          store.put(candidate, KEY);
          done(candidate);
        }
      };
    }).catch(() => candidate);
  };
  return {
    load(create) {
      pending ??= loadOrCreate(create).catch((error: unknown) => {
        pending = null;
        throw error;
      });
      return pending;
    },
  };
}

/**
 * DPoP-bound tokens in IndexedDB (the browser's default), shared by the origin's tabs and kept
 * across reloads; Bearer tokens in this page's memory only, since they work anywhere.
 *
 * @example
 * createAuthClient({ baseUrl, storage: indexedDbTokenStore({ databaseName: 'shop-auth' }) });
 */
export function indexedDbTokenStore(options: IndexedDbStoreOptions = {}): TokenStore {
  const name = options.databaseName ?? 'gatehouse-auth';
  let bearer: StoredTokens | null = null;
  return {
    async get() {
      if (bearer !== null) return bearer;
      const stored = await transact<unknown>(name, 'readonly', (store, done) => {
        const request = store.get(TOKENS);
        request.onsuccess = () => done(request.result);
      });
      const tokens = parseStoredTokens(stored);
      return tokens?.tokenType === 'DPoP' ? tokens : null;
    },
    async set(tokens) {
      bearer = tokens?.tokenType === 'Bearer' ? tokens : null;
      await transact<void>(name, 'readwrite', (store, done) => {
        if (tokens?.tokenType === 'DPoP') store.put(tokens, TOKENS);
        else store.delete(TOKENS);
        done(undefined);
      });
    },
  };
}
