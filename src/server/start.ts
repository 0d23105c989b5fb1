/**
 * Starts Gatehouse: storage, keys, the application, the listener, and a clean shutdown.
 */

import { systemClock } from '../core/clock.js';
import { createDummyHash } from '../passwords/hash.js';
import type { RevocationList } from '../revocation/list.js';
import { openStorage, type RedisHandle, startRevocationFeed } from '../storage/index.js';
import { buildApp, type GatehouseApp } from './app.js';
import type { ServerConfig } from './config.js';
import { loadServerKeys } from './keys.js';

export interface RunningServer {
  readonly app: GatehouseApp;
  /** The address it listens on, e.g. http://127.0.0.1:3000. */
  readonly address: string;
  close(): Promise<void>;
}

/**
 * Opens storage, loads the keys and listens.
 *
 * @throws AuthError ERR_CONFIG_INVALID or ERR_STORE_UNAVAILABLE when it cannot start
 */
export async function startServer(
  config: ServerConfig,
  options: { logger?: boolean } = {},
): Promise<RunningServer> {
  const storage = await openStorage(config.database, config.redis);
  try {
    const { ring, created } = await loadServerKeys(config, storage.stores.keys, systemClock);
    const { app } = await buildApp({
      config,
      stores: storage.stores,
      keyRing: ring,
      dummyHash: await createDummyHash(config.passwordParams),
      logger: options.logger ?? true,
      ...(storage.redis === null
        ? {}
        : {
            startRevocationFeed: (list: RevocationList) =>
              startRevocationFeed(
                (storage.redis as RedisHandle).redis,
                `${(storage.redis as RedisHandle).prefix}revocations`,
                list,
              ),
          }),
    });
    if (created)
      app.log.info(
        { keys: config.keysSource === 'file' ? config.signingKeysPath : config.keysSource },
        'generated a new ES256 signing key',
      );
    const address = await app.listen({ port: config.port, host: config.host });
    return {
      app,
      address,
      async close() {
        await app.close();
        await storage.close();
      },
    };
  } catch (error) {
    await storage.close();
    throw error;
  }
}
