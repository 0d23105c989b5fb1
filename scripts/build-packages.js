#!/usr/bin/env node
/**
 * Builds the npm workspaces under packages/ from the one compiled tree, dist/ (src/ stays the only
 * source): each package gets a copy of the dist/ folders it ships, in the same layout
 * (packages/middleware/dist/middleware/token-guard.js), and an import of a folder that another
 * package ships is rewritten to that package (`../jwt/index.js` -> `@gatehouse/jwt`,
 * `../core/index.js` -> `@gatehouse/jwt/core`, so AuthError is one class in jwt and middleware).
 * The client ships its own copy of core: it has no dependency, and core is browser-safe.
 *
 * Then every import of every file written (.js and .d.ts, found by the TypeScript parser) must
 * name a file inside the package, a node: built-in, or a package this one declares; every
 * `exports` target must exist. So a new import in src/ that a package cannot satisfy fails the
 * build, not an adopter's install.
 *
 * Versions are in lockstep: each package's version, engines and license are the root's, and a
 * dependency on another @gatehouse package is on exactly that version; the build refuses a drift.
 * `--sync` writes them (package.json files and package-lock.json); the root's `version` script
 * runs it, so `npm version 0.2.0` moves every package.
 *
 *   node scripts/build-packages.js [jwt|client|middleware ...]   (default: all)
 *   node scripts/build-packages.js --sync
 *
 * Run by the root's `prepare` (so `npm ci` and a git install build them) and by each package's
 * `prepack` (so `npm pack -w packages/jwt` ships a current build). dist/ itself is brought up to
 * date first by scripts/build-if-stale.js (a no-op when it is current).
 */
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, posix } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
/** The TypeScript compiler (a devDependency), loaded only for a build: --sync needs none. */
let typescript;
const SCOPE = '@gatehouse';

/**
 * What each package ships (folders of dist/) and which folders it takes from another package
 * instead, by the specifier that replaces `../<folder>/index.js`. Mirrors the import rules of
 * test/architecture.test.ts: middleware -> access, dpop -> jwt, core.
 */
const PACKAGES = {
  jwt: { folders: ['jwt', 'core'], from: {} },
  client: { folders: ['client', 'core'], from: {} },
  middleware: {
    folders: ['middleware', 'access', 'dpop'],
    from: { jwt: `${SCOPE}/jwt`, core: `${SCOPE}/jwt/core` },
  },
};

const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));
const writeJson = (path, value) => writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
const manifestPath = (name) => join(root, 'packages', name, 'package.json');
const isScoped = (dep) => dep.startsWith(`${SCOPE}/`);

// ---------------------------------------------------------------------------------------------
// Lockstep
// ---------------------------------------------------------------------------------------------

/** The fields each package takes from the root, and its @gatehouse dependencies' version. */
function expectedManifest(rootManifest, manifest, name) {
  const pinned = (deps) =>
    deps === undefined
      ? undefined
      : Object.fromEntries(
          Object.entries(deps).map(([dep, range]) => [
            dep,
            isScoped(dep) ? rootManifest.version : range,
          ]),
        );
  const expected = {
    ...manifest,
    version: rootManifest.version,
    license: rootManifest.license,
    engines: rootManifest.engines,
  };
  if (manifest.dependencies !== undefined) expected.dependencies = pinned(manifest.dependencies);
  if (rootManifest.repository !== undefined)
    expected.repository = { ...rootManifest.repository, directory: `packages/${name}` };
  return expected;
}

/** Every place a version is recorded: each package.json and its package-lock.json entries. */
function lockstep(sync) {
  const rootManifest = readJson(join(root, 'package.json'));
  const lockPath = join(root, 'package-lock.json');
  const lock = existsSync(lockPath) ? readJson(lockPath) : null;
  const problems = [];
  for (const name of Object.keys(PACKAGES)) {
    const manifest = readJson(manifestPath(name));
    const expected = expectedManifest(rootManifest, manifest, name);
    if (JSON.stringify(manifest) !== JSON.stringify(expected)) {
      if (sync) writeJson(manifestPath(name), expected);
      else
        problems.push(
          `packages/${name}/package.json: version, license, engines, repository or a ${SCOPE} dependency differ from the root's`,
        );
    }
    const entry = lock?.packages?.[`packages/${name}`];
    if (entry !== undefined) {
      const want = {
        ...entry,
        version: expected.version,
        license: expected.license,
        engines: expected.engines,
      };
      if (expected.dependencies !== undefined) want.dependencies = expected.dependencies;
      if (JSON.stringify(entry) !== JSON.stringify(want)) {
        if (sync) lock.packages[`packages/${name}`] = want;
        else problems.push(`package-lock.json: packages/${name} differs from its package.json`);
      }
    }
  }
  if (sync && lock !== null) writeJson(lockPath, lock);
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Copy and rewrite
// ---------------------------------------------------------------------------------------------

/**
 * Every module specifier in a .js or .d.ts text (imports, re-exports, `import()` in code and in
 * types, module augmentations; not comments or strings), with the position of its text between
 * the quotes. preProcessFile's `pos` is that of the opening quote.
 */
function specifiersOf(text) {
  const { importedFiles } = typescript.preProcessFile(text, true, true);
  return importedFiles.map((ref) => {
    const pos = ref.pos + 1;
    const end = pos + ref.fileName.length;
    if (!`'"`.includes(text[ref.pos]) || text.slice(pos, end) !== ref.fileName)
      throw new Error(`cannot place the specifier ${ref.fileName} at ${ref.pos}`);
    return { spec: ref.fileName, pos, end };
  });
}

function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

/** The dist/-relative path a relative specifier in file `from` (dist/-relative) names. */
const target = (from, spec) => posix.normalize(posix.join(posix.dirname(from), spec));

function copyFolders(name, spec, out, problems) {
  for (const folder of spec.folders) {
    const source = join(root, 'dist', folder);
    if (!existsSync(source)) {
      problems.push(`dist/${folder} does not exist: build dist/ first (npm run build)`);
      continue;
    }
    for (const file of filesUnder(source)) {
      const rel = posix.join(
        folder,
        file
          .slice(source.length + 1)
          .split('\\')
          .join('/'),
      );
      // Source maps point into src/, which no package ships.
      if (!rel.endsWith('.js') && !rel.endsWith('.d.ts')) continue;
      let text = readFileSync(file, 'utf8').replace(/\n\/\/# sourceMappingURL=.*\n?$/, '\n');
      const edits = [];
      for (const { spec: imported, pos, end } of specifiersOf(text)) {
        if (!imported.startsWith('.')) continue;
        const named = target(rel, imported);
        const folderNamed = named.split('/')[0];
        if (spec.folders.includes(folderNamed)) continue;
        const replacement = spec.from[folderNamed];
        if (replacement !== undefined && named === `${folderNamed}/index.js`)
          edits.push({ pos, end, text: replacement });
        else
          problems.push(
            `${name}: dist/${rel} imports ${imported}, which ${SCOPE}/${name} neither ships nor takes from another package (PACKAGES in scripts/build-packages.js)`,
          );
      }
      for (const edit of edits.sort((a, b) => b.pos - a.pos))
        text = text.slice(0, edit.pos) + edit.text + text.slice(edit.end);
      mkdirSync(dirname(join(out, rel)), { recursive: true });
      writeFileSync(join(out, rel), text);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Checks of the result
// ---------------------------------------------------------------------------------------------

const BUILTINS = new Set(builtinModules);

/** The package a bare specifier names: `@a/b/c` -> `@a/b`, `x/y` -> `x`. */
const packageOf = (spec) =>
  spec
    .split('/')
    .slice(0, spec.startsWith('@') ? 2 : 1)
    .join('/');

/** Does a package.json's `exports` map have this subpath (`.`, `./core`)? */
const exportsHas = (manifest, subpath) =>
  Object.hasOwn(manifest.exports ?? {}, subpath) || (subpath === '.' && manifest.main);

function checkImports(name, manifest, out, problems) {
  const declared = new Set([
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
  ]);
  for (const file of filesUnder(join(out, 'dist'))) {
    const rel = file
      .slice(join(out, 'dist').length + 1)
      .split('\\')
      .join('/');
    for (const { spec } of specifiersOf(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('node:') || BUILTINS.has(spec)) continue;
      if (spec.startsWith('.')) {
        const named = target(rel, spec);
        const candidates = rel.endsWith('.d.ts')
          ? [named, named.replace(/\.js$/, '.d.ts')]
          : [named];
        if (!candidates.some((candidate) => existsSync(join(out, 'dist', candidate))))
          problems.push(`${name}: dist/${rel} imports ${spec}, which is not in the package`);
      } else if (!declared.has(packageOf(spec))) {
        problems.push(`${name}: dist/${rel} imports ${spec}, which package.json does not declare`);
      } else if (isScoped(spec)) {
        const other = readJson(manifestPath(packageOf(spec).slice(SCOPE.length + 1)));
        const subpath = `.${spec.slice(packageOf(spec).length)}`;
        if (!exportsHas(other, subpath))
          problems.push(
            `${name}: dist/${rel} imports ${spec}, which ${other.name} does not export`,
          );
      }
    }
  }
  const targets = (value) =>
    typeof value === 'string' ? [value] : Object.values(value ?? {}).flatMap(targets);
  for (const path of targets(manifest.exports))
    if (!existsSync(join(out, path)))
      problems.push(`${name}: exports names ${path}, which the build did not write`);
}

// ---------------------------------------------------------------------------------------------

async function main(args) {
  if (args.includes('--sync')) return lockstep(true);
  const names = args;
  for (const name of names)
    if (!Object.hasOwn(PACKAGES, name)) throw new Error(`no package ${name} in PACKAGES`);
  const problems = lockstep(false);
  if (problems.length > 0)
    return [...problems, 'run `node scripts/build-packages.js --sync` to write the root’s values'];

  execFileSync(process.execPath, [join(root, 'scripts/build-if-stale.js')], { stdio: 'inherit' });
  typescript = (await import('typescript')).default;
  for (const name of names.length > 0 ? names : Object.keys(PACKAGES)) {
    const out = join(root, 'packages', name);
    const manifest = readJson(join(out, 'package.json'));
    rmSync(join(out, 'dist'), { recursive: true, force: true });
    copyFolders(name, PACKAGES[name], join(out, 'dist'), problems);
    copyFileSync(join(root, 'LICENSE'), join(out, 'LICENSE'));
    checkImports(name, manifest, out, problems);
  }
  return problems;
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const problems = await main(process.argv.slice(2));
  if (problems.length > 0) {
    for (const problem of problems) console.error(`build-packages: ${problem}`);
    process.exit(1);
  }
}
