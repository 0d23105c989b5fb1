/** `gatehouse serve`: runs the server with configuration from the environment (README). */
import { parseArgs } from 'node:util';
import { isAuthError } from '../../core/index.js';
import { configFromEnv, startServer } from '../../server/index.js';
import type { CliIo, ExitCode } from '../io.js';

export const usage = `gatehouse serve
  Runs the auth server. Configuration comes from GATEHOUSE_* environment variables (see README);
  the default is a SQLite file in ./data and a generated ES256 key in ./data/signing-keys.json.
`;

export async function run(args: readonly string[], io: CliIo): Promise<ExitCode> {
  parseArgs({ args: [...args], options: {}, strict: true, allowPositionals: false });
  try {
    const config = configFromEnv(io.env);
    const server = await startServer(config);
    io.stderr(`gatehouse listening on ${server.address} (issuer ${config.issuer})\n`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        server.close().then(resolve, resolve);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    return 0;
  } catch (error) {
    if (isAuthError(error)) {
      io.stderr(`gatehouse cannot start: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
