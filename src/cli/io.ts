/** What a CLI command may touch: injected so commands are tested without a real terminal or disk. */
import { readFile, writeFile } from 'node:fs/promises';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readFile(path: string): Promise<Buffer>;
  /** Writes a new file with the given mode; fails if it exists unless `overwrite`. */
  writeFile(
    path: string,
    data: string,
    options: { mode: number; overwrite: boolean },
  ): Promise<void>;
  env: Readonly<Record<string, string | undefined>>;
}

/** Exit codes: 0 success, 1 the operation said no (e.g. invalid token), 2 bad usage. */
export type ExitCode = 0 | 1 | 2;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readFile: (path) => readFile(path),
  writeFile: (path, data, { mode, overwrite }) =>
    writeFile(path, data, { mode, flag: overwrite ? 'w' : 'wx' }),
  env: process.env,
};
