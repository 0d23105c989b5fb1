/** `gatehouse serve`: runs the server with configuration from the environment (README). */
import { parseArgs } from 'node:util';
import { isAuthError } from '../../core/index.js';
import {
  configFromEnv,
  configWarnings,
  type RunningServer,
  type ServerConfig,
  startServer,
} from '../../server/index.js';
import type { CliIo, ExitCode } from '../io.js';

export const usage = `gatehouse serve
  Runs the auth server. Configuration comes from GATEHOUSE_* environment variables (see README);
  the default is a SQLite file in ./data and a generated ES256 key in ./data/signing-keys.json.
`;

/**
 * What to change when the server cannot listen, in one line; null for any other failure. Node's
 * listen errors name the syscall and the address, not the variable that chose them.
 */
function listenProblem(error: unknown, config: ServerConfig): string | null {
  const { code, syscall } = (error ?? {}) as { code?: unknown; syscall?: unknown };
  switch (code) {
    case 'EADDRINUSE':
      return `port ${config.port} is in use on ${config.host}: stop what listens there, or set GATEHOUSE_PORT to a free port`;
    case 'EACCES':
      return `port ${config.port} needs privileges this process lacks: set GATEHOUSE_PORT above 1023 (and put a proxy on ${config.port})`;
    case 'EADDRNOTAVAIL':
      return `GATEHOUSE_HOST=${config.host} is not an address of this machine: use one of its addresses, or 0.0.0.0 for all`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return syscall === 'getaddrinfo'
        ? `GATEHOUSE_HOST=${config.host} does not resolve to an address: use an IP address, localhost, or 0.0.0.0`
        : null;
    default:
      return null;
  }
}

export async function run(args: readonly string[], io: CliIo): Promise<ExitCode> {
  parseArgs({ args: [...args], options: {}, strict: true, allowPositionals: false });
  try {
    const config = configFromEnv(io.env);
    for (const warning of configWarnings(io.env, config))
      io.stderr(`gatehouse warning: ${warning}\n`);
    let server: RunningServer;
    try {
      server = await startServer(config);
    } catch (error) {
      const problem = listenProblem(error, config);
      if (problem === null) throw error;
      io.stderr(`gatehouse cannot start: ${problem}\n`);
      return 1;
    }
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
