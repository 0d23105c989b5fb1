/**
 * The import and purity rules of ../shared/STYLE.md, checked on the TypeScript compiler's parse of
 * every source file under src/ (the .ts modules, not their .test.ts, and the browser .js of
 * src/web), so comments and strings never count and no import form slips past a regex.
 *
 * Each rule is a function from scanned files to a list of offenders. On the real tree each list
 * must be empty; a failure prints the whole list, a to-do list. The self-test at the end runs the
 * same functions on small synthetic trees, to show that each rule catches what it forbids.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, posix, relative, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// ---------------------------------------------------------------------------------------------
// The scanner
// ---------------------------------------------------------------------------------------------

type ImportKind = 'import' | 'export-from' | 'side-effect' | 'dynamic' | 'require' | 'import-type';

interface ImportRef {
  /** The specifier as written; null for a dynamic import or require of a computed value. */
  readonly spec: string | null;
  readonly kind: ImportKind;
  /** Erased at compile time (`import type`, `export type ... from`, `import('x').T` in a type). */
  readonly typeOnly: boolean;
  readonly line: number;
}

interface SourceFile {
  /** Path under src/, with forward slashes: `jwt/sign.ts`. */
  readonly path: string;
  /** The top-level folder under src/: `jwt`. */
  readonly module: string;
  readonly ast: ts.SourceFile;
  readonly imports: readonly ImportRef[];
}

const lineOf = (ast: ts.SourceFile, node: ts.Node) =>
  ast.getLineAndCharacterOfPosition(node.getStart(ast)).line + 1;

const literalText = (node: ts.Node | undefined): string | null =>
  node !== undefined && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node))
    ? node.text
    : null;

/** Every import form: static, `import type`, `export ... from`, side-effect, `import()`, `require()`. */
function importsOf(ast: ts.SourceFile): ImportRef[] {
  const found: ImportRef[] = [];
  const add = (node: ts.Node, spec: string | null, kind: ImportKind, typeOnly: boolean) =>
    found.push({ spec, kind, typeOnly, line: lineOf(ast, node) });
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      add(
        node,
        literalText(node.moduleSpecifier),
        clause === undefined ? 'side-effect' : 'import',
        clause?.isTypeOnly ?? false,
      );
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined) {
      add(node, literalText(node.moduleSpecifier), 'export-from', node.isTypeOnly);
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference)
    ) {
      add(node, literalText(node.moduleReference.expression), 'require', node.isTypeOnly);
    } else if (ts.isImportTypeNode(node)) {
      const argument = node.argument;
      add(
        node,
        ts.isLiteralTypeNode(argument) ? literalText(argument.literal) : null,
        'import-type',
        true,
      );
    } else if (ts.isCallExpression(node)) {
      if (node.expression.kind === ts.SyntaxKind.ImportKeyword) {
        add(node, literalText(node.arguments[0]), 'dynamic', false);
      } else if (ts.isIdentifier(node.expression) && node.expression.text === 'require') {
        add(node, literalText(node.arguments[0]), 'require', false);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(ast);
  return found;
}

/** Parses source texts keyed by their path under src/. */
function scan(texts: Readonly<Record<string, string>>): SourceFile[] {
  return Object.entries(texts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([path, text]) => {
      const kind = path.endsWith('.js') ? ts.ScriptKind.JS : ts.ScriptKind.TS;
      const ast = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, kind);
      const segments = path.split('/');
      const module = segments.length > 1 ? (segments[0] as string) : '(src root)';
      return { path, module, ast, imports: importsOf(ast) };
    });
}

const SRC = new URL('../src', import.meta.url).pathname;

function readSourceTree(): Record<string, string> {
  const texts: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const key = relative(SRC, path).split(sep).join('/');
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
        texts[key] = readFileSync(path, 'utf8');
      else if (key.startsWith('web/') && entry.name.endsWith('.js'))
        texts[key] = readFileSync(path, 'utf8');
    }
  };
  walk(SRC);
  return texts;
}

// ---------------------------------------------------------------------------------------------
// Resolving specifiers to files
// ---------------------------------------------------------------------------------------------

const isRelative = (spec: string) => spec.startsWith('./') || spec.startsWith('../');

/**
 * The page scripts of src/web load the browser build of gatehouse/client from the URL the server
 * gives it (server/routes/web.ts serves dist/client at /assets/lib/client/). The pages are the
 * SDK's showcase, and this is its public, browser-safe entry, so it is the one import a web file
 * may make outside src/web. Either spelling resolves to the same URL from /assets/app.js.
 */
const WEB_CLIENT_ENTRY = new Set(['/assets/lib/client/index.js', './lib/client/index.js']);

/** The src/ file a specifier names, or, for a relative one that names no scanned file, its path. */
function resolve(
  from: SourceFile,
  spec: string,
  known: ReadonlySet<string>,
): { path: string; found: boolean } | null {
  if (from.module === 'web' && WEB_CLIENT_ENTRY.has(spec))
    return { path: 'client/index.ts', found: known.has('client/index.ts') };
  let base: string;
  if (isRelative(spec)) base = posix.join(posix.dirname(from.path), spec);
  else if (from.module === 'web' && spec.startsWith('/assets/'))
    base = `web/${spec.slice('/assets/'.length)}`;
  else if (spec === 'gatehouse' || spec.startsWith('gatehouse/'))
    base = `${spec.slice('gatehouse/'.length) || '(src root)'}/index.js`;
  else return null;
  const stem = base.replace(/\.(js|ts)$/, '');
  const candidates = [`${stem}.ts`, `${stem}.js`, `${stem}/index.ts`, `${stem}/index.js`];
  const path = candidates.find((candidate) => known.has(candidate));
  return path === undefined ? { path: base, found: false } : { path, found: true };
}

interface Edge {
  readonly from: SourceFile;
  readonly ref: ImportRef;
  readonly spec: string;
  /** The src/ path it names, or null for a package or built-in. */
  readonly target: string | null;
  readonly found: boolean;
}

function edgesOf(files: readonly SourceFile[]): Edge[] {
  const known = new Set(files.map((file) => file.path));
  return files.flatMap((from) =>
    from.imports.flatMap((ref) => {
      if (ref.spec === null) return [];
      const resolved = resolve(from, ref.spec, known);
      return [
        {
          from,
          ref,
          spec: ref.spec,
          target: resolved?.path ?? null,
          found: resolved?.found ?? false,
        },
      ];
    }),
  );
}

const topFolder = (path: string) => {
  const segments = path.split('/');
  return segments.length > 1 ? (segments[0] as string) : '(src root)';
};

const describeImport = (file: SourceFile, ref: ImportRef) =>
  `${file.path}:${ref.line} -> ${ref.spec}${ref.typeOnly ? ' (type)' : ''}`;
const describeRef = (edge: Edge) => describeImport(edge.from, edge.ref);

const NODE_BUILTINS = new Set(builtinModules.filter((name) => !name.startsWith('_')));
const isBuiltin = (spec: string) =>
  spec.startsWith('node:') ||
  NODE_BUILTINS.has(spec) ||
  NODE_BUILTINS.has(spec.split('/')[0] ?? '');

// ---------------------------------------------------------------------------------------------
// Identifier uses, from the AST
// ---------------------------------------------------------------------------------------------

const GLOBAL_OBJECTS = new Set(['globalThis', 'window', 'self', 'global']);

/** `X` or `globalThis.X` (or window/self/global). */
const isGlobal = (node: ts.Node, name: string): boolean =>
  (ts.isIdentifier(node) && node.text === name) ||
  (ts.isPropertyAccessExpression(node) &&
    node.name.text === name &&
    ts.isIdentifier(node.expression) &&
    GLOBAL_OBJECTS.has(node.expression.text));

/** `object.member` or `object['member']`, where object is the global `objectName`. */
function isMember(node: ts.Node, objectName: string, member: string): boolean {
  if (ts.isPropertyAccessExpression(node))
    return node.name.text === member && isGlobal(node.expression, objectName);
  if (ts.isElementAccessExpression(node))
    return literalText(node.argumentExpression) === member && isGlobal(node.expression, objectName);
  return false;
}

/** Is this identifier a property name (`a.name`, `{ name: 1 }`, `name()` in a class), not a value? */
function isPropertyName(node: ts.Identifier): boolean {
  const parent = node.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.name === node)
    return !(ts.isIdentifier(parent.expression) && GLOBAL_OBJECTS.has(parent.expression.text));
  if (ts.isQualifiedName(parent) && parent.right === node) return true;
  return (
    (ts.isPropertyAssignment(parent) ||
      ts.isPropertyDeclaration(parent) ||
      ts.isPropertySignature(parent) ||
      ts.isMethodDeclaration(parent) ||
      ts.isMethodSignature(parent) ||
      ts.isGetAccessor(parent) ||
      ts.isSetAccessor(parent) ||
      ts.isEnumMember(parent)) &&
    parent.name === node
  );
}

interface Use {
  readonly what: string;
  readonly line: number;
}

function collect(ast: ts.SourceFile, match: (node: ts.Node) => string | null): Use[] {
  const uses: Use[] = [];
  const visit = (node: ts.Node): void => {
    const what = match(node);
    if (what !== null) uses.push({ what, line: lineOf(ast, node) });
    ts.forEachChild(node, visit);
  };
  visit(ast);
  return uses;
}

/** `file -> what (line a, b)`, one entry per file and thing. */
function listUses(file: SourceFile, uses: readonly Use[]): string[] {
  const lines = new Map<string, number[]>();
  for (const use of uses) lines.set(use.what, [...(lines.get(use.what) ?? []), use.line]);
  return [...lines].map(
    ([what, at]) => `${file.path} -> ${what} (line ${[...new Set(at)].join(', ')})`,
  );
}

// ---------------------------------------------------------------------------------------------
// The rules
// ---------------------------------------------------------------------------------------------

/** Which src folders each folder may import (besides itself). */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  core: [],
  jwt: ['core'],
  passwords: ['core'],
  limits: ['core'],
  // Email: messages, templates, transports and the outbox's delivery.
  mail: ['core'],
  // Verification and password reset by single-use email links.
  lifecycle: ['core', 'accounts', 'limits', 'mail'],
  // The access-token profile, the Authorization header and the revocation registry.
  access: ['core', 'jwt'],
  // DPoP proofs (RFC 9449): their check, single use and server nonces.
  dpop: ['core', 'jwt'],
  sessions: ['core'],
  refresh: ['core', 'sessions'],
  accounts: ['core', 'passwords', 'limits'],
  // The OAuth client registry, client authentication, scopes and roles.
  clients: ['core', 'access', 'sessions'],
  // The code flow with PKCE and OpenID Connect ID tokens: request checks, codes, claims.
  oauth: ['core', 'jwt', 'sessions', 'clients'],
  // What a user does (login, refresh, revoke, logout, password change) over the services.
  flows: ['core', 'access', 'accounts', 'sessions', 'refresh', 'clients', 'oauth'],
  storage: [
    'core',
    'jwt',
    'accounts',
    'sessions',
    'refresh',
    'limits',
    'access',
    'dpop',
    'clients',
    'mail',
    'lifecycle',
    'oauth',
  ],
  server: [
    'core',
    'jwt',
    'passwords',
    'limits',
    'access',
    'sessions',
    'refresh',
    'accounts',
    'flows',
    'storage',
    'dpop',
    'clients',
    'mail',
    'lifecycle',
    'oauth',
  ],
  middleware: ['core', 'jwt', 'access', 'dpop'],
  client: ['core'],
  // Only the client SDK's public entry, as the server serves it (WEB_CLIENT_ENTRY).
  web: ['client'],
  cli: ['core', 'jwt', 'server', 'storage', 'clients', 'sessions', 'limits'],
};

/** Folders that know nothing of HTTP or a database. */
const DOMAIN = [
  'core',
  'jwt',
  'dpop',
  'passwords',
  'limits',
  'access',
  'sessions',
  'refresh',
  'accounts',
  'clients',
  'oauth',
  'flows',
  'middleware',
  'client',
];
const HTTP_OR_DB = new Set([
  'fastify',
  'kysely',
  'better-sqlite3',
  'pg',
  'ioredis',
  'redis',
  'http',
  'https',
  'http2',
  'net',
]);
const isHttpOrDb = (spec: string) => {
  const bare = spec.replace(/^node:/, '');
  const [first = '', second = ''] = bare.split('/');
  const name = first.startsWith('@') ? `${first}/${second}` : first;
  return (
    HTTP_OR_DB.has(name) || first === '@fastify' || first === '@redis' || name.startsWith('pg-')
  );
};

/** Folders that run in a browser. */
const BROWSER = ['core', 'client', 'web'];

const RANDOM_HOME = 'core/random.ts';
const RANDOM_FUNCTIONS = new Set([
  'randomBytes',
  'randomUUID',
  'getRandomValues',
  'randomInt',
  'randomFillSync',
]);
const CLOCK_HOME = 'core/clock.ts';
/**
 * src/web is exempt from the clock rule: its scripts may import only web files (and the client
 * SDK's entry), so core/clock.ts is out of reach, and it reads the time only for display (when the
 * tokens were last refreshed, how long the inspected token has left), never to decide anything.
 * cli/ and client/ are not exempt: the client takes an injected Clock defaulting to core's
 * systemClock, and the CLI can call systemClock.nowMs() as well.
 */
const CLOCK_EXEMPT = ['web'];

const rules = {
  /** Every file lies in a folder the ALLOWED table knows. */
  unknownFolders: (files: readonly SourceFile[]) =>
    files.filter((file) => !(file.module in ALLOWED)).map((file) => file.path),

  /** Every import is a literal that names a package, a built-in or an existing src file. */
  unresolved: (files: readonly SourceFile[]) => [
    ...files.flatMap((file) =>
      file.imports
        .filter((ref) => ref.spec === null)
        .map((ref) => `${file.path}:${ref.line} -> ${ref.kind} of a computed specifier`),
    ),
    ...edgesOf(files)
      .filter((edge) => edge.target !== null && !edge.found)
      .map((edge) => `${describeRef(edge)} (no such file)`),
  ],

  /** Dependencies point down: a folder imports only the folders ALLOWED lists. */
  layering: (files: readonly SourceFile[]) =>
    edgesOf(files)
      .filter((edge) => edge.target !== null)
      .filter((edge) => {
        const to = topFolder(edge.target as string);
        return to !== edge.from.module && !(ALLOWED[edge.from.module] ?? []).includes(to);
      })
      .map(describeRef),

  /** Across folders, only through the folder's index: `../jwt/index.js`, not `../jwt/keys.js`. */
  throughIndex: (files: readonly SourceFile[]) =>
    edgesOf(files)
      .filter((edge) => edge.target !== null && topFolder(edge.target) !== edge.from.module)
      .filter((edge) => !/^[^/]+\/index\.(ts|js)$/.test(edge.target as string))
      .map(describeRef),

  /** Web files import only web files, by relative path (and the client SDK's entry). */
  webSelfContained: (files: readonly SourceFile[]) =>
    edgesOf(files)
      .filter((edge) => edge.from.module === 'web' && !WEB_CLIENT_ENTRY.has(edge.spec))
      .filter(
        (edge) =>
          !isRelative(edge.spec) || edge.target === null || topFolder(edge.target) !== 'web',
      )
      .map(describeRef),

  /** core, client and web run in browsers: no built-in module, no Buffer, no process. */
  browserSafe: (files: readonly SourceFile[]) =>
    files
      .filter((file) => BROWSER.includes(file.module))
      .flatMap((file) => [
        ...file.imports
          .filter((ref) => ref.spec !== null && isBuiltin(ref.spec))
          .map((ref) => describeImport(file, ref)),
        ...listUses(
          file,
          collect(file.ast, (node) =>
            ts.isIdentifier(node) &&
            (node.text === 'Buffer' || node.text === 'process') &&
            !isPropertyName(node)
              ? node.text
              : null,
          ),
        ),
      ]),

  /** Only cli/ reads the environment, and configFromEnv in server/config.ts. */
  environment: (files: readonly SourceFile[]) =>
    files
      .filter((file) => file.module !== 'cli')
      .flatMap((file) => {
        const insideConfigFromEnv = (node: ts.Node): boolean =>
          file.path === 'server/config.ts' &&
          ts.findAncestor(
            node,
            (up) => ts.isFunctionDeclaration(up) && up.name?.text === 'configFromEnv',
          ) !== undefined;
        const readsEnv = (node: ts.Node): boolean =>
          isMember(node, 'process', 'env') ||
          // const { env } = process
          (ts.isVariableDeclaration(node) &&
            ts.isObjectBindingPattern(node.name) &&
            node.initializer !== undefined &&
            isGlobal(node.initializer, 'process') &&
            node.name.elements.some(
              (element) => (element.propertyName ?? element.name).getText(file.ast) === 'env',
            )) ||
          // import { env } from 'node:process'
          (ts.isImportSpecifier(node) &&
            (node.propertyName ?? node.name).text === 'env' &&
            /^(node:)?process$/.test(literalText(node.parent.parent.parent.moduleSpecifier) ?? ''));
        return listUses(
          file,
          collect(file.ast, (node) =>
            readsEnv(node) && !insideConfigFromEnv(node) ? 'process.env' : null,
          ),
        );
      }),

  /** The domain folders import no HTTP framework, HTTP built-in or database driver. */
  noHttpOrDb: (files: readonly SourceFile[]) =>
    edgesOf(files)
      .filter((edge) => DOMAIN.includes(edge.from.module) && isHttpOrDb(edge.spec))
      .map(describeRef),

  /** Randomness comes from an injected RandomSource; only core/random.ts touches the generator. */
  randomness: (files: readonly SourceFile[]) =>
    files
      .filter((file) => file.path !== RANDOM_HOME)
      .flatMap((file) =>
        listUses(
          file,
          collect(file.ast, (node) => {
            if (isMember(node, 'Math', 'random')) return 'Math.random';
            if (ts.isIdentifier(node) && RANDOM_FUNCTIONS.has(node.text)) return node.text;
            if (ts.isElementAccessExpression(node)) {
              const member = literalText(node.argumentExpression);
              if (member !== null && RANDOM_FUNCTIONS.has(member)) return member;
            }
            return null;
          }),
        ),
      ),

  /** Time comes from an injected Clock; only core/clock.ts reads the system clock. */
  clock: (files: readonly SourceFile[]) =>
    files
      .filter((file) => file.path !== CLOCK_HOME && !CLOCK_EXEMPT.includes(file.module))
      .flatMap((file) =>
        listUses(
          file,
          collect(file.ast, (node) => {
            if (isMember(node, 'Date', 'now')) return 'Date.now';
            if (isMember(node, 'performance', 'now')) return 'performance.now';
            if (
              ts.isNewExpression(node) &&
              isGlobal(node.expression, 'Date') &&
              (node.arguments?.length ?? 0) === 0
            )
              return 'new Date()';
            // Date() without new: the current time as a string.
            if (ts.isCallExpression(node) && isGlobal(node.expression, 'Date')) return 'Date()';
            return null;
          }),
        ),
      ),

  /** No import cycle between files, anywhere in src (type-only imports count too). */
  cycles: (files: readonly SourceFile[]) => findCycles(edgesOf(files)),
};

/**
 * Each cycle once, as `a.ts -> b.ts -> a.ts`: the strongly connected components (Tarjan), then for
 * each file in one, the shortest way back to itself. `(type)` marks an edge made only of
 * `import type`, which is erased at run time but still ties the two files together.
 */
function findCycles(edges: readonly Edge[]): string[] {
  const next = new Map<string, Map<string, boolean>>();
  for (const edge of edges) {
    if (edge.target === null || !edge.found) continue;
    const out = next.get(edge.from.path) ?? new Map<string, boolean>();
    out.set(edge.target, (out.get(edge.target) ?? true) && edge.ref.typeOnly);
    next.set(edge.from.path, out);
  }
  const successors = (node: string) => [...(next.get(node)?.keys() ?? [])].sort();

  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const components: string[][] = [];
  const strongConnect = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node) as number);
    stack.push(node);
    for (const to of successors(node)) {
      if (!index.has(to)) {
        strongConnect(to);
        low.set(node, Math.min(low.get(node) as number, low.get(to) as number));
      } else if (stack.includes(to)) {
        low.set(node, Math.min(low.get(node) as number, index.get(to) as number));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop() as string;
        component.push(member);
      } while (member !== node);
      components.push(component);
    }
  };
  for (const node of [...next.keys()].sort()) if (!index.has(node)) strongConnect(node);

  const cycles = new Set<string>();
  for (const component of components) {
    const inside = new Set(component);
    for (const start of [...component].sort()) {
      // Breadth-first from start to start, inside the component: the shortest cycle through it.
      const cameFrom = new Map<string, string>();
      const queue = [start];
      let closedBy: string | null = null;
      while (queue.length > 0 && closedBy === null) {
        const node = queue.shift() as string;
        for (const to of successors(node)) {
          if (to === start) {
            closedBy = node;
            break;
          }
          if (inside.has(to) && !cameFrom.has(to)) {
            cameFrom.set(to, node);
            queue.push(to);
          }
        }
      }
      if (closedBy === null) continue;
      const path = [closedBy];
      while (path[0] !== start) path.unshift(cameFrom.get(path[0] as string) as string);
      // One spelling per cycle: start from its smallest file.
      const first = path.indexOf([...path].sort()[0] as string);
      const ring = [...path.slice(first), ...path.slice(0, first)];
      const steps = [...ring, ring[0] as string].map((node, i, all) =>
        i > 0 && next.get(all[i - 1] as string)?.get(node) ? `${node} (type)` : node,
      );
      cycles.add(steps.join(' -> '));
    }
  }
  return [...cycles].sort();
}

// ---------------------------------------------------------------------------------------------
// The real tree
// ---------------------------------------------------------------------------------------------

describe('architecture of src/', () => {
  const files = scan(readSourceTree());

  it('scans the tree (the scanner sees files and imports)', () => {
    expect(files.map((file) => file.path)).toContain('core/clock.ts');
    expect(files.some((file) => file.path.startsWith('web/') && file.imports.length > 0)).toBe(
      true,
    );
  });

  it('every file lies in a folder the ALLOWED table knows', () => {
    expect(rules.unknownFolders(files), 'add these folders to ALLOWED').toEqual([]);
  });

  it('every import is a literal naming a package, a built-in or an existing file', () => {
    expect(rules.unresolved(files), 'imports that name no file').toEqual([]);
  });

  it('dependencies point down (ALLOWED), for every import form', () => {
    expect(rules.layering(files), 'imports of a folder ALLOWED does not list').toEqual([]);
  });

  it('imports across folders go through that folder’s index.ts', () => {
    expect(rules.throughIndex(files), 'import ../<folder>/index.js instead').toEqual([]);
  });

  it('src/web imports only web files, by relative path', () => {
    expect(rules.webSelfContained(files), 'web imports from outside src/web').toEqual([]);
  });

  it('core, client and web are browser-safe: no built-in modules, no Buffer, no process', () => {
    expect(rules.browserSafe(files), 'Node-only code in browser folders').toEqual([]);
  });

  it('only cli/ (and configFromEnv in server/config.ts) reads the environment', () => {
    expect(rules.environment(files), 'process.env outside cli/').toEqual([]);
  });

  it('the domain folders know nothing of HTTP or a database driver', () => {
    expect(rules.noHttpOrDb(files), 'HTTP or database imports in domain folders').toEqual([]);
  });

  it('only core/random.ts touches the random generator', () => {
    expect(rules.randomness(files), 'take a RandomSource instead').toEqual([]);
  });

  it('only core/clock.ts reads the system clock', () => {
    expect(rules.clock(files), 'take a Clock instead').toEqual([]);
  });

  it('no import cycles between files', () => {
    expect(rules.cycles(files), 'import cycles').toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// The guard's guard: each rule on synthetic trees
// ---------------------------------------------------------------------------------------------

describe('architecture rules catch their violations', () => {
  const CLEAN: Record<string, string> = {
    'core/index.ts': "export { systemClock } from './clock.js';\nexport * from './random.js';",
    'core/clock.ts': 'export const systemClock = { nowMs: () => Date.now() };',
    'core/random.ts':
      'export const systemRandom = { bytes: (n: number) => crypto.getRandomValues(new Uint8Array(n)) };',
    'jwt/index.ts': "export { signJwt } from './sign.js';",
    'jwt/sign.ts': [
      "import type { Clock } from '../core/index.js';",
      "import { systemRandom } from '../core/index.js';",
      '// Date.now() and Math.random() in a comment do not count, nor in a string:',
      "const note = 'Date.now() process.env Buffer randomBytes';",
      'export function signJwt(clock: Clock) { return [clock.nowMs(), systemRandom.bytes(16), note, new Date(0)]; }',
      'export const shape = { process: 1, Buffer: 2 };',
    ].join('\n'),
    'sessions/service.ts':
      "import { systemClock } from '../core/index.js';\nexport const s = systemClock;",
    'server/config.ts': [
      "import { signJwt } from '../jwt/index.js';",
      'export function configFromEnv(env = process.env) { return { env, signJwt }; }',
    ].join('\n'),
    'web/app.js': [
      "import { setup } from './inspect.js';",
      "import { createAuthClient } from '/assets/lib/client/index.js';",
      'setup(createAuthClient, new Date());',
    ].join('\n'),
    'web/inspect.js': 'export function setup() { return Date.now(); }',
    'client/index.ts': [
      "import { systemClock } from '../core/index.js';",
      'export const shape = { process: systemClock, Buffer: 2 };',
      'export const c = shape.process;',
    ].join('\n'),
  };
  const run = (changes: Record<string, string>) => {
    const files = scan({ ...CLEAN, ...changes });
    return Object.fromEntries(Object.entries(rules).map(([name, rule]) => [name, rule(files)]));
  };
  const offenders = (changes: Record<string, string>) =>
    Object.fromEntries(Object.entries(run(changes)).filter(([, found]) => found.length > 0));

  it('a clean tree breaks no rule (comments, strings and property names do not count)', () => {
    expect(offenders({})).toEqual({});
  });

  it('a dynamic import of node:fs in core', () => {
    expect(
      offenders({ 'core/clock.ts': "export const read = async () => await import('node:fs');" }),
    ).toEqual({ browserSafe: ['core/clock.ts:1 -> node:fs'] });
  });

  it('a side-effect import of ../server/app.js from core', () => {
    expect(
      offenders({
        'core/random.ts': "import '../server/app.js';",
        'server/app.ts': 'export const app = 1;',
      }),
    ).toEqual({
      layering: ['core/random.ts:1 -> ../server/app.js'],
      throughIndex: ['core/random.ts:1 -> ../server/app.js'],
    });
  });

  it('a two-file cycle inside one folder, and one through a type-only import', () => {
    expect(
      offenders({
        'sessions/a.ts': "import { b } from './b.js';\nexport const a = b;",
        'sessions/b.ts': "export type { A } from './a.js';\nexport const b = 1;",
        'jwt/sign.ts': "export * from './claims.js';",
        'jwt/claims.ts': "export const c = () => require('./sign.js');",
      }),
    ).toEqual({
      cycles: [
        'jwt/claims.ts -> jwt/sign.ts -> jwt/claims.ts',
        'sessions/a.ts -> sessions/b.ts -> sessions/a.ts (type)',
      ],
    });
  });

  it('Math.random in jwt, and the generator reached by other names', () => {
    expect(
      offenders({
        'jwt/sign.ts': [
          "import { randomBytes as bytes } from 'node:crypto';",
          'export const id = () => Math.random() + globalThis.crypto.randomUUID() + bytes(1);',
        ].join('\n'),
      }),
    ).toEqual({
      randomness: [
        'jwt/sign.ts -> randomBytes (line 1)',
        'jwt/sign.ts -> Math.random (line 2)',
        'jwt/sign.ts -> randomUUID (line 2)',
      ],
    });
  });

  it('Date.now in sessions, and the other raw clocks', () => {
    expect(
      offenders({
        'sessions/service.ts':
          'export const t = () => [Date.now(), new Date(), new Date, performance.now(), Date()];',
      }),
    ).toEqual({
      clock: [
        'sessions/service.ts -> Date.now (line 1)',
        'sessions/service.ts -> new Date() (line 1)',
        'sessions/service.ts -> performance.now (line 1)',
        'sessions/service.ts -> Date() (line 1)',
      ],
    });
  });

  it('a deep cross-folder import, type-only as well', () => {
    expect(
      offenders({
        'server/app.ts': "import type { S } from '../jwt/sign.js';\nexport type A = S;",
        'sessions/service.ts': "export { systemClock } from '../core/clock.js';",
      }),
    ).toEqual({
      throughIndex: [
        'server/app.ts:1 -> ../jwt/sign.js (type)',
        'sessions/service.ts:1 -> ../core/clock.js',
      ],
    });
  });

  it('a web file reaching outside src/web, or by an absolute path', () => {
    expect(
      offenders({
        'web/app.js': [
          "import './inspect.js';",
          "import '/assets/inspect.js';",
          "import { x } from '../core/index.js';",
          "import 'lit';",
        ].join('\n'),
      }),
    ).toEqual({
      layering: ['web/app.js:3 -> ../core/index.js'],
      webSelfContained: [
        'web/app.js:2 -> /assets/inspect.js',
        'web/app.js:3 -> ../core/index.js',
        'web/app.js:4 -> lit',
      ],
    });
  });

  it('Node in a browser folder, the environment outside cli/, HTTP in the domain', () => {
    expect(
      offenders({
        'client/index.ts': [
          "import type { IncomingMessage } from 'node:http';",
          'export const c = (m: IncomingMessage) => Buffer.from(process.env.X ?? "");',
        ].join('\n'),
        'server/config.ts': [
          'export function configFromEnv(env = process.env) { return env; }',
          'export const port = process.env.PORT;',
        ].join('\n'),
      }),
    ).toEqual({
      browserSafe: [
        'client/index.ts:1 -> node:http (type)',
        'client/index.ts -> Buffer (line 2)',
        'client/index.ts -> process (line 2)',
      ],
      environment: [
        'client/index.ts -> process.env (line 2)',
        'server/config.ts -> process.env (line 2)',
      ],
      noHttpOrDb: ['client/index.ts:1 -> node:http (type)'],
    });
  });

  it('a computed or dangling import, and an unknown folder', () => {
    expect(
      offenders({
        'jwt/sign.ts': "export const load = (name: string) => import(name);\nimport './gone.js';",
        'access2/x.ts': 'export const x = 1;',
      }),
    ).toEqual({
      unknownFolders: ['access2/x.ts'],
      unresolved: [
        'jwt/sign.ts:1 -> dynamic of a computed specifier',
        'jwt/sign.ts:2 -> ./gone.js (no such file)',
      ],
    });
  });
});
