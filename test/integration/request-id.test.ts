/** X-Request-Id: taken from the caller when it is a plain token, generated otherwise; always returned. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../support/server.js';

describe('X-Request-Id', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await createTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  const get = (headers: Record<string, string> = {}) =>
    server.app.inject({ method: 'GET', url: '/healthz', headers });

  it('keeps a plain id from the caller and returns it', async () => {
    const response = await get({ 'x-request-id': 'lb-7f3a.2:9_x' });
    expect(response.headers['x-request-id']).toBe('lb-7f3a.2:9_x');
  });

  it('replaces an id that could forge log content, and generates distinct ones', async () => {
    for (const forged of ['a b', 'x\u2028y', 'a'.repeat(129), '{"level":60}', '']) {
      const response = await get({ 'x-request-id': forged });
      expect(response.headers['x-request-id'], forged).not.toBe(forged);
      expect(response.headers['x-request-id']).toMatch(/^[A-Za-z0-9_-]{8}-[0-9a-z]+$/);
    }
    const one = (await get()).headers['x-request-id'];
    const two = (await get()).headers['x-request-id'];
    expect(one).not.toBe(two);
  });

  it('is on error answers too (404, 400 from the router)', async () => {
    const missing = await server.app.inject({
      method: 'GET',
      url: '/nowhere',
      headers: { 'x-request-id': 'r-1' },
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['x-request-id']).toBe('r-1');
    const bad = await server.app.inject({
      method: 'GET',
      url: '/v1/%E0%A4%A',
      headers: { 'x-request-id': 'r-2' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['x-request-id']).toBe('r-2');
  });
});
