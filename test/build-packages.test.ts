/**
 * The guards of scripts/build-packages.js, on small synthetic trees (a root package.json and
 * lock, a dist/ of one-line modules, the three packages' manifests) in a temporary directory,
 * with the real script and a build-if-stale that does nothing: a clean tree builds, with the
 * middleware's imports of jwt/ and core/ rewritten; an import a package can neither ship nor
 * declare fails the build, naming the file; so does a version that drifts from the root's, which
 * `--sync` then writes, in package.json and package-lock.json. The real tree is built and
 * installed by test/integration/install.test.ts.
 */

import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../', import.meta.url));
let tree: string;

const MANIFESTS: Record<string, object> = {
  jwt: {
    name: '@gatehouse/jwt',
    version: '1.2.3',
    license: 'Apache-2.0',
    engines: { node: '>=20' },
    exports: {
      '.': { types: './dist/jwt/index.d.ts', default: './dist/jwt/index.js' },
      './core': { types: './dist/core/index.d.ts', default: './dist/core/index.js' },
    },
  },
  client: {
    name: '@gatehouse/client',
    version: '1.2.3',
    license: 'Apache-2.0',
    engines: { node: '>=20' },
    exports: { '.': { types: './dist/client/index.d.ts', default: './dist/client/index.js' } },
  },
  middleware: {
    name: '@gatehouse/middleware',
    version: '1.2.3',
    license: 'Apache-2.0',
    engines: { node: '>=20' },
    exports: {
      '.': { types: './dist/middleware/index.d.ts', default: './dist/middleware/index.js' },
    },
    dependencies: { '@gatehouse/jwt': '1.2.3' },
    peerDependencies: { hono: '^4.0.0' },
  },
};

/** dist/ of the synthetic tree: path -> text. */
const DIST: Record<string, string> = {
  'core/index.js': 'export class AuthError extends Error {}\n',
  'core/index.d.ts': 'export declare class AuthError extends Error {}\n',
  'jwt/index.js':
    "import { AuthError } from '../core/index.js';\nexport const verify = () => AuthError;\n",
  'jwt/index.d.ts':
    "export declare const verify: () => typeof import('../core/index.js').AuthError;\n",
  'client/index.js': "export { AuthError } from '../core/index.js';\n",
  'client/index.d.ts': "export { AuthError } from '../core/index.js';\n",
  'access/index.js': "export { verify } from '../jwt/index.js';\n",
  'access/index.d.ts': "export { verify } from '../jwt/index.js';\n",
  'dpop/index.js': "import { createHash } from 'node:crypto';\nexport const h = createHash;\n",
  'dpop/index.d.ts': 'export declare const h: unknown;\n',
  'middleware/index.js': [
    "import { AuthError } from '../core/index.js';",
    "import { verify } from '../access/index.js';",
    "export { h } from '../dpop/index.js';",
    'export const guard = () => [AuthError, verify];',
    '//# sourceMappingURL=index.js.map',
  ].join('\n'),
  'middleware/index.d.ts': [
    "import type { MiddlewareHandler } from 'hono';",
    "export declare const guard: () => [typeof import('../core/index.js').AuthError, MiddlewareHandler];",
    '',
  ].join('\n'),
  'middleware/index.js.map': '{}',
};

function write(path: string, text: string): void {
  mkdirSync(dirname(join(tree, path)), { recursive: true });
  writeFileSync(join(tree, path), text);
}
const writeJson = (path: string, value: unknown) =>
  write(path, `${JSON.stringify(value, null, 2)}\n`);
const readText = (path: string) => readFileSync(join(tree, path), 'utf8');
const readJson = (path: string) => JSON.parse(readText(path)) as Record<string, unknown>;

function build(...args: string[]): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [join(tree, 'scripts/build-packages.js'), ...args], {
    cwd: tree,
    encoding: 'utf8',
  });
  return { status: result.status, stderr: result.stderr };
}

beforeEach(() => {
  tree = mkdtempSync(join(tmpdir(), 'gatehouse-build-packages-'));
  cpSync(join(root, 'scripts/build-packages.js'), join(tree, 'scripts/build-packages.js'));
  write('scripts/build-if-stale.js', '');
  // The script imports typescript (its parser finds the specifiers).
  symlinkSync(join(root, 'node_modules'), join(tree, 'node_modules'), 'dir');
  write('LICENSE', 'the licence\n');
  writeJson('package.json', {
    name: '@gatehouse/server',
    type: 'module',
    version: '1.2.3',
    license: 'Apache-2.0',
    engines: { node: '>=20' },
  });
  writeJson('package-lock.json', {
    packages: {
      '': { version: '1.2.3' },
      'packages/jwt': {
        name: '@gatehouse/jwt',
        version: '1.2.3',
        license: 'Apache-2.0',
        engines: { node: '>=20' },
      },
    },
  });
  for (const [name, manifest] of Object.entries(MANIFESTS))
    writeJson(`packages/${name}/package.json`, manifest);
  for (const [path, text] of Object.entries(DIST)) write(`dist/${path}`, text);
});

afterEach(() => {
  rmSync(tree, { recursive: true, force: true });
});

describe('scripts/build-packages.js', () => {
  it('builds a clean tree: each package its folders, the middleware’s jwt/ and core/ from @gatehouse/jwt', () => {
    expect(build()).toEqual({ status: 0, stderr: '' });
    const middleware = readText('packages/middleware/dist/middleware/index.js');
    expect(middleware).toContain("import { AuthError } from '@gatehouse/jwt/core';");
    expect(middleware).toContain("from '../access/index.js'");
    expect(middleware).not.toContain('sourceMappingURL');
    expect(readText('packages/middleware/dist/middleware/index.d.ts')).toContain(
      "typeof import('@gatehouse/jwt/core').AuthError",
    );
    expect(readText('packages/middleware/dist/access/index.js')).toBe(
      "export { verify } from '@gatehouse/jwt';\n",
    );
    // The client keeps its own core; jwt its own; every package gets the licence.
    expect(readText('packages/client/dist/client/index.js')).toContain("'../core/index.js'");
    expect(readText('packages/client/dist/core/index.js')).toBe(DIST['core/index.js']);
    expect(readText('packages/jwt/dist/jwt/index.js')).toBe(DIST['jwt/index.js']);
    for (const name of Object.keys(MANIFESTS))
      expect(readText(`packages/${name}/LICENSE`)).toBe('the licence\n');
    expect(() => readText('packages/middleware/dist/middleware/index.js.map')).toThrow();
  });

  it('refuses an import of a folder the package neither ships nor takes from another', () => {
    write('dist/access/index.js', "export { verify } from '../sessions/index.js';\n");
    const { status, stderr } = build('middleware');
    expect(status).toBe(1);
    expect(stderr).toContain(
      'middleware: dist/access/index.js imports ../sessions/index.js, which @gatehouse/middleware neither ships nor takes from another package',
    );
  });

  it('refuses a deep import into another package’s folder, in a declaration file too', () => {
    write('dist/dpop/index.d.ts', "export type K = import('../jwt/sign.js').Key;\n");
    const { status, stderr } = build('middleware');
    expect(status).toBe(1);
    expect(stderr).toContain('dist/dpop/index.d.ts imports ../jwt/sign.js');
  });

  it('refuses a package import that package.json does not declare', () => {
    write('dist/core/index.js', "import 'kysely';\nexport class AuthError extends Error {}\n");
    const { status, stderr } = build('client');
    expect(status).toBe(1);
    expect(stderr).toContain(
      'client: dist/core/index.js imports kysely, which package.json does not declare',
    );
  });

  it('refuses a subpath that the other package does not export', () => {
    const jwt = { ...MANIFESTS.jwt, exports: { '.': './dist/jwt/index.js' } };
    writeJson('packages/jwt/package.json', jwt);
    const { status, stderr } = build('middleware');
    expect(status).toBe(1);
    expect(stderr).toContain('imports @gatehouse/jwt/core, which @gatehouse/jwt does not export');
  });

  it('refuses a version out of lockstep, which --sync writes from the root (and in the lock)', () => {
    writeJson('package.json', { ...readJson('package.json'), version: '1.3.0' });
    const refused = build();
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('packages/jwt/package.json: version');
    expect(refused.stderr).toContain('packages/middleware/package.json: version');

    expect(build('--sync').status).toBe(0);
    expect(readJson('packages/jwt/package.json').version).toBe('1.3.0');
    expect(readJson('packages/middleware/package.json').dependencies).toEqual({
      '@gatehouse/jwt': '1.3.0',
    });
    expect(readJson('packages/middleware/package.json').peerDependencies).toEqual({
      hono: '^4.0.0',
    });
    const lock = readJson('package-lock.json') as { packages: Record<string, { version: string }> };
    expect(lock.packages['packages/jwt']?.version).toBe('1.3.0');
    expect(build()).toEqual({ status: 0, stderr: '' });
  });
});
