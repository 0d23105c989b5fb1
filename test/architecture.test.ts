/**
 * The import rules of ../shared/STYLE.md: dependencies point down, core is browser-safe, and
 * only the CLI (and later server/config.ts) reads the environment.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = new URL('../src', import.meta.url).pathname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Source text without comments, so prose about Buffer or Date.now() does not count. */
const withoutComments = (text: string) =>
  text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');

const files = sourceFiles(SRC).map((path) => ({
  path: relative(SRC, path),
  module: relative(SRC, path).split('/')[0] as string,
  text: withoutComments(readFileSync(path, 'utf8')),
}));

function importsOf(text: string): string[] {
  return [...text.matchAll(/^(?:import|export)[^'"]*from\s+'([^']+)'/gm)].map(
    (m) => m[1] as string,
  );
}

/** Which src modules each module may import. */
const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  jwt: ['core'],
  passwords: ['core'],
  limits: ['core'],
  revocation: ['core'],
  sessions: ['core', 'revocation'],
  refresh: ['core', 'sessions'],
  accounts: ['core', 'passwords', 'limits'],
  storage: ['core', 'jwt', 'accounts', 'sessions', 'refresh', 'limits', 'revocation'],
  server: [
    'core',
    'jwt',
    'passwords',
    'limits',
    'revocation',
    'sessions',
    'refresh',
    'accounts',
    'storage',
  ],
  middleware: ['core', 'jwt'],
  client: ['core'],
  web: [],
  cli: ['core', 'jwt', 'server', 'storage'],
};

describe('architecture', () => {
  it('knows every module', () => {
    for (const file of files) expect(Object.keys(ALLOWED)).toContain(file.module);
  });

  it('dependencies point down', () => {
    for (const file of files) {
      for (const spec of importsOf(file.text)) {
        if (!spec.startsWith('.')) continue;
        const target = relative(SRC, join(SRC, file.path, '..', spec)).split('/')[0] as string;
        if (target === file.module) continue;
        expect(ALLOWED[file.module], `${file.path} imports ${spec}`).toContain(target);
      }
    }
  });

  it('core and client are browser-safe: no node: built-ins, no Buffer, no process', () => {
    for (const file of files.filter((f) => f.module === 'core' || f.module === 'client')) {
      expect(
        importsOf(file.text).filter((s) => s.startsWith('node:')),
        file.path,
      ).toEqual([]);
      expect(file.text, file.path).not.toMatch(/\bBuffer\b|\bprocess\./);
    }
  });

  it('only the CLI reads the environment; only core/clock.ts reads the wall clock', () => {
    for (const file of files.filter((f) => f.module !== 'cli')) {
      expect(file.text, file.path).not.toMatch(/process\.env/);
    }
    for (const file of files.filter((f) => f.path !== 'core/clock.ts' && f.module !== 'cli')) {
      expect(file.text, file.path).not.toMatch(/Date\.now\(\)/);
    }
  });

  it('the domain modules know nothing of HTTP or a database driver', () => {
    for (const file of files.filter((f) =>
      [
        'core',
        'jwt',
        'passwords',
        'limits',
        'revocation',
        'sessions',
        'refresh',
        'accounts',
        'middleware',
        'client',
      ].includes(f.module),
    )) {
      for (const spec of importsOf(file.text))
        expect(spec, file.path).not.toMatch(
          /^(fastify|@fastify|kysely|better-sqlite3|pg|ioredis|node:http)/,
        );
    }
  });
});
