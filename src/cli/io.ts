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
  /**
   * All of standard input as UTF-8, for a token given as `-` (kept out of shell history and
   * `ps`). Refuses more than STDIN_MAX_BYTES: a JWT is never that long.
   */
  readStdin(): Promise<string>;
  env: Readonly<Record<string, string | undefined>>;
}

/** The most `readStdin` reads: 1 MiB, the bound `token decode` puts on a token. */
export const STDIN_MAX_BYTES = 1 << 20;

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
  async readStdin() {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of process.stdin) {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      size += bytes.length;
      if (size > STDIN_MAX_BYTES)
        throw new UsageError(`standard input holds more than ${STDIN_MAX_BYTES} bytes`);
      chunks.push(bytes);
    }
    return Buffer.concat(chunks).toString('utf8');
  },
  env: process.env,
};
