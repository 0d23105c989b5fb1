/** `gatehouse users set-role EMAIL ROLE [--remove]`: gives a user a role, or takes it away. */
import { parseArgs } from 'node:util';
import { ROLE_NAME } from '../../clients/index.js';
import { type ExitCode, UsageError } from '../io.js';
import { type StorageCliIo, withStorage } from '../with-storage.js';

export const usage = `gatehouse users set-role EMAIL ROLE [--remove]
  Gives the user with that email ROLE (letters, digits, _ . : -), or with --remove takes it away,
  and prints the user's roles. The scopes a role opens are configured with GATEHOUSE_ROLE_SCOPES;
  tokens issued from now on carry them (a refresh drops scopes of a role taken away; new ones
  need a new sign-in).
`;

export async function run(args: readonly string[], io: StorageCliIo): Promise<ExitCode> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: { remove: { type: 'boolean', default: false } },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length !== 2) throw new UsageError('give EMAIL and ROLE');
  const [emailText, role] = positionals as [string, string];
  if (!ROLE_NAME.test(role))
    throw new UsageError('ROLE must be 1 to 64 of letters, digits, _ . : -');
  // The stored form (accounts/email.ts normaliseEmail): trimmed, NFKC, lower-cased.
  const email = emailText.trim().normalize('NFKC').toLowerCase();
  if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw new UsageError('EMAIL is not an email address');
  return withStorage(io, async (stores, config, clock) => {
    const user = await stores.accounts.findUserByEmail(email);
    if (user === null) {
      io.stderr('error: no user has that email\n');
      return 1;
    }
    const changed = values.remove
      ? await stores.roles.removeUserRole(user.id, role)
      : await stores.roles.addUserRole(user.id, role, clock.nowMs());
    const roles = await stores.roles.listUserRoles(user.id);
    const unknown = !values.remove && !Object.hasOwn(config.roleScopes, role);
    io.stdout(
      `${email}: ${values.remove ? (changed ? 'removed' : 'did not have') : changed ? 'given' : 'already had'} ${role}; roles: ${roles.join(' ') || '-'}\n`,
    );
    if (unknown) io.stderr(`note: GATEHOUSE_ROLE_SCOPES gives ${role} no scopes\n`);
    return 0;
  });
}
