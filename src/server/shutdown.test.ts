import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { GatehouseApp } from './http.js';
import { prepareShutdown } from './shutdown.js';

/** An app whose /slow handler answers only when the test says so. */
async function slowApp() {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let entered: () => void = () => {};
  const inHandler = new Promise<void>((resolve) => {
    entered = resolve;
  });
  const app = Fastify().withTypeProvider<TypeBoxTypeProvider>() as unknown as GatehouseApp;
  app.get('/slow', async () => {
    entered();
    await released;
    return { done: true };
  });
  const closeWithin = prepareShutdown(app);
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, base, closeWithin, release, inHandler };
}

const opened: GatehouseApp[] = [];
afterEach(async () => {
  for (const app of opened.splice(0)) await app.close().catch(() => {});
});

describe('prepareShutdown', () => {
  it('a handler in flight finishes within the grace, and its answer says Connection: close', async () => {
    const { app, base, closeWithin, release, inHandler } = await slowApp();
    opened.push(app);
    const response = fetch(`${base}/slow`);
    await inHandler;
    const closing = closeWithin(10_000);
    release();
    const answer = await response;
    expect(answer.status).toBe(200);
    expect(answer.headers.get('connection')).toBe('close');
    expect(await answer.json()).toEqual({ done: true });
    const startedAt = Date.now();
    await closing;
    expect(Date.now() - startedAt).toBeLessThan(2000);
  });

  it('a handler slower than the deadline has its connection closed at the deadline', async () => {
    const { app, base, closeWithin, release, inHandler } = await slowApp();
    opened.push(app);
    const response = fetch(`${base}/slow`).then(
      () => 'answered',
      () => 'connection closed',
    );
    await inHandler;
    const startedAt = Date.now();
    await closeWithin(300);
    const elapsed = Date.now() - startedAt;
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(2000);
    expect(await response).toBe('connection closed');
    release();
  });

  it('a deadline of 0 closes at once', async () => {
    const { app, base, closeWithin, release, inHandler } = await slowApp();
    opened.push(app);
    const response = fetch(`${base}/slow`).catch(() => null);
    await inHandler;
    const startedAt = Date.now();
    await closeWithin(0);
    expect(Date.now() - startedAt).toBeLessThan(1000);
    expect(await response).toBeNull();
    release();
  });
});
