import { describe, expect, it } from 'vitest';
import { AuthError } from '../core/index.js';
import { createWorkQueue } from './queue.js';

/** A piece of work that finishes when the test says so. */
function gate() {
  let open = () => {};
  const done = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { done, open };
}

describe('bounded work queue', () => {
  it('runs at most maxConcurrent at once, holds maxQueued, and refuses the rest at once', async () => {
    const queue = createWorkQueue({ maxConcurrent: 2, maxQueued: 1 });
    const gates = [gate(), gate(), gate()];
    let started = 0;
    const runs = gates.map((g) =>
      queue.run(async () => {
        started++;
        await g.done;
        return 'ok';
      }),
    );
    expect(queue.running).toBe(2);
    expect(queue.queued).toBe(1);
    expect(started).toBe(2);
    await expect(queue.run(async () => 'never')).rejects.toMatchObject({
      code: 'ERR_AUTH_BUSY',
      details: { retryAfterSeconds: 1 },
    });
    gates[0]?.open();
    await runs[0];
    expect(started).toBe(3);
    expect(queue.running).toBe(2);
    expect(queue.queued).toBe(0);
    gates[1]?.open();
    gates[2]?.open();
    expect(await Promise.all(runs)).toEqual(['ok', 'ok', 'ok']);
    expect(queue.running).toBe(0);
  });

  it('frees the slot of work that failed', async () => {
    const queue = createWorkQueue({ maxConcurrent: 1, maxQueued: 0 });
    await expect(queue.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(queue.running).toBe(0);
    expect(await queue.run(async () => 7)).toBe(7);
  });

  it('refuses options that would never run anything', () => {
    expect(() => createWorkQueue({ maxConcurrent: 0 })).toThrow(AuthError);
    expect(() => createWorkQueue({ maxQueued: -1 })).toThrow(AuthError);
  });
});
