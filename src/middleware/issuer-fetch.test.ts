import { describe, expect, it } from 'vitest';
import { fetchText } from './issuer-fetch.js';

const URL_ = 'https://auth.test/jwks';

/** A response whose body comes in `chunks` chunks of `chunkBytes`; counts what was pulled. */
function chunked(chunks: number, chunkBytes: number, headers: Record<string, string> = {}) {
  const state = { pulled: 0, cancelled: false };
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (state.pulled === chunks) return controller.close();
      state.pulled++;
      controller.enqueue(new Uint8Array(chunkBytes).fill(0x20));
    },
    cancel() {
      state.cancelled = true;
    },
  });
  const fetch: typeof globalThis.fetch = async () => new Response(body, { headers });
  return { fetch, state };
}

describe('fetchText bounds the body it reads', () => {
  it('takes a body of exactly maxBytes, refuses one byte more', async () => {
    const exact = chunked(4, 256);
    expect(await fetchText(exact.fetch, URL_, 1000, 1024)).toBe(' '.repeat(1024));
    const longer: typeof globalThis.fetch = async () => new Response(' '.repeat(1025));
    await expect(fetchText(longer, URL_, 1000, 1024)).rejects.toThrow(/over 1024 bytes/);
  });

  it('stops reading a streamed body once it passes the limit, and cancels it', async () => {
    // 64 chunks of 64 KiB (4 MiB) against a 1 MiB limit: 17 chunks are read, not 64.
    const big = chunked(64, 65_536);
    await expect(fetchText(big.fetch, URL_, 1000, 1_048_576)).rejects.toThrow(/over 1048576 bytes/);
    expect(big.state.pulled).toBeLessThan(20);
    expect(big.state.cancelled).toBe(true);
  });

  it('refuses a declared Content-Length over the limit without reading the body', async () => {
    const declared = chunked(1, 10, { 'content-length': '2000000' });
    await expect(fetchText(declared.fetch, URL_, 1000, 1_048_576)).rejects.toThrow(/over/);
    expect(declared.state.pulled).toBeLessThanOrEqual(1);
    expect(declared.state.cancelled).toBe(true);
  });

  it('decodes UTF-8 split across chunks as response.text() does', async () => {
    const bytes = new TextEncoder().encode('{"name":"Zoë ✓"}');
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const byte of bytes) controller.enqueue(new Uint8Array([byte]));
        controller.close();
      },
    });
    const fetch: typeof globalThis.fetch = async () => new Response(body);
    expect(await fetchText(fetch, URL_, 1000, 1024)).toBe('{"name":"Zoë ✓"}');
  });
});
