/** `gatehouse keys retire --kid=KID`: removes an old key from the database (it stops verifying). */
import { parseArgs } from 'node:util';
import { checkRetirement } from '../../jwt/index.js';
import { type ExitCode, UsageError } from '../io.js';
import { type KeysCliIo, showTime, withStoredKeys } from '../stored-keys.js';

export const usage = `gatehouse keys retire --kid=KID [--force]
  Removes a signing key from the database; tokens it signed stop verifying on every instance.
  Refused while the key signs, and while tokens it signed may still be valid: until one
  access-token lifetime (GATEHOUSE_ACCESS_TOKEN_TTL: run with the instances' value) and one sync
  tick after the next key began signing. --force retires it anyway (after a leak), except the key
  that signs now: rotate first ('gatehouse keys rotate --delay=0').
  Write --kid=KID with '=': a kid (an RFC 7638 thumbprint) may begin with '-'.
`;

export async function run(args: readonly string[], io: KeysCliIo): Promise<ExitCode> {
  const { values } = parseArgs({
    args: [...args],
    options: { kid: { type: 'string' }, force: { type: 'boolean', default: false } },
    strict: true,
    allowPositionals: false,
  });
  if (values.kid === undefined) throw new UsageError('--kid=KID is required');
  const kid = values.kid;
  const force = values.force;
  return withStoredKeys(io, async (keys, config, clock) => {
    const check = checkRetirement(await keys.listSigningKeys(), kid, clock.nowMs(), {
      accessTokenTtlMs: config.accessTokenTtlSeconds * 1000,
      syncIntervalMs: config.revocationSyncSeconds * 1000,
    });
    switch (check.verdict) {
      case 'unknown':
        io.stderr('no stored key has that kid\n');
        return 1;
      case 'signing':
        io.stderr(
          'refused: that is the key that signs now; rotate first (gatehouse keys rotate, or --delay=0 after a leak)\n',
        );
        return 1;
      case 'wait':
        if (!force) {
          io.stderr(
            `refused: tokens signed by that key may be valid until ${showTime(check.untilMs)} (the next key began signing at ${showTime(check.replacedAtMs)}; access tokens live ${config.accessTokenTtlSeconds} s); retry then, or pass --force to make them fail now\n`,
          );
          return 1;
        }
        break;
      case 'retire':
        break;
    }
    if (!(await keys.removeSigningKey(kid))) {
      io.stderr('no stored key has that kid\n');
      return 1;
    }
    io.stdout(
      `retired ${kid}${check.verdict === 'wait' ? ' (forced: tokens it signed fail from the next sync tick)' : ''}\n`,
    );
    return 0;
  });
}
