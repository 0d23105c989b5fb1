/**
 * Loads the public test vectors (test support only, never shipped): vendored under
 * test/fixtures/vectors with their licences, so `npm test` needs nothing beside the checkout.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** The vectors folder: GATEHOUSE_VECTORS when set, else the vendored copy in test/fixtures. */
export function vectorsDir(): string {
  const candidates = [process.env.GATEHOUSE_VECTORS, resolve(here, '../fixtures/vectors')].filter(
    (p): p is string => typeof p === 'string',
  );
  for (const dir of candidates) if (existsSync(join(dir, 'wycheproof'))) return dir;
  throw new Error(`test vectors not found; looked in: ${candidates.join(', ')}`);
}

export function readVectorJson<T = unknown>(...path: string[]): T {
  return JSON.parse(readFileSync(join(vectorsDir(), ...path), 'utf8')) as T;
}

export function readVectorText(...path: string[]): string {
  return readFileSync(join(vectorsDir(), ...path), 'utf8');
}

export function listVectorDir(...path: string[]): string[] {
  return readdirSync(join(vectorsDir(), ...path));
}

export interface WycheproofTest {
  tcId: number;
  comment: string;
  flags: string[];
  result: 'valid' | 'invalid' | 'acceptable';
  msg?: string;
  sig?: string;
  tag?: string;
  key?: string;
  jws?: string;
}

export interface WycheproofGroup {
  tests: WycheproofTest[];
  [field: string]: unknown;
}

export interface WycheproofFile {
  algorithm: string;
  numberOfTests: number;
  testGroups: WycheproofGroup[];
}
