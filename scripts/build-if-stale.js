#!/usr/bin/env node
/**
 * Builds dist/ only when a source is newer than the last build, so that `npm start` (prestart) and
 * `npm ci` (prepare) start at once when the build is current. "Newer" is by modification time of
 * every file under src/ (not tests) and of the tsconfig files, against dist/.tsbuildinfo, which
 * tsc writes and this script stamps after each successful build; a failed or interrupted build
 * leaves it old (tsc exits non-zero, so no stamp), and the next run builds again. The build itself is incremental (tsconfig.build.json).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const stamp = join(root, 'dist', '.tsbuildinfo');

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newest(path));
    else if (!entry.name.endsWith('.test.ts')) latest = Math.max(latest, statSync(path).mtimeMs);
  }
  return latest;
}

let built = 0;
try {
  built = statSync(stamp).mtimeMs;
} catch {
  // never built
}
const sources = Math.max(
  newest(join(root, 'src')),
  statSync(join(root, 'tsconfig.json')).mtimeMs,
  statSync(join(root, 'tsconfig.build.json')).mtimeMs,
);
if (sources >= built) {
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  // tsc leaves the file alone when nothing it emits changed (a touched source): stamp it now.
  const now = new Date();
  utimesSync(stamp, now, now);
}
