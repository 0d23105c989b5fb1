/** Debian's Chromium, driven by playwright-core (never a downloaded browser); test support only. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { IN_CI } from './services.js';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

/**
 * Whether a browser suite can run. Without Chromium it is skipped with a loud notice, except
 * under CI=true, where a missing browser fails the run (like a missing PostgreSQL or Redis).
 */
export function chromiumGate(suite: string): boolean {
  if (hasChromium) return true;
  if (IN_CI)
    throw new Error(`${CHROMIUM} is missing (${suite}): .ci/run installs Debian's chromium`);
  console.warn(
    `\n*** Chromium (${CHROMIUM}) is not installed: ${suite} is SKIPPED (apt-get install -y chromium). ***\n`,
  );
  return false;
}

/** Launches headless Chromium with the flags this machine's closed network needs. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Compiles dist/ (the pages and the example load the browser client from it). */
export function buildDist(): void {
  // The same step as `npm start`: an incremental build, skipped when dist/ is current.
  execFileSync(process.execPath, ['scripts/build-if-stale.js'], { stdio: 'pipe' });
}
