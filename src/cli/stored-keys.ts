/**
 * What `keys rotate` and `keys retire` share: configuration from the environment, a check that
 * keys live in the database, the storage opened and always closed, and AuthErrors as exit 1.
 */
import { isAuthError } from '../core/index.js';
import type { SigningKeyStore } from '../jwt/index.js';
import { configFromEnv, type ServerConfig } from '../server/index.js';
import { openStorage } from '../storage/index.js';
import type { CliIo, ExitCode } from './io.js';

/** Runs `work` with the database's signing-key store. */
export async function withStoredKeys(
  io: CliIo,
  work: (keys: SigningKeyStore, config: ServerConfig) => Promise<ExitCode>,
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
      return await work(storage.stores.keys, config);
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
