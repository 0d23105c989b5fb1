/**
 * The server's signing keys: an HS256 secret from configuration, a private JWKS file (the format
 * `gatehouse keys generate` writes), or the database. When the file does not exist, one ES256 key
 * is generated and written with mode 0600, so a restart keeps the keys and the tokens stay valid.
 * In the database, the first instance to start stores the initial key and every other instance
 * uses it (no instance invents its own); a rotated key is loaded (and published) at once but
 * signs only from its `signsFromMs` (jwt/key-store.ts).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock } from '../core/index.js';
import { AuthError } from '../core/index.js';
import type { SigningKeyStore } from '../jwt/index.js';
import {
  createKeyRing,
  exportJwk,
  generateJwtKey,
  importHmacSecret,
  importJwk,
  importJwks,
  type KeyRing,
  planSigningKey,
} from '../jwt/index.js';
import type { ServerConfig } from './config.js';

/**
 * Loads (or creates) the key ring for the configuration.
 *
 * @throws AuthError ERR_CONFIG_INVALID when the keys cannot be read or hold no signing key;
 *   ERR_STORE_UNAVAILABLE when the database cannot be reached
 */
export async function loadServerKeys(
  config: Pick<ServerConfig, 'jwtSecret' | 'signingKeysPath' | 'keysSource'>,
  store: SigningKeyStore,
  clock: Clock,
): Promise<{ ring: KeyRing; created: boolean }> {
  if (config.keysSource !== 'database') return loadSigningKeys(config);
  let created = false;
  if ((await store.listSigningKeys()).length === 0) {
    const key = generateJwtKey('ES256');
    created = await store.addInitialSigningKey({
      kid: key.kid,
      privateJwk: JSON.stringify(exportJwk(key, { includePrivate: true })),
      createdAtMs: clock.nowMs(),
    });
  }
  const stored = await store.listSigningKeys();
  try {
    const signerKid = planSigningKey(stored, clock.nowMs())?.kid;
    const keys = stored.map((row) => importJwk(JSON.parse(row.privateJwk)));
    const signer = keys.find((key) => key.kid === signerKid);
    if (signer === undefined || signer.kind === 'public')
      throw new AuthError('ERR_CONFIG_INVALID', 'no private signing key');
    return {
      ring: createKeyRing({
        signingKey: signer,
        verificationKeys: keys.filter((key) => key !== signer),
      }),
      created,
    };
  } catch (error) {
    throw new AuthError(
      'ERR_CONFIG_INVALID',
      `stored signing keys: ${error instanceof AuthError ? error.message : 'unreadable'}`,
    );
  }
}

/**
 * Loads (or creates) the key ring from a secret or a file.
 *
 * @throws AuthError ERR_CONFIG_INVALID when the file cannot be read or holds no signing key
 */
export function loadSigningKeys(config: Pick<ServerConfig, 'jwtSecret' | 'signingKeysPath'>): {
  ring: KeyRing;
  created: boolean;
} {
  if (config.jwtSecret !== null) {
    return {
      ring: createKeyRing({
        signingKey: importHmacSecret(config.jwtSecret, 'HS256', { kid: 'hs256' }),
      }),
      created: false,
    };
  }
  let text: string | null = null;
  try {
    text = readFileSync(config.signingKeysPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new AuthError('ERR_CONFIG_INVALID', 'GATEHOUSE_SIGNING_KEYS cannot be read');
    }
  }
  if (text === null) {
    const key = generateJwtKey('ES256');
    mkdirSync(dirname(config.signingKeysPath), { recursive: true, mode: 0o700 });
    writeFileSync(
      config.signingKeysPath,
      `${JSON.stringify({ keys: [exportJwk(key, { includePrivate: true })] }, null, 2)}\n`,
      {
        mode: 0o600,
        flag: 'wx',
      },
    );
    return { ring: createKeyRing({ signingKey: key }), created: true };
  }
  let keys: ReturnType<typeof importJwks>;
  try {
    keys = importJwks(text);
  } catch (error) {
    throw new AuthError(
      'ERR_CONFIG_INVALID',
      `GATEHOUSE_SIGNING_KEYS: ${error instanceof AuthError ? error.message : 'unreadable'}`,
    );
  }
  const [first, ...rest] = keys;
  if (first === undefined || first.kind === 'public') {
    throw new AuthError(
      'ERR_CONFIG_INVALID',
      'GATEHOUSE_SIGNING_KEYS: the first key must be a private key (it signs)',
    );
  }
  return { ring: createKeyRing({ signingKey: first, verificationKeys: rest }), created: false };
}

/**
 * Brings a running ring up to date with the stored keys (after `gatehouse keys rotate` or
 * `retire` on any machine): new keys are added (so published) at once, the newest key whose
 * `signsFromMs` has come signs, retired keys are removed. Returns true when the ring changed.
 *
 * @throws AuthError ERR_STORE_UNAVAILABLE when the database cannot be read
 * @example
 * await reloadServerKeys(context.keyRing, stores.keys, clock.nowMs());
 */
export async function reloadServerKeys(
  ring: KeyRing,
  store: SigningKeyStore,
  nowMs: number,
): Promise<boolean> {
  const stored = await store.listSigningKeys();
  const signer = planSigningKey(stored, nowMs);
  if (signer === undefined) return false;
  let changed = false;
  for (const row of stored) {
    if (ring.get(row.kid) !== undefined) continue;
    ring.add(importJwk(JSON.parse(row.privateJwk)));
    changed = true;
  }
  if (ring.signingKey()?.kid !== signer.kid) {
    ring.setSigningKey(signer.kid);
    changed = true;
  }
  const kept = new Set(stored.map((row) => row.kid));
  for (const key of ring.list()) {
    if (!kept.has(key.kid)) {
      ring.remove(key.kid);
      changed = true;
    }
  }
  return changed;
}
