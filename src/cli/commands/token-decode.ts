/** `gatehouse token decode TOKEN|-`: shows header and payload. Verifies nothing, and says so. */
import { parseArgs } from 'node:util';
import { isAuthError } from '../../core/index.js';
import { decodeJwtUnverified } from '../../jwt/index.js';
import { type CliIo, type ExitCode, UsageError } from '../io.js';
import { readTokenArgument } from '../token-input.js';

export const usage = `gatehouse token decode (TOKEN | -)
  Prints the header and payload of a JWT with dates made readable. '-' reads the token from
  standard input (kept out of shell history): gatehouse token decode - < token.txt
  NOTHING IS VERIFIED: anyone can write a token that decodes.
`;

const DATE_CLAIMS = ['exp', 'nbf', 'iat', 'auth_time'];

export function readableDates(payload: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(payload)) {
    out[name] =
      DATE_CLAIMS.includes(name) &&
      typeof value === 'number' &&
      Number.isFinite(value) &&
      Math.abs(value) < 1e11
        ? `${value} (${new Date(value * 1000).toISOString()})`
        : value;
  }
  return out;
}

export async function run(args: readonly string[], io: CliIo): Promise<ExitCode> {
  const { positionals } = parseArgs({
    args: [...args],
    options: {},
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new UsageError("give exactly one TOKEN, or '-'");
  const token = await readTokenArgument(positionals[0] as string, io);
  try {
    const { header, payload } = decodeJwtUnverified(token, 1 << 20);
    io.stdout('NOT VERIFIED: this shows what the token claims, not whether it is genuine.\n');
    io.stdout(`header:  ${JSON.stringify(header, null, 2)}\n`);
    io.stdout(`payload: ${JSON.stringify(readableDates(payload), null, 2)}\n`);
    return 0;
  } catch (error) {
    if (isAuthError(error)) {
      io.stderr(`error: ${error.code}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
