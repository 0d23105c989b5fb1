/**
 * What `keys rotate` and `keys retire` share: configuration from the environment, a check that
 * keys live in the database, the storage opened and always closed, the clock, and AuthErrors as
 * exit 1.
 */
import { type Clock, isAuthError, systemClock } from '../core/index.js';
import type { SigningKeyStore } from '../jwt/index.js';
import { configFromEnv, type ServerConfig } from '../server/index.js';
import { openStorage } from '../storage/index.js';
import type { CliIo, ExitCode } from './io.js';

/**
 * The io of the key commands: the CLI's, plus the clock that dates a rotation and judges a
 * retirement (the system clock unless a test gives the instances' own).
 */
export interface KeysCliIo extends CliIo {
  readonly clock?: Clock;
}

/**
 * Runs `work` with the database's signing-key store.
 *
 * @example
 * return withStoredKeys(io, async (keys, config, clock) => { ... return 0; });
 */
export async function withStoredKeys(
  io: KeysCliIo,
  work: (keys: SigningKeyStore, config: ServerConfig, clock: Clock) => Promise<ExitCode>,
): Promise<ExitCode> {
  try {
    const config = configFromEnv(io.env);
    if (config.keysSource !== 'database') {
      io.stderr(
        'keys live in the database only with GATEHOUSE_DATABASE_URL=postgres://... and no GATEHOUSE_SIGNING_KEYS; for a key file, use keys generate and edit the file\n',
      );
      return 1;
    }
    const storage = await openStorage(config.database);
    try {
      return await work(storage.stores.keys, config, io.clock ?? systemClock);
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

/** A time for people: ISO 8601 in UTC, to the second. */
export function showTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
