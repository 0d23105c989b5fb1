/** `gatehouse keys generate --alg ALG --out FILE`: a private JWKS file, mode 0600. */
import { parseArgs } from 'node:util';
import { exportJwk, generateJwtKey, isJwsAlgorithm, JWS_ALGORITHMS } from '../../jwt/index.js';
import { type CliIo, type ExitCode, UsageError } from '../io.js';

export const usage = `gatehouse keys generate --alg ALG --out FILE [--kid KID] [--force]
  Writes a private JWKS file (mode 0600) holding one new signing key.
  ALG: ${JWS_ALGORITHMS.join(', ')} (default ES256). The kid defaults to the RFC 7638 thumbprint.
  The file is never overwritten unless --force is given.
`;

export async function run(args: readonly string[], io: CliIo): Promise<ExitCode> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      alg: { type: 'string', default: 'ES256' },
      out: { type: 'string' },
      kid: { type: 'string' },
      force: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.out === undefined) throw new UsageError('--out FILE is required');
  if (!isJwsAlgorithm(values.alg))
    throw new UsageError(`--alg must be one of ${JWS_ALGORITHMS.join(', ')}`);
  const key = generateJwtKey(values.alg, values.kid === undefined ? {} : { kid: values.kid });
  const jwks = { keys: [exportJwk(key, { includePrivate: true })] };
  try {
    await io.writeFile(values.out, `${JSON.stringify(jwks, null, 2)}\n`, {
      mode: 0o600,
      overwrite: values.force,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      io.stderr(`error: ${values.out} exists; use --force to replace it\n`);
      return 1;
    }
    throw error;
  }
  io.stdout(`wrote ${values.alg} key ${key.kid} to ${values.out} (mode 0600)\n`);
  return 0;
}
