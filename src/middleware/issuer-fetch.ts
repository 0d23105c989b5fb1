/**
 * How the middleware talks to the issuer (metadata, JWKS, revocation feed) without letting an
 * issuer outage become an outage of the API's own resources: every fetch has a timeout, one task
 * runs at a time however many requests wait for it, and after a failure no fetch is made until a
 * backoff has passed: 1 s after the first failure, doubling after each further one, capped
 * (defaults in token-guard.ts), before the first success as after it. A hundred requests against
 * a down or stalled issuer thus make one fetch, and those arriving during the backoff are answered
 * at once (503 with Retry-After) instead of queueing on a socket.
 */
import type { Clock } from '../core/index.js';

/** The issuer could not be reached, or is in its backoff: retry after `retryAfterMs`. */
export class IssuerUnavailableError extends Error {
  override readonly name = 'IssuerUnavailableError';
  readonly retryAfterMs: number;

  constructor(retryAfterMs: number, options?: { cause?: unknown }) {
    super('the issuer cannot be reached', options);
    this.retryAfterMs = retryAfterMs;
  }
}

export interface RetryGateOptions {
  readonly clock: Clock;
  /** The wait after the first failure. */
  readonly initialBackoffMs: number;
  /** The longest wait, however many failures in a row. */
  readonly maxBackoffMs: number;
}

/** One task at a time, with a backoff after failures. */
export interface RetryGate {
  /**
   * Runs the task, or joins the run in flight.
   * @throws IssuerUnavailableError when the task fails, or at once (no run) during the backoff
   */
  run(): Promise<void>;
  /** Milliseconds until a run may start (0: now). */
  retryInMs(): number;
}

/**
 * Wraps `task` in a gate.
 *
 * @example
 * const keys = createRetryGate(loadKeys, { clock, initialBackoffMs: 1000, maxBackoffMs: 10_000 });
 * await keys.run(); // throws IssuerUnavailableError during an outage
 */
export function createRetryGate(task: () => Promise<void>, options: RetryGateOptions): RetryGate {
  const { clock, initialBackoffMs, maxBackoffMs } = options;
  let inflight: Promise<void> | null = null;
  let failures = 0;
  let retryAtMs = Number.NEGATIVE_INFINITY;

  const retryInMs = () => Math.max(0, retryAtMs - clock.nowMs());

  return {
    retryInMs,
    run() {
      if (inflight !== null) return inflight;
      const wait = retryInMs();
      if (wait > 0) return Promise.reject(new IssuerUnavailableError(wait));
      inflight = task().then(
        () => {
          failures = 0;
          retryAtMs = Number.NEGATIVE_INFINITY;
          inflight = null;
        },
        (cause: unknown) => {
          failures++;
          // 2^(n-1) times the first wait; the exponent is capped too, so it never overflows.
          const backoff = Math.min(
            maxBackoffMs,
            initialBackoffMs * 2 ** Math.min(failures - 1, 30),
          );
          retryAtMs = clock.nowMs() + backoff;
          inflight = null;
          throw new IssuerUnavailableError(backoff, { cause });
        },
      );
      return inflight;
    },
  };
}

/**
 * The largest metadata or JWKS body read: 1 MiB. A JWKS of twenty 4096-bit RSA keys is ~16 KB; a
 * bigger body is an issuer (or whatever answers for it) filling the API's memory.
 */
export const MAX_DOCUMENT_BYTES = 1_048_576;

/**
 * The largest revocation feed page read: 8 MiB. Gatehouse sends at most 5000 entries a page
 * (FEED_PAGE_LIMIT), ~70 bytes each, so ~350 KB: the margin is for whitespace and growth.
 */
export const MAX_FEED_PAGE_BYTES = 8 * 1_048_576;

/**
 * GETs `url` as text, failing on a status other than 2xx, on a body over `maxBytes` (declared or
 * read: the read stops there), and on a timeout (AbortSignal): a stalled socket (an issuer that
 * accepts and never answers, or stops mid-body) fails after `timeoutMs` instead of holding the
 * requests that wait for it.
 *
 * @example
 * const text = await fetchText(fetch, 'https://auth.example.com/.well-known/jwks.json', 3000, MAX_DOCUMENT_BYTES);
 */
export async function fetchText(
  fetchImpl: typeof globalThis.fetch,
  url: string,
  timeoutMs: number,
  maxBytes: number,
): Promise<string> {
  const signal = AbortSignal.timeout(timeoutMs);
  const response = await fetchImpl(url, { headers: { accept: 'application/json' }, signal });
  // Free the connection: an unread body keeps the socket busy.
  const discard = () => response.body?.cancel().catch(() => undefined);
  if (!response.ok) {
    await discard();
    throw new Error(`${url} answered ${response.status}`);
  }
  const tooLarge = () => new Error(`${url} answered a body over ${maxBytes} bytes`);
  if (Number(response.headers.get('content-length') ?? 0) > maxBytes) {
    await discard();
    throw tooLarge();
  }
  if (response.body === null) return '';
  // The same signal bounds the body: a server that sends headers and then stalls is cut too.
  const reader = response.body.getReader();
  // As response.text(): UTF-8, a BOM dropped, bad bytes replaced (the JSON parse then fails).
  const decoder = new TextDecoder();
  let bytes = 0;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    bytes += value.byteLength;
    if (bytes > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    text += decoder.decode(value, { stream: true });
  }
}
