/** `gatehouse keys retire --kid=KID`: removes an old key from the database (it stops verifying). */
import { parseArgs } from 'node:util';
import { isAuthError } from '../../core/errors.js';
import { configFromEnv } from '../../server/config.js';
import { openStorage } from '../../storage/open.js';
import { type CliIo, type ExitCode, UsageError } from '../io.js';

export const usage = `gatehouse keys retire --kid=KID
  Removes a signing key that is no longer the newest from the database. Tokens it signed stop
  verifying on every instance: wait at least one access-token lifetime after the rotation.
  Write --kid=KID with '=': a kid (an RFC 7638 thumbprint) may begin with '-'.
`;

export async function run(args: readonly string[], io: CliIo): Promise<ExitCode> {
  const { values } = parseArgs({ args: [...args], options: { kid: { type: 'string' } }, strict: true, allowPositionals: false });
  if (values.kid === undefined) throw new UsageError('--kid KID is required');
  try {
    const config = configFromEnv(io.env);
    if (config.keysSource !== 'database') {
      io.stderr('keys live in the database only with GATEHOUSE_DATABASE_URL=postgres://... and no GATEHOUSE_SIGNING_KEYS\n');
      return 1;
    }
    const storage = await openStorage(config.database);
    try {
      const keys = await storage.stores.keys.listSigningKeys();
      if (keys[0]?.kid === values.kid) {
        io.stderr('refused: that is the newest key, the one that signs; rotate first\n');
        return 1;
      }
      if (!(await storage.stores.keys.removeSigningKey(values.kid))) {
        io.stderr('no stored key has that kid\n');
        return 1;
      }
      io.stdout(`retired ${values.kid}\n`);
      return 0;
    } finally {
      await storage.close();
    }
  } catch (error) {
    if (isAuthError(error)) {
      io.stderr(`error: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
