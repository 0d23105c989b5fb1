/** `gatehouse keys retire --kid=KID`: removes an old key from the database (it stops verifying). */
import { parseArgs } from 'node:util';
import { type CliIo, type ExitCode, UsageError } from '../io.js';
import { withStoredKeys } from '../stored-keys.js';

export const usage = `gatehouse keys retire --kid=KID
  Removes a signing key that is no longer the newest from the database. Tokens it signed stop
  verifying on every instance: wait at least one access-token lifetime after the rotation.
  Write --kid=KID with '=': a kid (an RFC 7638 thumbprint) may begin with '-'.
`;

export async function run(args: readonly string[], io: CliIo): Promise<ExitCode> {
  const { values } = parseArgs({
    args: [...args],
    options: { kid: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  if (values.kid === undefined) throw new UsageError('--kid=KID is required');
  const kid = values.kid;
  return withStoredKeys(io, async (keys) => {
    if ((await keys.listSigningKeys())[0]?.kid === kid) {
      io.stderr('refused: that is the newest key, the one that signs; rotate first\n');
      return 1;
    }
    if (!(await keys.removeSigningKey(kid))) {
      io.stderr('no stored key has that kid\n');
      return 1;
    }
    io.stdout(`retired ${kid}\n`);
    return 0;
  });
}
