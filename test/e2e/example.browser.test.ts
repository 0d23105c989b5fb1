import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumGate, launchChromium } from '../support/browser.js';
import { createTestServer, type TestServer } from '../support/server.js';

describe.runIf(chromiumGate('the example browser tests'))('the example page and API', () => {
  let gatehouse: TestServer;
  let example: Server;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    const { createFixedClock } = await import('../../src/core/clock.js');
    gatehouse = await createTestServer({
      env: { GATEHOUSE_ISSUER: 'http://localhost:3000' },
      clock: createFixedClock(Date.now()),
    });
    const gatehouseUrl = await gatehouse.app.listen({ port: 0, host: '127.0.0.1' });
    // @ts-expect-error: plain JavaScript example, no declarations
    const { createExampleApp } = await import('../../examples/server.js');
    example = createExampleApp({ gatehouseUrl, issuer: 'http://localhost:3000' }).listen(
      0,
      '127.0.0.1',
    );
    await new Promise((resolve) => example.once('listening', resolve));
    base = `http://127.0.0.1:${(example.address() as AddressInfo).port}`;
    browser = await launchChromium();
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
    await page.waitForFunction(() =>
      (
        globalThis as unknown as { document: { querySelector(s: string): { textContent: string } } }
      ).document
        .querySelector('#status')
        .textContent.startsWith('signed in'),
    );
    await page.click('#orders');
    await page.waitForFunction(() =>
      (
        globalThis as unknown as { document: { querySelector(s: string): { textContent: string } } }
      ).document
        .querySelector('#output')
        .textContent.includes('tea'),
    );
    expect(await page.textContent('#output')).toMatch(/^200\n/);
    await page.screenshot({ path: 'test-results/example.png' }).catch(() => undefined);
    await page.click('#logout');
    await page.waitForFunction(
      () =>
        (
          globalThis as unknown as {
            document: { querySelector(s: string): { textContent: string } };
          }
        ).document.querySelector('#status').textContent === 'signed out',
    );
    await page.click('#orders');
    await page.waitForFunction(() =>
      (
        globalThis as unknown as { document: { querySelector(s: string): { textContent: string } } }
      ).document
        .querySelector('#output')
        .textContent.startsWith('401'),
    );
  }, 60_000);
});
