/** `gatehouse token verify TOKEN (--jwks FILE | --secret-file FILE)`: exit 0 valid, 1 invalid. */
import { parseArgs } from 'node:util';
import { isAuthError } from '../../core/index.js';
import {
  createJwtVerifier,
  decodeJwtUnverified,
  importHmacSecret,
  importJwks,
  type JwtKey,
  publicKeyOf,
} from '../../jwt/index.js';
import { type CliIo, type ExitCode, UsageError } from '../io.js';
import { readableDates } from './token-decode.js';

export const usage = `gatehouse token verify TOKEN (--jwks FILE | --secret-file FILE) [--aud A] [--iss I] [--alg HS256|HS384|HS512]
  Verifies signature and claims (exp required). Exit 0 when valid, 1 with the error code when not.
  --jwks: a public JWKS, or the private file from 'keys generate' (only public parts are used).
  --secret-file: an HMAC secret (one trailing newline is ignored); --alg picks HS256 (default), HS384 or HS512.
`;

export async function run(args: readonly string[], io: CliIo): Promise<ExitCode> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: {
      jwks: { type: 'string' },
      'secret-file': { type: 'string' },
      aud: { type: 'string' },
      iss: { type: 'string' },
      alg: { type: 'string', default: 'HS256' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new UsageError('give exactly one TOKEN');
  const secretFile = values['secret-file'];
  if ((values.jwks === undefined) === (secretFile === undefined)) {
    throw new UsageError('give exactly one of --jwks FILE or --secret-file FILE');
  }
  const alg = values.alg;
  if (alg !== 'HS256' && alg !== 'HS384' && alg !== 'HS512')
    throw new UsageError('--alg must be HS256, HS384 or HS512');
  const token = (positionals[0] as string).trim();
  try {
    let keys: JwtKey[];
    if (values.jwks !== undefined) {
      keys = importJwks((await io.readFile(values.jwks)).toString('utf8')).map((key) =>
        key.kind === 'private' ? publicKeyOf(key) : key,
      );
    } else {
      let secret = await io.readFile(secretFile as string);
      if (secret.at(-1) === 0x0a) secret = secret.subarray(0, secret.at(-2) === 0x0d ? -2 : -1);
      // One secret, one algorithm: it answers to whatever kid the token names (a label, not a lookup).
      const kid = decodeJwtUnverified(token, 1 << 20).header.kid;
      keys = [
        importHmacSecret(secret, alg, {
          kid: typeof kid === 'string' && kid !== '' ? kid : 'secret-file',
        }),
      ];
    }
    const verifier = createJwtVerifier({
      keys,
      ...(values.aud === undefined ? {} : { audience: values.aud }),
      ...(values.iss === undefined ? {} : { issuer: values.iss }),
    });
    const { header, payload } = verifier.verify(token);
    io.stdout(
      `valid: signature and claims verified (alg ${header.alg}, kid ${String(header.kid ?? '-')})\n`,
    );
    io.stdout(`${JSON.stringify(readableDates(payload), null, 2)}\n`);
    return 0;
  } catch (error) {
    if (isAuthError(error)) {
      io.stderr(`invalid: ${error.code}: ${error.message}\n`);
      return 1;
    }
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      io.stderr('error: key file not found\n');
      return 2;
    }
    throw error;
  }
}
