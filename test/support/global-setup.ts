/**
 * Runs once before all test files: compiles dist/ for the browser tests (the pages and the example
 * load the browser client from it). Once, so that no two test files write dist/ at the same time.
 */
import { buildDist, hasChromium } from './browser.js';

export default function setup(): void {
  if (hasChromium) buildDist();
}
