/** The `gatehouse` command line: dispatches to one module per command. */
import { readFileSync } from 'node:fs';
import * as clients from './commands/clients.js';
import * as eventsList from './commands/events-list.js';
import * as keysGenerate from './commands/keys-generate.js';
import * as keysList from './commands/keys-list.js';
import * as keysRetire from './commands/keys-retire.js';
import * as keysRotate from './commands/keys-rotate.js';
import * as migrate from './commands/migrate.js';
import * as serve from './commands/serve.js';
import * as tokenDecode from './commands/token-decode.js';
import * as tokenVerify from './commands/token-verify.js';
import * as users from './commands/users.js';
import * as usersSetRole from './commands/users-set-role.js';
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
  'keys list': keysList,
  'token decode': tokenDecode,
  'token verify': tokenVerify,
  'events list': eventsList,
  'clients add': clients.add,
  'clients list': clients.list,
  'clients show': clients.show,
  'clients rotate-secret': clients.rotateSecret,
  'clients remove': clients.remove,
  'users list': users.list,
  'users show': users.show,
  'users disable': users.disable,
  'users enable': users.enable,
  'users sign-out': users.signOut,
  'users delete': users.remove,
  'users set-role': usersSetRole,
};

export const usage = `Gatehouse: authentication server and toolkit.

Usage:
${Object.values(COMMANDS)
  .map((c) => `  ${c.usage.split('\n')[0]}`)
  .join('\n')}
  gatehouse help [COMMAND]
  gatehouse --version

Run 'gatehouse help keys generate' (or 'gatehouse keys generate --help') for details.
`;

/** The package version (package.json sits two levels up from src/cli and from dist/cli). */
export function version(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

/** The subcommands of a group (`keys`, `token`), as a usage text; null for no such group. */
function groupUsage(group: string): string | null {
  const members = Object.entries(COMMANDS).filter(([name]) => name.startsWith(`${group} `));
  if (members.length === 0) return null;
  return `gatehouse ${group}: ${members.map(([name]) => name.slice(group.length + 1)).join(', ')}

Usage:
${members.map(([, c]) => `  ${c.usage.split('\n')[0]}`).join('\n')}
`;
}

const HELP = new Set(['--help', '-h']);

/**
 * Runs the CLI with `argv` (without node and script) and returns the exit code.
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2));
 */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<ExitCode> {
  if (argv[0] === '--version' || argv[0] === '-v' || argv[0] === 'version') {
    io.stdout(`${version()}\n`);
    return 0;
  }
  if (argv.length === 0 || argv[0] === 'help' || HELP.has(argv[0] ?? '')) {
    const topic = argv.slice(1);
    const command = COMMANDS[topic.slice(0, 2).join(' ')] ?? COMMANDS[topic[0] ?? ''];
    io.stdout(command?.usage ?? groupUsage(topic[0] ?? '') ?? usage);
    return 0;
  }
  const name = argv[0] === 'serve' || argv[0] === 'migrate' ? argv[0] : argv.slice(0, 2).join(' ');
  const command = COMMANDS[name];
  if (command === undefined) {
    const group = groupUsage(argv[0] ?? '');
    if (group !== null && (argv.length === 1 || HELP.has(argv[1] ?? ''))) {
      // `gatehouse keys` alone lists what it can do; asked for help, that is the answer.
      if (argv.length === 1) io.stderr(group);
      else io.stdout(group);
      return argv.length === 1 ? 2 : 0;
    }
    io.stderr(`error: unknown command '${argv.slice(0, 2).join(' ')}'\n\n${usage}`);
    return 2;
  }
  const rest = argv.slice(name.split(' ').length);
  // `--help` anywhere before a `--` asks for this command's usage, whatever else was given.
  const beforeDashes = rest.indexOf('--') === -1 ? rest : rest.slice(0, rest.indexOf('--'));
  if (beforeDashes.some((a) => HELP.has(a))) {
    io.stdout(command.usage);
    return 0;
  }
  try {
    return await command.run(rest, io);
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
