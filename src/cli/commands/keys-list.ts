/**
 * `gatehouse keys list [--file FILE]`: the signing keys, by kid. Database-held keys with their
 * dates and state; a key file's kids and algorithms. Never a private part.
 */
import { parseArgs } from 'node:util';
import { isAuthError, systemClock } from '../../core/index.js';
import { importJwks, planSigningKey, signsFromOf } from '../../jwt/index.js';
import { configFromEnv } from '../../server/index.js';
import type { ExitCode } from '../io.js';
import { type KeysCliIo, showTime, withStoredKeys } from '../stored-keys.js';

export const usage = `gatehouse keys list [--file FILE]
  Lists the signing keys the server would use, per GATEHOUSE_* variables: keys in the database
  (GATEHOUSE_DATABASE_URL=postgres://..., no GATEHOUSE_SIGNING_KEYS) with their algorithm, when
  each was created and signs from, and whether it signs now (every stored key is published in the
  JWKS); or the kids and algorithms of the key file (GATEHOUSE_SIGNING_KEYS, or --file FILE).
  Prints no key material.
`;

/** One line per key of a JWKS file: kid and algorithm. */
async function listKeyFile(path: string, io: KeysCliIo): Promise<ExitCode> {
  let text: string;
  try {
    text = (await io.readFile(path)).toString('utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      io.stderr(`error: ${path} does not exist\n`);
      return 1;
    }
    throw error;
  }
  const keys = importJwks(text);
  io.stdout(`${keys.length} key${keys.length === 1 ? '' : 's'} in ${path}:\n`);
  for (const key of keys) io.stdout(`${key.kid}  ${key.alg}  ${key.kind}\n`);
  return 0;
}

/** The `alg` of a stored private JWK, read without importing (or printing) the key. */
function algOf(privateJwk: string): string {
  try {
    const alg = (JSON.parse(privateJwk) as { alg?: unknown }).alg;
    return typeof alg === 'string' ? alg : '?';
  } catch {
    return '?';
  }
}

export async function run(args: readonly string[], io: KeysCliIo): Promise<ExitCode> {
  const { values } = parseArgs({
    args: [...args],
    options: { file: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  try {
    if (values.file !== undefined) return await listKeyFile(values.file, io);
    const config = configFromEnv(io.env);
    if (config.keysSource === 'secret') {
      io.stdout('one HMAC secret (GATEHOUSE_JWT_SECRET): no key ids to list\n');
      return 0;
    }
    if (config.keysSource === 'file') return await listKeyFile(config.signingKeysPath, io);
  } catch (error) {
    if (isAuthError(error)) {
      io.stderr(`error: ${error.code}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  return withStoredKeys(io, async (keys) => {
    const stored = await keys.listSigningKeys();
    const nowMs = (io.clock ?? systemClock).nowMs();
    const signer = planSigningKey(stored, nowMs);
    io.stdout(`${stored.length} stored key${stored.length === 1 ? '' : 's'}, all published:\n`);
    io.stdout('KID  ALG  CREATED  SIGNS FROM  STATE\n');
    for (const key of stored) {
      const signsFromMs = signsFromOf(key);
      const state =
        key.kid === signer?.kid
          ? 'signing now'
          : signsFromMs > nowMs
            ? 'published, not signing yet'
            : 'verifies only (replaced)';
      io.stdout(
        `${key.kid}  ${algOf(key.privateJwk)}  ${showTime(key.createdAtMs)}  ${showTime(signsFromMs)}  ${state}\n`,
      );
    }
    return 0;
  });
}
