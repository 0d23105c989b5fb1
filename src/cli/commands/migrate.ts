/** `gatehouse migrate`: applies pending database migrations and exits (the server also migrates on start). */
import { parseArgs } from 'node:util';
import { isAuthError } from '../../core/index.js';
import { configFromEnv } from '../../server/index.js';
import { openStorage } from '../../storage/index.js';
import type { CliIo, ExitCode } from '../io.js';

export const usage = `gatehouse migrate
  Applies pending migrations to GATEHOUSE_DATABASE_URL (sqlite:PATH or postgres://...) and exits.
  Safe to run while instances start: PostgreSQL migrations run under an advisory lock.
`;

export async function run(args: readonly string[], io: CliIo): Promise<ExitCode> {
  parseArgs({ args: [...args], options: {}, strict: true, allowPositionals: false });
  try {
    const storage = await openStorage(configFromEnv(io.env).database);
    await storage.close();
    io.stdout(
      storage.applied.length === 0
        ? 'database is up to date\n'
        : `applied: ${storage.applied.join(', ')}\n`,
    );
    return 0;
  } catch (error) {
    if (isAuthError(error)) {
      io.stderr(`migration failed: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
