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
 * Then across origins, in Chromium (issue 14: "runs across two origins"): the same app's server
 * (strict TypeScript too) serves a page on http://localhost:A that loads @gatehouse/client from the
 * app's node_modules, as installed, through an import map (the page's own module is compiled
 * against the client's declarations with the DOM library and no Node types); the page signs up
 * and in at Gatehouse on http://127.0.0.1:B (GATEHOUSE_CORS_ORIGINS lists A) and calls the app's
 * API on http://localhost:C (CORS for A, the middleware's DPoP check against its publicUrl), which
 * answers with the user's id and the key the token is bound to. The same page on an origin
 * Gatehouse does not list reads none of its answers, and its sign-up never reaches it.
 *
 * Express and its types are not downloaded: the app links the checkout's, after the installs.
 * The README's Install section is checked to be first and to give these very commands.
 * About 27 s of test time on a quiet run of the shared 2-core machine (three packs ~15 s, three
 * installs ~8 s, the type-checks ~2 s, the app's run ~2 s), plus about 10 s for Chromium's part;
 * 60 to 70 s when the machine is loaded. The hooks allow 180 s and 120 s.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
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
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixedClock } from '../../src/core/clock.js';
import { chromiumGate, launchChromium } from '../support/browser.js';
import { freePort } from '../support/ports.js';
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

/**
 * The app's server for the browser (issue 14: "runs across two origins"). The site, on
 * http://localhost:SITE_PORT, serves the page, and @gatehouse/client's dist/ as installed in
 * node_modules: its files import one another by relative paths only, so the browser loads them
 * as they are, and an import map gives the page the package's name, mapped to the entry its
 * package.json exports. The API, on http://localhost:API_PORT, is another origin: it allows the
 * site by CORS (the authorization and dpop request headers; DPoP-Nonce and WWW-Authenticate
 * readable), and its guard checks each DPoP proof against its publicUrl.
 */
const WEB_SOURCE = `import { fileURLToPath } from 'node:url';
import express from 'express';
import { createTokenGuard, type GatehouseClaims } from '@gatehouse/middleware';
import { requireAccessToken } from '@gatehouse/middleware/express';

const { ISSUER: issuer, SITE_PORT: sitePort, API_PORT: apiPort } = process.env;
if (issuer === undefined || sitePort === undefined || apiPort === undefined)
  throw new Error('ISSUER, SITE_PORT and API_PORT must be set');
const siteUrl = \`http://localhost:\${sitePort}\`;
const apiUrl = \`http://localhost:\${apiPort}\`;

const api = express();
api.use((req, res, next) => {
  res.vary('Origin');
  if (req.headers.origin === siteUrl)
    res.set({
      'access-control-allow-origin': siteUrl,
      'access-control-allow-headers': 'authorization, dpop',
      'access-control-expose-headers': 'dpop-nonce, www-authenticate',
    });
  if (req.method === 'OPTIONS') res.sendStatus(204);
  else next();
});
const guard = createTokenGuard({ issuer, audience: issuer, publicUrl: apiUrl });
api.get('/orders', requireAccessToken(guard), (req, res) => {
  const claims: GatehouseClaims = res.locals.gatehouse;
  res.json({
    user: claims.sub,
    scheme: req.headers.authorization?.split(' ')[0],
    jkt: claims.cnf?.jkt ?? null,
  });
});

// The installed package: its dist/ folder, and its entry as a URL under the folder's mount.
const manifest = import.meta.resolve('@gatehouse/client/package.json');
const clientDist = new URL('dist/', manifest).href;
const clientEntry = import.meta.resolve('@gatehouse/client');
if (!clientEntry.startsWith(clientDist)) throw new Error(\`unexpected entry \${clientEntry}\`);
const importMap = {
  imports: { '@gatehouse/client': \`/modules/@gatehouse/client/\${clientEntry.slice(clientDist.length)}\` },
};
const page = \`<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>Scratch app</title>
<script type="importmap">\${JSON.stringify(importMap)}</script>
<script type="module" src="/main.js"></script>
<pre id="out"></pre>
</html>\`;

const site = express();
site.get('/', (_req, res) => {
  res.type('html').send(page);
});
site.get('/config.json', (_req, res) => {
  res.json({ issuer, api: apiUrl });
});
site.use('/modules/@gatehouse/client', express.static(fileURLToPath(clientDist)));
site.use(express.static(fileURLToPath(new URL('../public', import.meta.url))));

const listening = [site.listen(Number(sitePort), '127.0.0.1'), api.listen(Number(apiPort), '127.0.0.1')];
await Promise.all(listening.map((http) => new Promise((resolve) => http.once('listening', resolve))));
console.log(JSON.stringify({ site: siteUrl, api: apiUrl }));
`;

/**
 * The page's module: one run of sign-up, login, /v1/me at Gatehouse and a call of the API, its
 * outcome (or the error that stopped it) written to #out. The email comes from the query.
 */
const PAGE_SOURCE = `import { AuthClientError, createAuthClient } from '@gatehouse/client';

interface PageConfig {
  issuer: string;
  api: string;
}

const show = (outcome: unknown): void => {
  const out = document.getElementById('out');
  if (out !== null) out.textContent = JSON.stringify(outcome);
};

try {
  const config = (await (await fetch('/config.json')).json()) as PageConfig;
  const email = new URLSearchParams(location.search).get('email') ?? 'page@example.com';
  const auth = createAuthClient({ baseUrl: config.issuer, apiOrigins: [config.api] });
  await auth.signup(email, 'browser password');
  await auth.login(email, 'browser password');
  const me = await auth.me();
  const orders = await auth.fetch(\`\${config.api}/orders\`);
  show({
    me,
    key: await auth.keyThumbprint(),
    orders: { status: orders.status, body: (await orders.json()) as unknown },
  });
} catch (error) {
  // The client's own error for an answer it could not get or did not like: its code and status.
  show(
    error instanceof AuthClientError
      ? { error: error.error, status: error.status }
      : { error: String(error) },
  );
}
`;

/**
 * Type-checks and emits one program: its root files and every declaration file of the packages
 * in full (skipLibCheck off); the rest of node_modules (@types/node, @types/express) only as far
 * as they are used. Answers the diagnostics as `file TScode`.
 */
function compile(
  rootNames: readonly string[],
  options: ts.CompilerOptions,
  onChecked: (files: readonly ts.SourceFile[]) => void = () => undefined,
): string[] {
  const program = ts.createProgram({
    rootNames,
    options,
    host: ts.createCompilerHost(options),
  });
  const rootDir = options.rootDir ?? app;
  const checked = program
    .getSourceFiles()
    .filter(
      (file) =>
        file.fileName.startsWith(rootDir) ||
        file.fileName.startsWith(join(app, 'node_modules/@gatehouse/')),
    );
  onChecked(checked);
  const diagnostics = [
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
  return diagnostics;
}

describe('a strict TypeScript app using the installed middleware and client', () => {
  let diagnostics: string[];
  let checked: readonly ts.SourceFile[];
  let pageDiagnostics: string[];

  beforeAll(() => {
    // Express for the app, from the checkout (linked after the installs, which would prune it).
    mkdirSync(join(app, 'node_modules/@types'));
    for (const name of ['express', '@types/express', '@types/node'])
      symlinkSync(join(root, 'node_modules', name), join(app, 'node_modules', name), 'dir');
    mkdirSync(join(app, 'src'));
    writeFileSync(join(app, 'src/app.ts'), APP_SOURCE);
    writeFileSync(join(app, 'src/misuse.ts'), MISUSE_SOURCE);
    writeFileSync(join(app, 'src/web.ts'), WEB_SOURCE);
    mkdirSync(join(app, 'page'));
    writeFileSync(join(app, 'page/main.ts'), PAGE_SOURCE);
    diagnostics = compile(
      [join(app, 'src/app.ts'), join(app, 'src/misuse.ts'), join(app, 'src/web.ts')],
      {
        target: ts.ScriptTarget.ES2022,
        lib: ['lib.es2023.d.ts'],
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        strict: true,
        skipLibCheck: false,
        types: ['node'],
        rootDir: join(app, 'src'),
        outDir: join(app, 'dist'),
      },
      (files) => {
        checked = files;
      },
    );
    // The browser page: DOM and no Node types, the client's name resolved as a bundler or an
    // import map does (the emitted import keeps the bare name for the page's import map).
    pageDiagnostics = compile([join(app, 'page/main.ts')], {
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2023.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      strict: true,
      skipLibCheck: false,
      types: [],
      rootDir: join(app, 'page'),
      outDir: join(app, 'public'),
    });
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

  it('the browser page compiles too, against the client’s declarations with the DOM and no Node types', () => {
    expect(pageDiagnostics).toEqual([]);
    // The bare name stays for the page's import map to resolve.
    expect(readFileSync(join(app, 'public/main.js'), 'utf8')).toContain("from '@gatehouse/client'");
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

describe.runIf(chromiumGate('the install test’s browser part'))(
  'in Chromium, the scratch app’s page and API on one origin each, Gatehouse on another',
  () => {
    let gatehouse: TestServer;
    let gatehouseUrl: string;
    let web: ChildProcess;
    let siteUrl: string;
    let apiUrl: string;
    let browser: Browser;

    beforeAll(async () => {
      const [sitePort, apiPort, gatehousePort] = [
        await freePort(),
        await freePort(),
        await freePort(),
      ];
      siteUrl = `http://localhost:${sitePort}`;
      apiUrl = `http://localhost:${apiPort}`;
      // The issuer is the URL the browser calls (every DPoP proof names it); the site's origin,
      // and only it, is listed for CORS.
      gatehouseUrl = `http://127.0.0.1:${gatehousePort}`;
      const clock = Object.assign(createFixedClock(0), { nowMs: () => Date.now() });
      gatehouse = await createTestServer({
        env: { GATEHOUSE_ISSUER: gatehouseUrl, GATEHOUSE_CORS_ORIGINS: siteUrl },
        clock,
      });
      await gatehouse.app.listen({ port: gatehousePort, host: '127.0.0.1' });

      web = spawn(process.execPath, [join(app, 'dist/web.js')], {
        cwd: app,
        env: {
          ...cleanEnv(),
          ISSUER: gatehouseUrl,
          SITE_PORT: String(sitePort),
          API_PORT: String(apiPort),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      web.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const ready = await new Promise<string>((resolve, reject) => {
        web.stdout?.once('data', (chunk: Buffer) => resolve(chunk.toString()));
        web.once('exit', (code) => reject(new Error(`dist/web.js exited (${code}): ${stderr}`)));
      });
      expect(JSON.parse(ready)).toEqual({ site: siteUrl, api: apiUrl });
      browser = await launchChromium();
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      web?.kill();
      await gatehouse?.close();
    });

    it('serves the installed client’s files as JavaScript, byte for byte', async () => {
      for (const path of ['client/index.js', 'client/auth-client.js', 'core/index.js']) {
        const response = await fetch(`${siteUrl}/modules/@gatehouse/client/${path}`);
        expect(response.status, path).toBe(200);
        // Browsers run a module script only with a JavaScript MIME type.
        expect(response.headers.get('content-type'), path).toMatch(
          /^(text|application)\/javascript\b/,
        );
        expect(await response.text(), path).toBe(
          readFileSync(join(app, 'node_modules/@gatehouse/client/dist', path), 'utf8'),
        );
      }
      // Only the package's dist/ is served, not its manifest or anything beside it.
      expect((await fetch(`${siteUrl}/modules/@gatehouse/client/package.json`)).status).toBe(404);
    });

    it('the page signs up and in at Gatehouse with DPoP and calls the API, which answers with the user', async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      const requests: { url: string; method: string; dpop: string | undefined }[] = [];
      page.on('request', (request) =>
        requests.push({
          url: request.url(),
          method: request.method(),
          dpop: request.headers().dpop,
        }),
      );
      await page.goto(`${siteUrl}/?email=browser@example.com`);
      await page.waitForFunction("document.getElementById('out')?.textContent !== ''", null, {
        timeout: 30_000,
      });
      const outcome = JSON.parse((await page.textContent('#out')) ?? '{}') as {
        me?: { id: string; email: string } | null;
        key?: string;
        orders?: { status: number; body: unknown };
        error?: string;
      };
      expect(outcome.error).toBeUndefined();
      expect(outcome.me?.email).toBe('browser@example.com');
      expect(outcome.orders).toEqual({
        status: 200,
        // The user's id, from a token bound to the browser's key, sent with a proof the API checked.
        body: { user: outcome.me?.id, scheme: 'DPoP', jkt: outcome.key },
      });

      // The client came from the scratch app's node_modules (through the import map), and the
      // page spoke to Gatehouse directly on its origin: sign-up, then tokens with proofs.
      const urls = requests.map((request) => request.url);
      expect(urls).toEqual(
        expect.arrayContaining([
          `${siteUrl}/main.js`,
          `${siteUrl}/modules/@gatehouse/client/client/index.js`,
          `${siteUrl}/modules/@gatehouse/client/core/index.js`,
          `${gatehouseUrl}/v1/signup`,
          `${gatehouseUrl}/v1/token`,
          `${apiUrl}/orders`,
        ]),
      );
      const tokenPosts = requests.filter(
        (request) => request.url === `${gatehouseUrl}/v1/token` && request.method === 'POST',
      );
      expect(tokenPosts.length).toBeGreaterThan(0);
      expect(tokenPosts.every((request) => request.dpop?.startsWith('ey'))).toBe(true);

      // And the page can read Gatehouse's answers (CORS for its origin).
      expect(
        await page.evaluate(
          (url) => fetch(`${url}/.well-known/jwks.json`).then((response) => response.status),
          gatehouseUrl,
        ),
      ).toBe(200);
      await context.close();
    }, 60_000);

    it('the same page on an origin Gatehouse does not list reads nothing and signs up no one', async () => {
      // The same server, reached as 127.0.0.1: another origin, not in GATEHOUSE_CORS_ORIGINS.
      const otherUrl = siteUrl.replace('localhost', '127.0.0.1');
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${otherUrl}/?email=elsewhere@example.com`);
      await page.waitForFunction("document.getElementById('out')?.textContent !== ''", null, {
        timeout: 30_000,
      });
      // The sign-up's preflight got no CORS answer, so the browser never sent it, and the client
      // saw what a network failure looks like.
      expect(JSON.parse((await page.textContent('#out')) ?? '{}')).toEqual({
        error: 'network_error',
        status: 0,
      });
      const read = await page.evaluate(
        (url) =>
          fetch(`${url}/.well-known/jwks.json`).then(
            (response) => `read ${response.status}`,
            (error: unknown) => String(error),
          ),
        gatehouseUrl,
      );
      expect(read).toBe('TypeError: Failed to fetch');
      await context.close();
      // The address is still free: no account was made from that page.
      const signup = await fetch(`${gatehouseUrl}/v1/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'elsewhere@example.com', password: 'elsewhere password' }),
      });
      expect(signup.status).toBe(201);
    }, 60_000);
  },
);
