/**
 * Runs once before all test files:
 * - compiles dist/ for the browser tests (the pages and the example load the browser client from
 *   it). Once, so that no two test files write dist/ at the same time;
 * - points TMPDIR at a directory of this run, removed at its end: the outboxes, scratch databases,
 *   scratch apps and Chromium profiles the tests make in os.tmpdir() leave nothing behind. Test
 *   workers start after this and inherit it.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDist, hasChromium } from './browser.js';

export default function setup(): () => void {
  if (hasChromium) buildDist();
  const previous = process.env.TMPDIR;
  const runDir = mkdtempSync(join(tmpdir(), 'gatehouse-test-run-'));
  // As /tmp: other users reach it (the outage test runs a PostgreSQL cluster as `postgres` in a
  // directory of its own here; mkdtemp's 0700 kept that user out).
  chmodSync(runDir, 0o1777);
  process.env.TMPDIR = runDir;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(runDir, { recursive: true, force: true, maxRetries: 3 });
  };
}
