/** Loads the public test vectors from ../shared/vectors (test support only, never shipped). */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** The shared vectors folder: beside the checkout (`../shared`) or named by GATEHOUSE_VECTORS. */
export function vectorsDir(): string {
  const candidates = [
    process.env.GATEHOUSE_VECTORS,
    resolve(here, '../../../shared/vectors'),
    resolve(here, '../../shared/vectors'),
  ].filter((p): p is string => typeof p === 'string');
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
