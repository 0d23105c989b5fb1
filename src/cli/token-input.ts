/** The TOKEN argument of the token commands: given inline, or `-` for standard input. */
import { type CliIo, UsageError } from './io.js';

/**
 * The token named by `argument`, trimmed: read from standard input when it is `-`.
 *
 * @throws UsageError when standard input holds no token
 * @example const token = await readTokenArgument(positionals[0], io);
 */
export async function readTokenArgument(argument: string, io: CliIo): Promise<string> {
  if (argument !== '-') return argument.trim();
  const token = (await io.readStdin()).trim();
  if (token === '') throw new UsageError('no token on standard input');
  return token;
}
