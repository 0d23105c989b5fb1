/** `gatehouse keys rotate`: a new signing key in the database; running instances switch to it. */
import { parseArgs } from 'node:util';
import { systemClock } from '../../core/index.js';
import { exportJwk, generateJwtKey, isJwsAlgorithm, JWS_ALGORITHMS } from '../../jwt/index.js';
import { type CliIo, type ExitCode, UsageError } from '../io.js';
import { withStoredKeys } from '../stored-keys.js';

export const usage = `gatehouse keys rotate [--alg ES256]
  Stores a new signing key in the database (GATEHOUSE_DATABASE_URL=postgres://..., keys in the
  database). Every instance signs with it within GATEHOUSE_REVOCATION_SYNC_INTERVAL; older keys
  keep verifying until 'gatehouse keys retire --kid=KID' (wait one access-token lifetime first).
`;

export async function run(args: readonly string[], io: CliIo): Promise<ExitCode> {
  const { values } = parseArgs({
    args: [...args],
    options: { alg: { type: 'string', default: 'ES256' } },
    strict: true,
    allowPositionals: false,
  });
  if (!isJwsAlgorithm(values.alg) || values.alg.startsWith('HS')) {
    throw new UsageError(
      `--alg must be an asymmetric algorithm: ${JWS_ALGORITHMS.filter((a) => !a.startsWith('HS')).join(', ')}`,
    );
  }
  const alg = values.alg;
  return withStoredKeys(io, async (keys, config) => {
    const key = generateJwtKey(alg);
    await keys.addSigningKey({
      kid: key.kid,
      privateJwk: JSON.stringify(exportJwk(key, { includePrivate: true })),
      createdAtMs: systemClock.nowMs(),
    });
    io.stdout(
      `new signing key ${key.kid} (${alg}); instances switch to it within ${config.revocationSyncSeconds} s\n`,
    );
    return 0;
  });
}
