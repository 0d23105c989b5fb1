/**
 * Starts Gatehouse: storage, keys, the application, the listener, and a clean shutdown.
 */

import { systemClock } from '../core/index.js';
import { createDummyHash } from '../passwords/index.js';
import { openStorage } from '../storage/index.js';
import type { ServerConfig } from './config.js';
import { createServer } from './create-server.js';
import type { GatehouseApp } from './http.js';
import { prepareShutdown } from './shutdown.js';
import { loadServerKeys } from './signing-keys.js';

export interface RunningServer {
  readonly app: GatehouseApp;
  /** The address it listens on, e.g. http://127.0.0.1:3000. */
  readonly address: string;
  /**
   * Stops accepting, lets requests in flight finish for at most `config.shutdownTimeoutSeconds`,
   * closes every connection left, then the storage.
   */
  close(): Promise<void>;
}

/**
 * Opens storage, loads the keys and listens. When it cannot, what it opened is closed again.
 *
 * @throws AuthError ERR_CONFIG_INVALID or ERR_STORE_UNAVAILABLE when it cannot start; node's
 *   listen error (`code` EADDRINUSE, EACCES, EADDRNOTAVAIL, ENOTFOUND) when it cannot listen
 * @example
 * const server = await startServer(configFromEnv(process.env));
 */
export async function startServer(
  config: ServerConfig,
  options: { logger?: boolean } = {},
): Promise<RunningServer> {
  const storage = await openStorage(config.database, config.redis);
  let built: GatehouseApp | null = null;
  try {
    const { ring, created } = await loadServerKeys(config, storage.stores.keys, systemClock);
    const { app } = await createServer({
      config,
      stores: storage.stores,
      keyRing: ring,
      dummyHash: await createDummyHash(config.passwordParams),
      redis: storage.redis,
      logger: options.logger ?? true,
    });
    built = app;
    if (created)
      app.log.info(
        { keys: config.keysSource === 'file' ? config.signingKeysPath : config.keysSource },
        'generated a new ES256 signing key',
      );
    const closeWithin = prepareShutdown(app);
    const address = await app.listen({ port: config.port, host: config.host });
    return {
      app,
      address,
      async close() {
        await closeWithin(config.shutdownTimeoutSeconds * 1000);
        await storage.close();
      },
    };
  } catch (error) {
    // A port in use must not leave the revocation feed and the jobs of a server that never
    // listened holding the process open.
    await built?.close().catch(() => undefined);
    await storage.close();
    throw error;
  }
}
