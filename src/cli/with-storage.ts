/**
 * What the registry commands (`clients ...`, `users set-role`) share: configuration from the
 * environment, the storage opened (and migrated) and always closed, the clock, and AuthErrors as
 * exit 1 with their message (which never carries a secret).
 */
import { type Clock, isAuthError, systemClock } from '../core/index.js';
import { configFromEnv, type ServerConfig } from '../server/index.js';
import { openStorage, type Stores } from '../storage/index.js';
import type { CliIo, ExitCode } from './io.js';

/** The io of these commands: the CLI's, plus a clock (the system clock unless a test gives one). */
export interface StorageCliIo extends CliIo {
  readonly clock?: Clock;
}

/**
 * Runs `work` with the stores of GATEHOUSE_DATABASE_URL.
 *
 * @example return withStorage(io, async (stores) => { ... return 0; });
 */
export async function withStorage(
  io: StorageCliIo,
  work: (stores: Stores, config: ServerConfig, clock: Clock) => Promise<ExitCode>,
  options: {
    /**
     * Open GATEHOUSE_REDIS_URL too when it is set (cookie sessions live there): for commands that
     * end a user's sessions.
     */
    readonly redis?: boolean;
  } = {},
): Promise<ExitCode> {
  try {
    const config = configFromEnv(io.env);
    const storage = await openStorage(
      config.database,
      options.redis === true ? config.redis : null,
    );
    try {
      return await work(storage.stores, config, io.clock ?? systemClock);
    } finally {
      await storage.close();
    }
  } catch (error) {
    if (isAuthError(error)) {
      io.stderr(`error: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
