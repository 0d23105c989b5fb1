/**
 * The README's "Protecting your own API" snippets, and the CORS middleware of "Browser apps on
 * another origin", compile as a user's project would compile them:
 * each ```ts block is written to a temporary project (its own tsconfig, `strict`, NodeNext, the
 * framework types from this checkout's node_modules, `@gatehouse/middleware*` mapped to src/) and
 * checked with the TypeScript compiler API. Snippets that misuse the claims must fail, each with
 * exactly the expected error, which shows the claims are typed and not `any`.
 */
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const SECTION = '## Protecting your own API';
const CROSS_ORIGIN_SECTION = '## Browser apps on another origin';

/** The ```ts blocks of one README section, in order. */
function snippetsOf(readme: string, heading: string): string[] {
  const start = readme.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README has no section ${heading}`);
  const next = readme.indexOf('\n## ', start + heading.length + 2);
  const section = readme.slice(start, next < 0 ? undefined : next);
  return [...section.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? '');
}

const GUARD = `import { createTokenGuard } from '@gatehouse/middleware';
const guard = createTokenGuard({ issuer: 'https://auth.example.com', audience: 'https://api.example.com' });
`;

/** Uses that must compile although the README does not show them. */
const EXTRA: Record<string, string> = {
  // A handler declared apart from its route says what its locals are, without a cast.
  'express-named-handler.ts': `import express, { type Request, type Response } from 'express';
import { type GatehouseLocals, requireAccessToken } from '@gatehouse/middleware/express';
${GUARD}
const listOrders = (_req: Request, res: Response<unknown, GatehouseLocals>) => {
  res.locals.seen = true;
  res.json({ session: res.locals.gatehouse.sid, client: res.locals.gatehouse.client_id });
};
express().get('/orders', requireAccessToken(guard), listOrders);
`,
  // Without typed Variables, a route that lists the middleware still sees the claims.
  'hono-route-level.ts': `import { Hono } from 'hono';
import { requireAccessToken } from '@gatehouse/middleware/hono';
${GUARD}
new Hono().get('/orders', requireAccessToken(guard), (c) => c.json({ user: c.get('gatehouse').sub }));
`,
  // The request form of check(), the feed options, and the refusal reason narrowed on ok.
  'guard-request.ts': `import { createTokenGuard, type GuardRefusalReason, type GuardRequest } from '@gatehouse/middleware';
const guard = createTokenGuard({
  issuer: 'https://auth.example.com',
  audience: 'https://api.example.com',
  followRevocations: true,
  revocationPollIntervalMs: 1000,
  whenRevocationsStale: 'accept',
  fetchTimeoutMs: 2000,
});
export async function decide(request: GuardRequest): Promise<GuardRefusalReason | string> {
  const result = await guard.check(request);
  const byHeader = await guard.check(request.authorization);
  guard.close();
  return result.ok ? result.claims.sub : byHeader.ok ? 'mixed' : result.reason;
}
`,
  // Each adapter's refusal reason, read by a logger around it, typed.
  'refusal-loggers.ts': `import express, { type NextFunction, type Request, type Response } from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import type { GuardRefusalReason } from '@gatehouse/middleware';
import type { GatehouseLocals } from '@gatehouse/middleware/express';
import '@gatehouse/middleware/fastify';
import type { GatehouseVariables } from '@gatehouse/middleware/hono';
const seen: Array<GuardRefusalReason | undefined> = [];
express().use((_req: Request, res: Response<unknown, GatehouseLocals>, next: NextFunction) => {
  res.on('finish', () => seen.push(res.locals.gatehouseRefusal));
  next();
});
Fastify().addHook('onResponse', async (request) => {
  seen.push(request.gatehouseRefusal);
});
new Hono<{ Variables: GatehouseVariables }>().use('*', async (c, next) => {
  await next();
  seen.push(c.get('gatehouseRefusal'));
});
`,
  // Custom claims are unknown and narrow like any unknown; scope is an optional string.
  'claims-narrowing.ts': `import type { GatehouseClaims } from '@gatehouse/middleware';
export function tenantOf(claims: GatehouseClaims): string | null {
  const boundKey: string | null = claims.cnf?.jkt ?? null;
  const scopes: string[] = claims.scope?.split(' ') ?? [];
  const expiresAtMs: number = claims.exp * 1000;
  return scopes.length > 0 && expiresAtMs > 0 && boundKey !== '' && typeof claims.tenant === 'string'
    ? claims.tenant
    : null;
}
`,
};

/** Misuses, each with the one error it must produce. */
const MISUSES: Record<string, { readonly code: number; readonly source: string }> = {
  'express-sub-as-number.ts': {
    code: 2322, // Type 'string' is not assignable to type 'number'.
    source: `import express from 'express';
import { requireAccessToken } from '@gatehouse/middleware/express';
${GUARD}
express().get('/orders', requireAccessToken(guard), (_req, res) => {
  const n: number = res.locals.gatehouse.sub;
  res.json({ n });
});
`,
  },
  'express-custom-claim-as-string.ts': {
    code: 2322, // Type 'unknown' is not assignable to type 'string'.
    source: `import express from 'express';
import { requireAccessToken } from '@gatehouse/middleware/express';
${GUARD}
express().get('/orders', requireAccessToken(guard), (_req, res) => {
  const tenant: string = res.locals.gatehouse.tenant;
  res.json({ tenant });
});
`,
  },
  'fastify-sub-as-number.ts': {
    code: 2322,
    source: `import Fastify from 'fastify';
import { requireAccessToken } from '@gatehouse/middleware/fastify';
${GUARD}
Fastify().get('/orders', { preHandler: requireAccessToken(guard) }, async (request) => {
  const n: number | undefined = request.gatehouse?.sub;
  return { n };
});
`,
  },
  'fastify-unchecked.ts': {
    code: 18048, // 'request.gatehouse' is possibly 'undefined'.
    source: `import Fastify from 'fastify';
import '@gatehouse/middleware/fastify';
Fastify().get('/orders', async (request) => ({ user: request.gatehouse.sub }));
`,
  },
  'hono-sub-as-number.ts': {
    code: 2322,
    source: `import { Hono } from 'hono';
import { type GatehouseVariables, requireAccessToken } from '@gatehouse/middleware/hono';
${GUARD}
const app = new Hono<{ Variables: GatehouseVariables }>();
app.use('/orders/*', requireAccessToken(guard));
app.get('/orders', (c) => {
  const n: number = c.get('gatehouse').sub;
  return c.json({ n });
});
`,
  },
  'claims-sub-as-number.ts': {
    code: 2322,
    source: `import type { GatehouseClaims } from '@gatehouse/middleware';
export const subjectOf = (claims: GatehouseClaims): number => claims.sub;
`,
  },
  // cnf is typed (no cast needed to read cnf.jkt), and optional: a Bearer token has none.
  'claims-cnf-unchecked.ts': {
    code: 18048, // 'claims.cnf' is possibly 'undefined'.
    source: `import type { GatehouseClaims } from '@gatehouse/middleware';
export const keyOf = (claims: GatehouseClaims): string => claims.cnf.jkt;
`,
  },
};

/** The tsconfig of a user who turned on `strict`; `extra` adds the flags Gatehouse itself uses. */
const tsconfigOf = (extra: Readonly<Record<string, unknown>>) => ({
  compilerOptions: {
    target: 'ES2022',
    lib: ['ES2023'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
    paths: {
      '@gatehouse/middleware': [join(root, 'src/middleware/index.ts')],
      '@gatehouse/middleware/*': [join(root, 'src/middleware/*.ts')],
    },
    ...extra,
  },
  include: ['*.ts'],
});

const readme = readFileSync(join(root, 'README.md'), 'utf8');
const readmeSnippets = snippetsOf(readme, SECTION);
const crossOriginSnippets = snippetsOf(readme, CROSS_ORIGIN_SECTION);
const readmeFiles = [
  ...readmeSnippets.map((_, index) => `readme-${index + 1}.ts`),
  ...crossOriginSnippets.map((_, index) => `readme-cross-origin-${index + 1}.ts`),
];

const show = (diagnostics: readonly ts.Diagnostic[]) =>
  ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (name) => name,
    getCurrentDirectory: () => tmpdir(),
    getNewLine: () => '\n',
  });

/**
 * Writes the project to `dir` and compiles it: every diagnostic (options, global, each file),
 * grouped by file name relative to `dir`.
 */
function compileProject(dir: string, tsconfig: object): Map<string, ts.Diagnostic[]> {
  // express, fastify, hono and @types/* resolve as in a project that installed them.
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
  for (const [index, snippet] of readmeSnippets.entries())
    writeFileSync(join(dir, `readme-${index + 1}.ts`), snippet);
  for (const [index, snippet] of crossOriginSnippets.entries())
    writeFileSync(join(dir, `readme-cross-origin-${index + 1}.ts`), snippet);
  for (const [file, source] of Object.entries(EXTRA)) writeFileSync(join(dir, file), source);
  for (const [file, { source }] of Object.entries(MISUSES)) writeFileSync(join(dir, file), source);

  const config = ts.getParsedCommandLineOfConfigFile(join(dir, 'tsconfig.json'), undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(show([diagnostic]));
    },
  });
  if (config === undefined) throw new Error('tsconfig.json did not parse');
  expect(show(config.errors)).toBe('');
  const program = ts.createProgram({ rootNames: config.fileNames, options: config.options });
  // Each snippet must really be in the program: a file the include misses has no diagnostics.
  const wanted = [...readmeFiles, ...Object.keys(EXTRA), ...Object.keys(MISUSES)];
  expect(wanted.filter((file) => program.getSourceFile(join(dir, file)) === undefined)).toEqual([]);
  const byFile = new Map<string, ts.Diagnostic[]>();
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const file =
      diagnostic.file === undefined ? '(global)' : relative(dir, diagnostic.file.fileName);
    byFile.set(file, [...(byFile.get(file) ?? []), diagnostic]);
  }
  return byFile;
}

describe(`README "${SECTION.slice(3)}"`, () => {
  it('has a ts snippet for each of Express, Fastify and Hono, and a DPoP replay cache, with no cast', () => {
    expect(
      readmeSnippets.map((s) => s.match(/from '@gatehouse\/middleware\/(\w+)'/)?.[1] ?? 'core'),
    ).toEqual(['express', 'fastify', 'hono', 'core']);
    for (const snippet of readmeSnippets) expect(snippet).not.toMatch(/\bas\b|\bany\b|!\./);
  });
});

describe(`README "${CROSS_ORIGIN_SECTION.slice(3)}"`, () => {
  it('has one ts snippet, the CORS middleware for an Express API, with no cast', () => {
    expect(crossOriginSnippets).toHaveLength(1);
    const [cors = ''] = crossOriginSnippets;
    expect(cors).toMatch(/from 'express'/);
    expect(cors).toMatch(/Access-Control-Allow-Headers', '[^']*Authorization, DPoP/);
    expect(cors).not.toMatch(/\bas\b|\bany\b|!\.|'\*'\)/);
  });
});

describe.each([
  ['strict', {}],
  [
    'strict with the flags Gatehouse uses',
    {
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
      verbatimModuleSyntax: true,
      isolatedModules: true,
    },
  ],
] as const)('compiled under %s', (_name, extra) => {
  let dir = '';
  let diagnostics = new Map<string, ts.Diagnostic[]>();

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-readme-'));
    diagnostics = compileProject(dir, tsconfigOf(extra));
  });
  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('every snippet, the sources they import and the other supported uses have no error', () => {
    const misuses = new Set(Object.keys(MISUSES));
    const unexpected = [...diagnostics]
      .filter(([file]) => !misuses.has(file))
      .flatMap(([, list]) => list);
    expect(show(unexpected)).toBe('');
  });

  it.each(Object.entries(MISUSES).map(([file, { code }]) => [file, code] as const))(
    'refuses %s with TS%i',
    (file, code) => {
      const found = diagnostics.get(file) ?? [];
      expect(
        found.map((d) => d.code),
        show(found),
      ).toEqual([code]);
    },
  );
});
