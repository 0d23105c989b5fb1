/**
 * `gatehouse token verify (TOKEN | -) (--jwks FILE | --jwks-url URL | --secret-file FILE)`: exit 0
 * valid, 1 invalid, 2 when it cannot tell (bad arguments, no key file, no JWKS fetched).
 */
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
import { readTokenArgument } from '../token-input.js';
import { readableDates } from './token-decode.js';

export const usage = `gatehouse token verify (TOKEN | -) (--jwks FILE | --jwks-url URL | --secret-file FILE) [--aud A] [--iss I] [--alg HS256|HS384|HS512]
  Verifies signature and claims (exp required; iss and aud only with --iss and --aud). Exit 0 when
  valid, 1 with the error code when not, 2 when it cannot tell (bad arguments, a missing key file,
  a JWKS that could not be fetched). Revocation is not checked: the token of a logged-out session
  still verifies here until its exp.
  '-' reads the token from standard input (kept out of shell history).
  --jwks: a public JWKS, or the private file from 'keys generate' (only public parts are used).
  --jwks-url: fetches the JWKS over http(s), e.g. https://auth.example/.well-known/jwks.json
    (5 s timeout).
  --secret-file: an HMAC secret (one trailing newline is ignored); --alg picks HS256 (default), HS384 or HS512.
`;

/** How long --jwks-url waits for the whole answer. */
export const JWKS_FETCH_TIMEOUT_MS = 5_000;
/** A JWKS is a few keys: anything larger is not one. */
const JWKS_MAX_BYTES = 1 << 20;

/** Thrown when the JWKS at --jwks-url could not be had; exit 2 (the token was not judged). */
class JwksFetchError extends Error {
  override readonly name = 'JwksFetchError';
}

/** The --jwks-url argument as a URL, http(s) only. */
function parseJwksUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError('--jwks-url must be an absolute http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError('--jwks-url must be an absolute http:// or https:// URL');
  return url;
}

/** The JWKS text at `url`, within JWKS_FETCH_TIMEOUT_MS. Messages name the host, never userinfo. */
async function fetchJwksText(url: URL): Promise<string> {
  const where = `${url.protocol}//${url.host}${url.pathname}`;
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(JWKS_FETCH_TIMEOUT_MS),
    });
  } catch (error) {
    const timedOut = (error as Error).name === 'TimeoutError';
    throw new JwksFetchError(
      timedOut
        ? `no answer from ${where} within ${JWKS_FETCH_TIMEOUT_MS / 1000} s`
        : `cannot fetch ${where}: ${String((error as { cause?: { code?: unknown } }).cause?.code ?? (error as Error).message)}`,
    );
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new JwksFetchError(`${where} answered HTTP ${response.status}`);
  }
  const body = Buffer.from(await response.arrayBuffer());
  if (body.length > JWKS_MAX_BYTES)
    throw new JwksFetchError(`${where} sent more than ${JWKS_MAX_BYTES} bytes`);
  return body.toString('utf8');
}

export async function run(args: readonly string[], io: CliIo): Promise<ExitCode> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: {
      jwks: { type: 'string' },
      'jwks-url': { type: 'string' },
      'secret-file': { type: 'string' },
      aud: { type: 'string' },
      iss: { type: 'string' },
      alg: { type: 'string', default: 'HS256' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new UsageError("give exactly one TOKEN, or '-'");
  const secretFile = values['secret-file'];
  const sources = [values.jwks, values['jwks-url'], secretFile].filter((v) => v !== undefined);
  if (sources.length !== 1) {
    throw new UsageError('give exactly one of --jwks FILE, --jwks-url URL or --secret-file FILE');
  }
  const jwksUrl = values['jwks-url'] === undefined ? null : parseJwksUrl(values['jwks-url']);
  const alg = values.alg;
  if (alg !== 'HS256' && alg !== 'HS384' && alg !== 'HS512')
    throw new UsageError('--alg must be HS256, HS384 or HS512');
  const token = await readTokenArgument(positionals[0] as string, io);
  try {
    let keys: JwtKey[];
    if (values.jwks !== undefined || jwksUrl !== null) {
      const text =
        jwksUrl !== null
          ? await fetchJwksText(jwksUrl)
          : (await io.readFile(values.jwks as string)).toString('utf8');
      keys = importJwks(text).map((key) => (key.kind === 'private' ? publicKeyOf(key) : key));
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
    // Say what "valid" covered: iss and aud only when asked for, and never revocation, which
    // only the issuer knows (a token of a logged-out session verifies here until its exp).
    io.stdout(
      `  iss: ${values.iss === undefined ? 'not checked (no --iss)' : 'checked (--iss)'}\n` +
        `  aud: ${values.aud === undefined ? 'not checked (no --aud)' : 'checked (--aud)'}\n` +
        '  revocation: not checked (a token of an ended session verifies here until its exp; ' +
        'the issuer, its /v1/introspect and the middleware with followRevocations refuse it)\n',
    );
    io.stdout(`${JSON.stringify(readableDates(payload), null, 2)}\n`);
    return 0;
  } catch (error) {
    if (isAuthError(error)) {
      io.stderr(`invalid: ${error.code}: ${error.message}\n`);
      return 1;
    }
    if (error instanceof JwksFetchError) {
      io.stderr(`error: ${error.message}\n`);
      return 2;
    }
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      io.stderr('error: key file not found\n');
      return 2;
    }
    throw error;
  }
}
