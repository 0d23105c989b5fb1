/**
 * The example (examples/): a person signs up and logs in on the page, calls the protected
 * Express API, and logs out, in Chromium, against a real Gatehouse.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../support/server.js';

const CHROMIUM = '/usr/bin/chromium';

describe.runIf(existsSync(CHROMIUM))('the example page and API', () => {
  let gatehouse: TestServer;
  let example: Server;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    // The example serves the compiled client from dist/, as `npm run example` does after its build.
    execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'pipe' });
    const { createFixedClock } = await import('../../src/core/clock.js');
    gatehouse = await createTestServer({ env: { GATEHOUSE_ISSUER: 'http://localhost:3000' }, clock: createFixedClock(Date.now()) });
    const gatehouseUrl = await gatehouse.app.listen({ port: 0, host: '127.0.0.1' });
    // @ts-expect-error: plain JavaScript example, no declarations
    const { createExampleApp } = await import('../../examples/server.js');
    example = createExampleApp({ gatehouseUrl, issuer: 'http://localhost:3000' }).listen(0, '127.0.0.1');
    await new Promise((resolve) => example.once('listening', resolve));
    base = `http://127.0.0.1:${(example.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => example?.close(resolve));
    await gatehouse?.close();
  });

  it('sign up, log in, call the API, log out', async () => {
    const page = await browser.newPage();
    await page.goto(base);
    await page.click('button[value=signup]');
    await page.waitForFunction(() => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string } } }).document.querySelector('#status').textContent.startsWith('signed in'));
    await page.click('#orders');
    await page.waitForFunction(() => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string } } }).document.querySelector('#output').textContent.includes('tea'));
    expect(await page.textContent('#output')).toMatch(/^200\n/);
    await page.screenshot({ path: 'test-results/example.png' }).catch(() => undefined);
    await page.click('#logout');
    await page.waitForFunction(() => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string } } }).document.querySelector('#status').textContent === 'signed out');
    await page.click('#orders');
    await page.waitForFunction(() => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string } } }).document.querySelector('#output').textContent.startsWith('401'));
  }, 60_000);
});
