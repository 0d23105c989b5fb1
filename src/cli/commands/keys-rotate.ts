/** `gatehouse keys rotate`: a new signing key in the database; running instances switch to it. */
import { parseArgs } from 'node:util';
import { isAuthError } from '../../core/errors.js';
import { isJwsAlgorithm, JWS_ALGORITHMS } from '../../jwt/algorithms.js';
import { exportJwk, generateJwtKey } from '../../jwt/keys.js';
import { configFromEnv } from '../../server/config.js';
import { openStorage } from '../../storage/open.js';
import { type CliIo, type ExitCode, UsageError } from '../io.js';

export const usage = `gatehouse keys rotate [--alg ES256]
  Stores a new signing key in the database (GATEHOUSE_DATABASE_URL=postgres://..., keys in the
  database). Every instance signs with it within GATEHOUSE_REVOCATION_SYNC_INTERVAL; older keys
  keep verifying until 'gatehouse keys retire --kid=KID' (wait one access-token lifetime first).
`;

export async function run(args: readonly string[], io: CliIo): Promise<ExitCode> {
  const { values } = parseArgs({ args: [...args], options: { alg: { type: 'string', default: 'ES256' } }, strict: true, allowPositionals: false });
  if (!isJwsAlgorithm(values.alg) || values.alg.startsWith('HS')) {
    throw new UsageError(`--alg must be an asymmetric algorithm: ${JWS_ALGORITHMS.filter((a) => !a.startsWith('HS')).join(', ')}`);
  }
  try {
    const config = configFromEnv(io.env);
    if (config.keysSource !== 'database') {
      io.stderr('keys live in the database only with GATEHOUSE_DATABASE_URL=postgres://... and no GATEHOUSE_SIGNING_KEYS; for a key file, use keys generate and edit the file\n');
      return 1;
    }
    const storage = await openStorage(config.database);
    try {
      const key = generateJwtKey(values.alg);
      await storage.stores.keys.addSigningKey({ kid: key.kid, privateJwk: JSON.stringify(exportJwk(key, { includePrivate: true })), createdAtMs: Date.now() });
      io.stdout(`new signing key ${key.kid} (${values.alg}); instances switch to it within ${config.revocationSyncSeconds} s\n`);
      return 0;
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
