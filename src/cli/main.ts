/** The `gatehouse` command line: dispatches to one module per command. */
import * as keysGenerate from './commands/keys-generate.js';
import * as keysRetire from './commands/keys-retire.js';
import * as keysRotate from './commands/keys-rotate.js';
import * as migrate from './commands/migrate.js';
import * as serve from './commands/serve.js';
import * as tokenDecode from './commands/token-decode.js';
import * as tokenVerify from './commands/token-verify.js';
import { type CliIo, type ExitCode, processIo, UsageError } from './io.js';

interface Command {
  readonly usage: string;
  run(args: readonly string[], io: CliIo): Promise<ExitCode>;
}

const COMMANDS: Record<string, Command> = {
  serve,
  migrate,
  'keys generate': keysGenerate,
  'keys rotate': keysRotate,
  'keys retire': keysRetire,
  'token decode': tokenDecode,
  'token verify': tokenVerify,
};

export const usage = `Gatehouse: authentication server and toolkit.

Usage:
${Object.values(COMMANDS)
  .map((c) => `  ${c.usage.split('\n')[0]}`)
  .join('\n')}
  gatehouse help [COMMAND]

Run 'gatehouse help keys generate' (or another command) for details.
`;

/**
 * Runs the CLI with `argv` (without node and script) and returns the exit code.
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2));
 */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<ExitCode> {
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    const command = COMMANDS[argv.slice(1, 3).join(' ')] ?? COMMANDS[argv[1] ?? ''];
    io.stdout(command?.usage ?? usage);
    return 0;
  }
  const name = argv[0] === 'serve' || argv[0] === 'migrate' ? argv[0] : argv.slice(0, 2).join(' ');
  const command = COMMANDS[name];
  if (command === undefined) {
    io.stderr(`error: unknown command '${argv.slice(0, 2).join(' ')}'\n\n${usage}`);
    return 2;
  }
  try {
    return await command.run(argv.slice(name.split(' ').length), io);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (
      error instanceof UsageError ||
      (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))
    ) {
      io.stderr(`error: ${(error as Error).message}\n\n${command.usage}`);
      return 2;
    }
    throw error;
  }
}
