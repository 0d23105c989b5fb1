/**
 * The packages as an adopter gets them (issue 14, item 1). `npm pack --workspaces` packs
 * @gatehouse/client, @gatehouse/jwt and @gatehouse/middleware (each pack runs the package's
 * prepack build); a scratch app outside the checkout adds them with the README's commands, one
 * `npm install <tarball>` each and `--offline`, so nothing can come from a registry; what each
 * brought is counted from the app's package-lock.json (client and jwt: nothing beside themselves;
 * middleware: jwt only, and none of the optional framework peers). A strict TypeScript app that
 * uses the middleware's Express adapter and the client is compiled against the installed .d.ts
 * (the packages' own declaration files type-checked too, as with skipLibCheck off), and run with
 * node against a real Gatehouse server: the client signs up and logs in, its DPoP-bound token is
 * accepted by the API, a garbage token and no token are refused. The server package's file list is checked too.
 *
 * Express and its types are not downloaded: the app links the checkout's, after the installs.
 * The README's Install section is checked to be first and to give these very commands.
 * About 27 s of test time on the shared 2-core machine under load (three packs ~15 s, three
 * installs ~8 s, the type-check ~2 s, the app's run ~2 s); the hooks allow 180 s and 120 s.
 */
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixedClock } from '../../src/core/clock.js';
import { createTestServer, type TestServer } from '../support/server.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  version: string;
};
const VERSION = rootManifest.version;

/** npm as a user runs it: none of the npm_* variables of an enclosing `npm test`. */
const cleanEnv = () =>
  Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !/^npm_/i.test(key) && key !== 'INIT_CWD' && key !== 'NODE_OPTIONS',
    ),
  );

function run(
  command: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = cleanEnv(),
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd, env, timeout: 120_000, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        if (error !== null)
          reject(new Error(`${command} ${args.join(' ')}: ${error.message}\n${stderr}`));
        else resolve({ stdout, stderr });
      },
    );
  });
}

const npm = (args: readonly string[], cwd: string) => run('npm', args, cwd);

interface PackResult {
  name: string;
  version: string;
  filename: string;
  files: { path: string }[];
}

interface LockEntry {
  version?: string;
  resolved?: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

let work: string;
let tarballs: string;
let app: string;
let packs: PackResult[];
/** The app's package-lock entries after each install command, in order. */
const lockAfter: Record<string, LockEntry>[] = [];
let server: TestServer;
let issuer: string;

const readLock = () =>
  (
    JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, LockEntry>;
    }
  ).packages;

/** The installed packages (lock keys other than the app itself). */
const installed = (lock: Record<string, LockEntry>) =>
  Object.keys(lock)
    .filter((key) => key !== '')
    .sort();

const tarball = (name: string) => {
  const found = packs.find((pack) => pack.name === `@gatehouse/${name}`);
  if (found === undefined) throw new Error(`no tarball for ${name}`);
  return join(tarballs, found.filename);
};

async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'gatehouse-install-'));
  tarballs = join(work, 'tarballs');
  app = join(work, 'app');
  mkdirSync(tarballs);
  mkdirSync(app);

  const packed = await npm(
    ['pack', '--workspaces', '--pack-destination', tarballs, '--json', '--silent'],
    root,
  );
  packs = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as PackResult[];

  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'scratch-app', private: true, type: 'module' }, null, 2),
  );
  // The README's commands: the client alone; jwt alone; the middleware (with jwt, until the
  // packages are on a registry). --offline: a package npm would have to fetch fails the install.
  const flags = ['--offline', '--no-audit', '--no-fund'];
  for (const names of [['client'], ['jwt'], ['jwt', 'middleware']]) {
    await npm(['install', ...names.map(tarball), ...flags], app);
    lockAfter.push(readLock());
  }
}, 180_000);

afterAll(async () => {
  await server?.close();
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe('npm pack --workspaces', () => {
  it('packs the three packages at the root version, each with README, LICENSE, types and JS only', () => {
    expect(packs.map((pack) => `${pack.name}@${pack.version}`).sort()).toEqual([
      `@gatehouse/client@${VERSION}`,
      `@gatehouse/jwt@${VERSION}`,
      `@gatehouse/middleware@${VERSION}`,
    ]);
    for (const pack of packs) {
      const paths = pack.files.map((file) => file.path);
      expect(paths, pack.name).toEqual(
        expect.arrayContaining(['LICENSE', 'README.md', 'package.json']),
      );
      const others = paths.filter(
        (path) => !['LICENSE', 'README.md', 'package.json'].includes(path),
      );
      expect(
        others.filter((path) => !/^dist\/[a-z]+\/[a-z-]+\.(js|d\.ts)$/.test(path)),
        pack.name,
      ).toEqual([]);
      // No source maps (they point into src/, which no package ships), no tests.
      expect(
        paths.some((path) => path.includes('.test.')),
        pack.name,
      ).toBe(false);
    }
  });

  it('the client ships client/ and its own core/, the middleware no copy of jwt/ or core/', () => {
    const folders = (name: string) =>
      [
        ...new Set(
          packs
            .find((pack) => pack.name === `@gatehouse/${name}`)
            ?.files.map((file) => file.path.split('/').slice(0, 2).join('/'))
            .filter((path) => path.startsWith('dist/')),
        ),
      ].sort();
    expect(folders('client')).toEqual(['dist/client', 'dist/core']);
    expect(folders('jwt')).toEqual(['dist/core', 'dist/jwt']);
    expect(folders('middleware')).toEqual(['dist/access', 'dist/dpop', 'dist/middleware']);
  });

  it('the server package (the root) ships the CLI, the compiled server and the pages, not tests or packages/', async () => {
    // Without scripts: the packs above brought dist/ up to date; this lists what would ship.
    const { stdout } = await npm(
      ['pack', '--dry-run', '--json', '--silent', '--ignore-scripts'],
      root,
    );
    const [server] = JSON.parse(stdout.slice(stdout.indexOf('['))) as PackResult[];
    const paths = server?.files.map((file) => file.path) ?? [];
    expect(server?.name).toBe('@gatehouse/server');
    expect(paths).toEqual(
      expect.arrayContaining([
        'LICENSE',
        'README.md',
        'bin/gatehouse.js',
        'dist/server/index.js',
        'dist/server/index.d.ts',
        'dist/cli/main.js',
        'src/web/index.html',
      ]),
    );
    expect(
      paths.filter(
        (path) =>
          path.startsWith('test/') || path.startsWith('packages/') || /^src\/.*\.ts$/.test(path),
      ),
    ).toEqual([]);
  });
});

describe('README', () => {
  it('opens with "Install", whose commands name the tarballs npm pack wrote', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const sections = [...readme.matchAll(/^## (.+)$/gm)].map((match) => match[1]);
    expect(sections[0]).toBe('Install');
    const install = readme.slice(readme.indexOf('## Install'), readme.indexOf(`## ${sections[1]}`));
    // The commands this test runs, one per package (the middleware's with the jwt it needs).
    const file = (name: string) => `../gatehouse/${tarball(name).slice(tarballs.length + 1)}`;
    expect(install).toContain(`npm install ${file('client')} `);
    expect(install).toContain(`npm install ${file('jwt')} ${file('middleware')} `);
    expect(install).toContain('npm install @gatehouse/middleware');
    expect(install).toContain('npm ci && npm start');
  });
});

describe('installed from the tarballs into a scratch app', () => {
  it('the client brings nothing beside itself', () => {
    expect(installed(lockAfter[0] ?? {})).toEqual(['node_modules/@gatehouse/client']);
  });

  it('jwt brings nothing beside itself', () => {
    expect(installed(lockAfter[1] ?? {})).toEqual([
      'node_modules/@gatehouse/client',
      'node_modules/@gatehouse/jwt',
    ]);
  });

  it('the middleware brings jwt only (already there): not express, fastify or hono', () => {
    const lock = lockAfter[2] ?? {};
    expect(installed(lock)).toEqual([
      'node_modules/@gatehouse/client',
      'node_modules/@gatehouse/jwt',
      'node_modules/@gatehouse/middleware',
    ]);
    const middleware = lock['node_modules/@gatehouse/middleware'];
    expect(middleware?.dependencies).toEqual({ '@gatehouse/jwt': VERSION });
    expect(Object.keys(middleware?.peerDependencies ?? {}).sort()).toEqual([
      'express',
      'fastify',
      'hono',
    ]);
    for (const name of ['client', 'jwt']) {
      const entry = lock[`node_modules/@gatehouse/${name}`];
      expect(entry?.dependencies, name).toBeUndefined();
      expect(entry?.peerDependencies, name).toBeUndefined();
      expect(entry?.optionalDependencies, name).toBeUndefined();
      expect(entry?.version, name).toBe(VERSION);
    }
    // And on disk: node_modules holds the three packages and nothing else.
    expect(readdirSync(join(app, 'node_modules')).sort()).toEqual([
      '.package-lock.json',
      '@gatehouse',
    ]);
    expect(readdirSync(join(app, 'node_modules/@gatehouse')).sort()).toEqual([
      'client',
      'jwt',
      'middleware',
    ]);
  });

  it('the middleware and jwt share one AuthError: its imports of core are @gatehouse/jwt/core', () => {
    const guard = readFileSync(
      join(app, 'node_modules/@gatehouse/middleware/dist/middleware/token-guard.js'),
      'utf8',
    );
    expect(guard).toContain("from '@gatehouse/jwt/core'");
    expect(guard).toContain("from '@gatehouse/jwt'");
    expect(guard).not.toMatch(/from '\.\.\/(core|jwt)\//);
  });
});

const APP_SOURCE = `import type { AddressInfo } from 'node:net';
import express from 'express';
import { createAuthClient } from '@gatehouse/client';
import { createTokenGuard, type GatehouseClaims } from '@gatehouse/middleware';
import { requireAccessToken } from '@gatehouse/middleware/express';

const issuer = process.env.ISSUER;
if (issuer === undefined) throw new Error('ISSUER is not set');

const api = express();
const http = api.listen(0, '127.0.0.1');
await new Promise((resolve) => http.once('listening', resolve));
const apiUrl = \`http://127.0.0.1:\${(http.address() as AddressInfo).port}\`;

const guard = createTokenGuard({ issuer, audience: issuer, publicUrl: apiUrl });
api.get('/orders', requireAccessToken(guard), (req, res) => {
  const claims: GatehouseClaims = res.locals.gatehouse;
  const scheme = req.headers.authorization?.split(' ')[0];
  res.json({ user: claims.sub, client: claims.client_id, scheme, bound: claims.cnf !== undefined });
});

const auth = createAuthClient({ baseUrl: issuer, apiOrigins: [apiUrl] });
await auth.signup('adopter@example.com', 'adopter password');
await auth.login('adopter@example.com', 'adopter password');
const me = await auth.me();
const accepted = await auth.fetch(\`\${apiUrl}/orders\`);
const garbage = await fetch(\`\${apiUrl}/orders\`, {
  headers: { authorization: 'Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl' },
});
const none = await fetch(\`\${apiUrl}/orders\`);
console.log(JSON.stringify({
  me,
  accepted: { status: accepted.status, body: await accepted.json() },
  garbage: { status: garbage.status, challenge: garbage.headers.get('www-authenticate') },
  none: { status: none.status },
}));
await auth.logout();
guard.close();
http.close();
`;

/** Compiled with the app, it must fail with exactly this error: the claims are typed, not any. */
const MISUSE_SOURCE = `import express from 'express';
import { createTokenGuard } from '@gatehouse/middleware';
import { requireAccessToken } from '@gatehouse/middleware/express';
const guard = createTokenGuard({ issuer: 'https://auth.example.com', audience: 'https://auth.example.com' });
express().get('/orders', requireAccessToken(guard), (_req, res) => {
  const subject: number = res.locals.gatehouse.sub;
  res.json({ subject });
});
`;

describe('a strict TypeScript app using the installed middleware and client', () => {
  let diagnostics: string[];
  let checked: readonly ts.SourceFile[];

  beforeAll(() => {
    // Express for the app, from the checkout (linked after the installs, which would prune it).
    mkdirSync(join(app, 'node_modules/@types'));
    for (const name of ['express', '@types/express', '@types/node'])
      symlinkSync(join(root, 'node_modules', name), join(app, 'node_modules', name), 'dir');
    mkdirSync(join(app, 'src'));
    writeFileSync(join(app, 'src/app.ts'), APP_SOURCE);
    writeFileSync(join(app, 'src/misuse.ts'), MISUSE_SOURCE);
    const options: ts.CompilerOptions = {
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2023.d.ts'],
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      skipLibCheck: false,
      types: ['node'],
      rootDir: join(app, 'src'),
      outDir: join(app, 'dist'),
    };
    const program = ts.createProgram({
      rootNames: [join(app, 'src/app.ts'), join(app, 'src/misuse.ts')],
      options,
      host: ts.createCompilerHost(options),
    });
    // The app's files and every declaration file of the packages, checked in full (skipLibCheck
    // off); the rest of node_modules (@types/node, @types/express) only as far as they are used.
    checked = program
      .getSourceFiles()
      .filter(
        (file) =>
          file.fileName.startsWith(join(app, 'src')) ||
          file.fileName.startsWith(join(app, 'node_modules/@gatehouse/')),
      );
    diagnostics = [
      ...program.getOptionsDiagnostics(),
      ...program.getGlobalDiagnostics(),
      ...checked.flatMap((file) => [
        ...program.getSyntacticDiagnostics(file),
        ...program.getSemanticDiagnostics(file),
      ]),
    ].map(
      (diagnostic) =>
        `${diagnostic.file === undefined ? '(global)' : relative(app, diagnostic.file.fileName)} TS${diagnostic.code}`,
    );
    program.emit();
  }, 120_000);

  it('compiles under strict with the packages’ declarations checked; misused claims fail', () => {
    // The types came from the tarballs, not from the checkout.
    expect(
      existsSync(join(app, 'node_modules/@gatehouse/middleware/dist/middleware/express.d.ts')),
    ).toBe(true);
    const packageFiles = (name: string) =>
      checked.filter((file) => file.fileName.includes(`/node_modules/@gatehouse/${name}/dist/`))
        .length;
    expect(packageFiles('client')).toBeGreaterThan(3);
    expect(packageFiles('middleware')).toBeGreaterThan(3);
    expect(packageFiles('jwt')).toBeGreaterThan(3);
    expect(diagnostics).toEqual(['src/misuse.ts TS2322']);
  });

  it('runs against a Gatehouse server: its token is accepted, a garbage token and none refused', async () => {
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    // The app runs on the wall clock, like any app: so does this server.
    const clock = Object.assign(createFixedClock(0), { nowMs: () => Date.now() });
    server = await createTestServer({ env: { GATEHOUSE_ISSUER: issuer }, clock });
    await server.app.listen({ port, host: '127.0.0.1' });

    const { stdout } = await run(process.execPath, [join(app, 'dist/app.js')], app, {
      ...cleanEnv(),
      ISSUER: issuer,
    });
    const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as {
      me: { id: string; email: string } | null;
      accepted: { status: number; body: Record<string, unknown> };
      garbage: { status: number; challenge: string | null };
      none: { status: number };
    };
    expect(result.me?.email).toBe('adopter@example.com');
    expect(result.accepted).toEqual({
      status: 200,
      // The client's DPoP-bound token, sent under the DPoP scheme with a proof the API checked.
      body: { user: result.me?.id, client: 'gatehouse-client', scheme: 'DPoP', bound: true },
    });
    expect(result.garbage.status).toBe(401);
    expect(result.garbage.challenge).toMatch(/error="invalid_token"/);
    expect(result.none.status).toBe(401);
  }, 60_000);
});
