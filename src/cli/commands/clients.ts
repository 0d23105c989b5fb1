/**
 * `gatehouse clients add | list | show | rotate-secret | remove`: the OAuth client registry in
 * GATEHOUSE_DATABASE_URL. A confidential client's secret is printed once, when it is made; only
 * its SHA-256 hash is stored. The built-in clients (gatehouse, gatehouse-client) have no row and
 * are listed as such.
 */
import { parseArgs } from 'node:util';
import {
  BUILT_IN_CLIENTS,
  type ClientRecord,
  type ClientType,
  createClientSecret,
  findClient,
  GRANT_TYPES,
  planClient,
  supportedScopes,
} from '../../clients/index.js';
import { systemRandom } from '../../core/index.js';
import { hashSecret } from '../../sessions/index.js';
import { type ExitCode, UsageError } from '../io.js';
import { type StorageCliIo, withStorage } from '../with-storage.js';

const describeClient = (c: ClientRecord) =>
  [
    `id: ${c.id}`,
    `name: ${c.name}`,
    `type: ${c.type}${c.builtIn === true ? ' (built in)' : ''}`,
    `grants: ${c.grantTypes.join(' ') || '-'}`,
    `scopes: ${c.scopes === null ? '(every configured scope)' : c.scopes.join(' ') || '-'}`,
    `redirect URIs: ${c.redirectUris.join(' ') || '-'}`,
    `post-logout redirect URIs: ${c.postLogoutRedirectUris.join(' ') || '-'}`,
    ...(c.builtIn === true ? [] : [`created: ${new Date(c.createdAtMs).toISOString()}`]),
    ...(c.builtIn === true || c.updatedAtMs === c.createdAtMs
      ? []
      : [`updated: ${new Date(c.updatedAtMs).toISOString()}`]),
  ].join('\n');

const oneId = (positionals: readonly string[]) => {
  if (positionals.length !== 1) throw new UsageError('give exactly one client id');
  return positionals[0] as string;
};

export const add = {
  usage: `gatehouse clients add --name NAME --type public|confidential [--redirect-uri URI]... [--post-logout-redirect-uri URI]... [--grant GRANT]... [--scope SCOPE]...
  Registers an OAuth client in GATEHOUSE_DATABASE_URL and prints its id; a confidential client's
  secret is printed once, now: store it, it cannot be shown again (rotate-secret makes a new one).
  --redirect-uri, --post-logout-redirect-uri: exact URIs (compared character for character):
    absolute, no fragment; https, or http only for localhost/127.0.0.1/[::1], or a private-use
    scheme for native apps (com.example.app:/callback, RFC 8252).
  --grant: ${GRANT_TYPES.join(', ')} (default: authorization_code refresh_token).
    The password grant is off unless named here.
  --scope: scopes the client may ask for, and its default; each must be configured
    (GATEHOUSE_USER_SCOPES or GATEHOUSE_ROLE_SCOPES) or be openid or email (OpenID Connect).
    Default: openid email for a client of the code flow, else none.
`,
  async run(args: readonly string[], io: StorageCliIo): Promise<ExitCode> {
    const { values } = parseArgs({
      args: [...args],
      options: {
        name: { type: 'string' },
        type: { type: 'string' },
        'redirect-uri': { type: 'string', multiple: true },
        'post-logout-redirect-uri': { type: 'string', multiple: true },
        grant: { type: 'string', multiple: true },
        scope: { type: 'string', multiple: true },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.name === undefined) throw new UsageError('--name is required');
    if (values.type !== 'public' && values.type !== 'confidential')
      throw new UsageError('--type must be public or confidential');
    const type: ClientType = values.type;
    const name = values.name;
    return withStorage(io, async (stores, config, clock) => {
      const { client, secret } = planClient(
        {
          name,
          type,
          redirectUris: values['redirect-uri'] ?? [],
          postLogoutRedirectUris: values['post-logout-redirect-uri'] ?? [],
          ...(values.grant === undefined ? {} : { grantTypes: values.grant }),
          ...(values.scope === undefined ? {} : { scopes: values.scope }),
        },
        systemRandom,
        clock.nowMs(),
        supportedScopes(config),
      );
      if (!(await stores.clients.createClient(client))) {
        io.stderr('error: a client with that id exists (retry)\n');
        return 1;
      }
      io.stdout(`${describeClient(client)}\n`);
      if (secret !== null)
        io.stdout(`secret: ${secret}\n(shown once: store it now; only its hash is kept)\n`);
      return 0;
    });
  },
};

export const list = {
  usage: `gatehouse clients list
  Lists the clients, one per line: id, type, grants, name. The built-in clients come first.
`,
  async run(args: readonly string[], io: StorageCliIo): Promise<ExitCode> {
    parseArgs({ args: [...args], options: {}, strict: true, allowPositionals: false });
    return withStorage(io, async (stores) => {
      for (const c of [...BUILT_IN_CLIENTS.values(), ...(await stores.clients.listClients())])
        io.stdout(
          `${c.id}  ${c.type}${c.builtIn === true ? ' (built in)' : ''}  ${c.grantTypes.join(',')}  ${c.name}\n`,
        );
      return 0;
    });
  },
};

export const show = {
  usage: `gatehouse clients show ID
  Shows one client (never its secret, which is not stored).
`,
  async run(args: readonly string[], io: StorageCliIo): Promise<ExitCode> {
    const { positionals } = parseArgs({
      args: [...args],
      options: {},
      strict: true,
      allowPositionals: true,
    });
    const id = oneId(positionals);
    return withStorage(io, async (stores) => {
      const client = await findClient(stores.clients, id);
      if (client === null) {
        io.stderr('error: no client has that id\n');
        return 1;
      }
      io.stdout(`${describeClient(client)}\n`);
      return 0;
    });
  },
};

export const rotateSecret = {
  usage: `gatehouse clients rotate-secret ID
  Gives a confidential client a new secret, printed once; the old secret stops working at once.
  Its sessions and refresh tokens stay valid.
`,
  async run(args: readonly string[], io: StorageCliIo): Promise<ExitCode> {
    const { positionals } = parseArgs({
      args: [...args],
      options: {},
      strict: true,
      allowPositionals: true,
    });
    const id = oneId(positionals);
    return withStorage(io, async (stores, _config, clock) => {
      const client = await findClient(stores.clients, id);
      if (client === null || client.type !== 'confidential') {
        io.stderr(
          `error: ${client === null ? 'no client has that id' : 'that client is public: it has no secret'}\n`,
        );
        return 1;
      }
      const secret = createClientSecret(systemRandom);
      if (!(await stores.clients.updateClientSecret(id, hashSecret(secret), clock.nowMs()))) {
        io.stderr('error: no client has that id\n');
        return 1;
      }
      io.stdout(
        `id: ${id}\nsecret: ${secret}\n(shown once: store it now; the old secret no longer works)\n`,
      );
      return 0;
    });
  },
};

export const remove = {
  usage: `gatehouse clients remove ID
  Deletes a client and revokes every session it holds: its refresh tokens stop working at once,
  and its access tokens at each instance's next revocation sync (GATEHOUSE_REVOCATION_SYNC_INTERVAL).
  The built-in clients cannot be removed.
`,
  async run(args: readonly string[], io: StorageCliIo): Promise<ExitCode> {
    const { positionals } = parseArgs({
      args: [...args],
      options: {},
      strict: true,
      allowPositionals: true,
    });
    const id = oneId(positionals);
    if (BUILT_IN_CLIENTS.has(id)) {
      io.stderr('error: the built-in clients cannot be removed\n');
      return 1;
    }
    return withStorage(io, async (stores, _config, clock) => {
      const removed = await stores.clients.removeClient(id, clock.nowMs());
      if (removed === null) {
        io.stderr('error: no client has that id\n');
        return 1;
      }
      io.stdout(`removed ${id}; revoked ${removed.revokedSessionIds.length} session(s)\n`);
      return 0;
    });
  },
};
